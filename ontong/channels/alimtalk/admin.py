from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from .models import AlimtalkConfig, AlimtalkTemplate
from .variables import VARIABLES


class AlimtalkConfigForm(forms.ModelForm):
    """The secret key is write-only: never shown, and a blank field keeps the stored one."""

    secret_key = forms.CharField(
        label=_("비밀 키"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("비워 두면 저장된 값을 유지합니다."),
    )
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if not data.get("secret_key") and self.instance.pk:
            data["secret_key"] = AlimtalkConfig.objects.get(pk=self.instance.pk).secret_key
        return data


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
