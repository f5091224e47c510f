"""Who needs a second factor, enrolment, recovery codes, and the login lockout's retry time."""

from base64 import b32encode

import segno
from django.conf import settings
from django.utils import timezone
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ontong.org.models import Role

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "인증 앱"
RECOVERY_NAME = "복구 코드"


def two_factor_required(user) -> bool:
    """민원총괄 and anyone who can open Django admin always; other roles as the city chose."""
    if user.is_staff or user.is_superuser or user.has_role(Role.ADMIN):
        return True
    roles = set(settings.ONTONG_2FA_ROLES)
    return "all" in roles or bool(user.roles() & roles)


def second_factor_expected(user) -> bool:
    """Required, or chosen: a user who enrolled is asked for a code even where it is optional."""
    return two_factor_required(user) or has_authenticator(user)


def has_authenticator(user) -> bool:
    """Enrolled: an authenticator app is connected. Recovery codes alone do not count, so that
    an administrator who removes a lost phone's device sends its owner back to enrolment."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_totp(user) -> TOTPDevice:
    """The authenticator being enrolled: the same secret until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it by hand: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG QR code (made here: the secret goes to no service)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title=TOTP_NAME)


def confirm_totp(device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the enrolment with a first code; the new authenticator replaces any older one.
    Returns fresh recovery codes (shown once), or None when the code is wrong."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    return new_recovery_codes(device.user)


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes; each works once. The page that makes them is the only
    place they are shown."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def check_code(user, token: str):
    """The device a code (authenticator or recovery) belongs to, or None. Each device slows down
    repeated wrong codes by itself (django-otp's throttling)."""
    token = token.strip().replace(" ", "").replace("-", "").lower()
    return match_token(user, token) if token else None


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def lockout_ends(now=None):
    """When a locked-out login may try again: every attempt during the lock restarts it."""
    return (now or timezone.now()) + settings.AXES_COOLOFF_TIME
