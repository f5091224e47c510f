"""Staff account pages: the second login step, authenticator enrolment, recovery codes, password
change, and the answer to a locked-out login."""

import logging

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import services
from .network import client_ip

log = logging.getLogger(__name__)


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("인증 코드"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


def safe_next(request, default="web:home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(default)


@never_cache
@login_required
def verify(request):
    """The step after the password: a code from the authenticator app or a recovery code."""
    if request.user.is_verified():
        return redirect(safe_next(request))
    if not services.has_authenticator(request.user):
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.check_code(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if device.name == services.RECOVERY_NAME:
                messages.warning(
                    request,
                    _("복구 코드로 로그인했습니다. 남은 복구 코드: %(count)d개")
                    % {"count": services.remaining_recovery_codes(request.user)},
                )
            return redirect(safe_next(request))
        log.warning(
            "wrong second-factor code for user %s from %s", request.user.pk, client_ip(request)
        )
        form.add_error("token", _("인증 코드가 맞지 않습니다. 잠시 후 다시 시도하세요."))
    return render(
        request, "accounts/verify.html", {"form": form, "next": safe_next(request)}, status=200
    )


@never_cache
@login_required
def enrol(request):
    """Connect an authenticator app: QR code and the secret for typing in, confirmed by a first
    code. Replacing one needs the second step first, or a stolen password could swap it."""
    user = request.user
    if services.has_authenticator(user) and not user.is_verified():
        return redirect(f"{reverse('accounts:verify')}?next={reverse('accounts:enrol')}")
    device = services.pending_totp(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_totp(device, form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            log.info("user %s enrolled an authenticator", user.pk)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": safe_next(request)},
            )
        form.add_error(
            "token", _("인증 코드가 맞지 않습니다. 앱의 시간을 확인하고 다시 입력하세요.")
        )
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr": services.qr_svg(device),
            "secret": services.secret_text(device),
            "required": services.two_factor_required(user),
            "next": safe_next(request),
        },
    )


@login_required
def account(request):
    user = request.user
    return render(
        request,
        "accounts/account.html",
        {
            "enrolled": services.has_authenticator(user),
            "required": services.two_factor_required(user),
            "recovery_left": services.remaining_recovery_codes(user),
            "idle_minutes": settings.ONTONG_STAFF_IDLE_MINUTES,
        },
    )


@never_cache
@login_required
@require_POST
def recovery_codes(request):
    if not request.user.is_verified():
        return redirect(f"{reverse('accounts:verify')}?next={reverse('accounts:account')}")
    codes = services.new_recovery_codes(request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": reverse("accounts:account")},
    )


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        messages.success(self.request, _("비밀번호를 바꿨습니다."))
        return super().form_valid(form)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a login that is locked out (staff login and Django admin)."""
    retry_at = timezone.localtime(services.lockout_ends())
    return render(
        request,
        "accounts/locked_out.html",
        {"retry_at": retry_at, "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)},
        status=429,
    )
