"""API keys (and, below, webhooks) in the admin: for 민원총괄 only."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ontong.org.models import Role

from . import keys, webhooks
from .models import ApiCall, ApiKey, WebhookDelivery, WebhookEvent, WebhookSubscription


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


def shown_once(model_admin, request, title, label, value):
    """The new key or secret on a page of its own, never stored anywhere (a message would sit in
    a cookie or the session until shown). Signed-in pages are never cached (BrowserPolicies)."""
    opts = model_admin.model._meta
    return TemplateResponse(
        request,
        "admin/api/shown_once.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "label": label,
            "value": value,
            "back": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            "opts": opts,
        },
    )


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
            request.shown_once = keys.assign_secret(obj)
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return shown_once(self, request, _("새 API 키"), _("API 키"), request.shown_once)

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


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("받는 주소"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("받을 사건"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "department", "is_active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            webhooks.check_url(url)
        except webhooks.UnsafeURL as exc:
            raise forms.ValidationError(str(exc)) from exc
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(CentralOnly, admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "url", "event_list", "department", "is_active", "consecutive_failures"]
    list_filter = ["is_active"]
    readonly_fields = ["disabled_reason", "consecutive_failures", "created_by", "created_at"]

    @admin.display(description=_("받을 사건"))
    def event_list(self, obj):
        labels = dict(WebhookEvent.choices)
        return ", ".join(str(labels.get(e, e)) for e in obj.events)

    def response_add(self, request, obj, post_url_continue=None):
        return shown_once(self, request, _("새 웹훅 구독"), _("서명 비밀 값"), obj.secret)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.secret = webhooks.new_secret()
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            return
        if "is_active" in form.changed_data and obj.is_active:  # switched back on
            obj.consecutive_failures, obj.disabled_reason = 0, ""
        super().save_model(request, obj, form, change)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(CentralOnly, admin.ModelAdmin):
    list_display = [
        "created_at",
        "subscription",
        "event",
        "receipt_no",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "next_attempt_at",
    ]
    list_filter = ["status", "event", "subscription"]
    search_fields = ["receipt_no", "event_id"]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("선택한 발송 재발송"))
    def resend(self, request, queryset):
        n = sum(webhooks.resend(item) for item in queryset)
        messages.success(request, _("%(n)d건을 다시 보냅니다.") % {"n": n})
