from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' lazy string

from ontong.channels.admin_secrets import WriteOnlySecretsForm, secret_field

from .models import Comment, MetaAccount, WebhookDelivery


class MetaAccountForm(WriteOnlySecretsForm):
    secret_fields = ("app_secret", "verify_token", "page_token")
    app_secret = secret_field(_("앱 시크릿"))
    verify_token = secret_field(_("검증 토큰"))
    page_token = secret_field(
        _("페이지 액세스 토큰"),
        _("비워 두면 저장된 값을 유지합니다. 새 토큰을 넣으면 '토큰 무효' 표시가 풀립니다."),
    )

    graph_url = forms.URLField(
        label=_("Graph API 주소"),
        required=False,
        assume_scheme="https",
        help_text=_("비우면 기본값 (데모: 에뮬레이터)"),
    )

    class Meta:
        model = MetaAccount
        fields = [
            "kind",
            "external_id",
            "name",
            "page_id",
            "app_secret",
            "verify_token",
            "page_token",
            "graph_url",
            "human_agent_enabled",
            "follow_up_hours",
            "comment_rule",
            "comment_keywords",
            "private_reply_text",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk and self.data.get("page_token"):
            self.instance.token_invalid_at = None
        return data


@admin.register(MetaAccount)
class MetaAccountAdmin(admin.ModelAdmin):
    form = MetaAccountForm
    list_display = [
        "name",
        "kind",
        "external_id",
        "is_active",
        "human_agent_enabled",
        "token_state",
    ]
    readonly_fields = ["token_invalid_at"]

    @admin.display(description=_("토큰"))
    def token_state(self, obj: MetaAccount) -> "str | _StrPromise":
        if not obj.page_token:
            return _("없음")
        return _("무효 — 새로 넣어야 함") if obj.token_invalid_at else _("설정됨")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["pk", "object_type", "state", "attempts", "received_at", "processed_at"]
    list_filter = ["state", "object_type"]
    readonly_fields = ["object_type", "state", "error", "attempts", "received_at", "processed_at"]
    exclude = ["body"]
    actions = ["reprocess"]

    @admin.action(description=_("선택한 수신 건을 다시 처리"))
    def reprocess(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        # The workers make their tasks again (events.enqueue_stored_webhooks).
        count = queryset.exclude(state=WebhookDelivery.State.PROCESSED).update(
            state=WebhookDelivery.State.PENDING, queued_at=None, attempts=0
        )
        messages.success(request, _("%(n)d건을 다시 처리하도록 넣었습니다.") % {"n": count})

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["comment_id", "account", "created_time", "complaint", "removed_at", "hidden"]
    list_filter = ["account", "hidden"]
    exclude = ["message", "from_id", "from_name"]
