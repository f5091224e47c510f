"""Test helpers: a signed-in test user passes the second step the way a person would, with a
code from their authenticator (django-otp's own TOTP)."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .services import TOTP_NAME, second_factor_expected


def authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator, made if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True)


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    """A code the device will accept now: a code is good once, so after a login in this time
    step the next step's code is given (within the device's tolerance), or we wait for it."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now_t = totp.t()
    wanted = max(now_t, device.last_t + 1)
    while wanted > totp.t() + device.tolerance:
        time.sleep(1)
    totp.time = device.t0 + (wanted - device.drift) * device.step
    return f"{totp.token():0{device.digits}d}"


def verify_session(client, user) -> None:
    """After Client.force_login: mark the session as having passed the second step."""
    if not second_factor_expected(user):
        return
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
    session.save()
