from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ontong.channels.admin_secrets import WriteOnlySecretsForm, secret_field

from .models import AlimtalkConfig, AlimtalkTemplate
from .variables import VARIABLES


class AlimtalkConfigForm(WriteOnlySecretsForm):
    secret_fields = ("secret_key",)
    secret_key = secret_field(_("비밀 키"))
    base_url = forms.URLField(
        label=_("API 주소"),
        required=False,
        assume_scheme="https",
        help_text=_("비우면 업체의 기본 주소 (데모: 에뮬레이터)"),
    )

    class Meta:
        model = AlimtalkConfig
        fields = [
            "enabled",
            "provider",
            "base_url",
            "app_key",
            "secret_key",
            "sender_key",
            "resend_sender_no",
        ]


@admin.register(AlimtalkConfig)
class AlimtalkConfigAdmin(admin.ModelAdmin):
    form = AlimtalkConfigForm
    list_display = ["__str__", "enabled", "provider", "sender_key", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not AlimtalkConfig.objects.exists()


@admin.register(AlimtalkTemplate)
class AlimtalkTemplateAdmin(admin.ModelAdmin):
    list_display = ["purpose", "template_code", "state", "last_error", "last_error_at"]
    list_filter = ["state"]
    readonly_fields = ["known_variables", "last_error", "last_error_at", "updated_at"]
    fields = [
        "purpose",
        "template_code",
        "state",
        "content",
        "known_variables",
        "last_error",
        "last_error_at",
        "updated_at",
    ]

    @admin.display(description=_("쓸 수 있는 변수"))
    def known_variables(self, obj: AlimtalkTemplate | None) -> SafeString:
        return format_html_join(" ", "<code>#{{{}}}</code>", ((name,) for name in VARIABLES))

    def save_model(
        self, request: HttpRequest, obj: AlimtalkTemplate, form: Any, change: bool
    ) -> None:
        if change and {"content", "state", "template_code"} & set(form.changed_data):
            obj.last_error, obj.last_error_at = "", None  # fixed: the old error no longer holds
        super().save_model(request, obj, form, change)
