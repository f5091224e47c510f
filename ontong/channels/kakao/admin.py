from urllib.parse import urlparse

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from ontong.channels.admin_secrets import WriteOnlySecretsForm, secret_field

from .models import KakaoBot, KakaoUser, SkillRequest
from .tasks import process_skill_request

MIN_SECRET_LENGTH = 16
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class KakaoBotForm(WriteOnlySecretsForm):
    secret_fields = ("skill_secret", "rest_api_key")
    skill_secret = secret_field(_("스킬 비밀값"))
    rest_api_key = secret_field(_("REST API 키"))
    bot_api_url = forms.URLField(
        label=_("봇 API 주소"),
        required=False,
        assume_scheme="https",
        help_text=_("비우면 https://bot-api.kakao.com (데모: 에뮬레이터)"),
    )

    channel_url = forms.URLField(
        label=_("카카오톡 채널 주소"),
        required=False,
        assume_scheme="https",
        help_text=_("시민에게 안내하는 채널 링크"),
    )

    class Meta:
        model = KakaoBot
        fields = [
            "name",
            "bot_id",
            "skill_secret",
            "allowed_networks",
            "rest_api_key",
            "event_name",
            "bot_api_url",
            "event_api_enabled",
            "channel_url",
            "follow_up_hours",
            "is_active",
        ]

    def clean_skill_secret(self) -> str:
        """It is all that guards the skill URL (Kakao signs nothing): long enough not to guess."""
        secret: str = self.cleaned_data.get("skill_secret") or ""
        if secret and len(secret) < MIN_SECRET_LENGTH:
            raise forms.ValidationError(
                _("스킬 비밀값은 %(n)d자 이상이어야 합니다.") % {"n": MIN_SECRET_LENGTH}
            )
        return secret

    def clean_bot_api_url(self) -> str:
        """The REST API key goes with every Event API call: https only (http only to this
        machine, the emulator)."""
        url: str = self.cleaned_data.get("bot_api_url") or ""
        parts = urlparse(url)
        if url and parts.scheme != "https" and (parts.hostname or "") not in LOOPBACK:
            raise forms.ValidationError(
                _("REST API 키가 암호화되지 않은 채 가지 않도록 https 주소만 쓸 수 있습니다.")
            )
        return url


@admin.register(KakaoBot)
class KakaoBotAdmin(admin.ModelAdmin):
    form = KakaoBotForm
    list_display = ["name", "bot_id", "is_active", "event_api_enabled"]


@admin.register(KakaoUser)
class KakaoUserAdmin(admin.ModelAdmin):
    list_display = ["pk", "bot", "is_friend", "last_seen_at"]
    list_filter = ["bot"]
    # botUserKey / appUserId identify a citizen: not shown in lists, never edited.
    exclude = ["bot_user_key", "plusfriend_user_key", "app_user_id", "identity"]
    readonly_fields = ["bot", "citizen", "is_friend", "last_seen_at"]

    @admin.display(description=_("민원인"))
    def citizen(self, obj: KakaoUser) -> str:
        return f"#{obj.identity.citizen_id}"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(SkillRequest)
class SkillRequestAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "bot",
        "block_name",
        "state",
        "callback_state",
        "is_test",
        "duplicate_of",
        "received_at",
    ]
    list_filter = ["state", "callback_state", "is_test", "bot"]
    exclude = ["body", "bot_user_key", "response", "callback_response", "headers"]
    readonly_fields = [
        "bot",
        "received_at",
        "block_id",
        "block_name",
        "intent_name",
        "is_test",
        "dedupe_key",
        "duplicate_of",
        "state",
        "error",
        "processed_at",
        "callback_url",
        "callback_state",
        "callback_at",
    ]
    actions = ["reprocess"]

    @admin.action(description=_("선택한 실패 요청을 다시 처리 (답은 알림으로)"))
    def reprocess(self, request: HttpRequest, queryset: QuerySet[SkillRequest]) -> None:
        # The answer time is long past: the conversation runs again and its replies go as
        # notices (skill.recover). Resends are never processed.
        with transaction.atomic():
            ids = list(
                queryset.filter(
                    state=SkillRequest.State.FAILED, duplicate_of__isnull=True
                ).values_list("pk", flat=True)
            )
            SkillRequest.objects.filter(pk__in=ids).update(state=SkillRequest.State.PENDING)
            for pk in ids:
                process_skill_request.enqueue(pk)
        messages.success(request, _("%(n)d건을 다시 처리하도록 넣었습니다.") % {"n": len(ids)})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
