"""The demo city's second factor: demo users who need one get an authenticator with a key that
is public (it is printed and in this file), so the demo stays usable. Never in production."""

from base64 import b32encode

from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ontong.accounts.services import TOTP_NAME, two_factor_required

DEMO_KEY = b"ontong-demo-totp-key"  # 20 bytes, public: demo only
DEMO_SECRET = b32encode(DEMO_KEY).decode()


def enrol_demo_users(users) -> list[str]:
    """Give each demo user who needs a second factor the demo authenticator; their usernames."""
    if settings.PRODUCTION:
        return []
    enrolled = []
    for user in users:
        if two_factor_required(user):
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(
                user=user, name=f"{TOTP_NAME} (데모)", key=DEMO_KEY.hex(), confirmed=True
            )
            enrolled.append(user.get_username())
    return enrolled


def demo_code() -> str:
    """The demo authenticator's current code (what an app holding DEMO_SECRET shows)."""
    return f"{TOTP(DEMO_KEY).token():06d}"
