"""API keys (and, below, webhooks) in the admin: for 민원총괄 only."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ontong.org.models import Role

from . import keys
from .models import ApiCall, ApiKey


class CentralOnly:
    """민원총괄 (or a superuser) only: integrations reach every department's cases."""

    def _central(self, request) -> bool:
        return bool(
            request.user.is_active and request.user.is_staff and request.user.has_role(Role.ADMIN)
        )

    def has_module_permission(self, request):
        return self._central(request)

    def has_view_permission(self, request, obj=None):
        return self._central(request)

    def has_add_permission(self, request):
        return self._central(request)

    def has_change_permission(self, request, obj=None):
        return self._central(request)

    def has_delete_permission(self, request, obj=None):
        return self._central(request)


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = [
            "name",
            "user",
            "department",
            "can_read",
            "can_create",
            "can_act",
            "rate",
            "expires_at",
            "revoked_at",
        ]

    def clean_rate(self):
        rate = self.cleaned_data["rate"].strip()
        try:
            count, period = rate.split("/")
            if int(count) <= 0 or period not in {"s", "m", "h", "d"}:
                raise ValueError
        except ValueError as exc:
            raise forms.ValidationError(
                _("'600/m'처럼 횟수/단위(s, m, h, d)로 적어 주세요.")
            ) from exc
        return rate


@admin.register(ApiKey)
class ApiKeyAdmin(CentralOnly, admin.ModelAdmin):
    form = ApiKeyForm
    list_display = [
        "name",
        "prefix",
        "user",
        "department",
        "scopes",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["can_act", "can_create"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "last_used_at", "created_by", "created_at"]
    actions = ["revoke"]

    @admin.display(description=_("범위"))
    def scopes(self, obj):
        return ", ".join(obj.scopes())

    def save_model(self, request, obj, form, change):
        if not change:
            full = keys.assign_secret(obj)
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                _("새 API 키: %(key)s — 지금 한 번만 보입니다. 연계 시스템에 안전하게 전달하세요.")
                % {"key": full},
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("선택한 키 폐기"))
    def revoke(self, request, queryset):
        n = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("키 %(n)d개를 폐기했습니다.") % {"n": n})


@admin.register(ApiCall)
class ApiCallAdmin(CentralOnly, admin.ModelAdmin):
    list_display = ["created_at", "key_prefix", "key", "method", "path", "action", "status", "ip"]
    list_filter = ["status", "method"]
    search_fields = ["key_prefix", "path", "action"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
