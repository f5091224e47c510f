"""Secrets at rest (page tokens, app secrets): Fernet with a key from the environment."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


def fernet() -> Fernet:
    key: str | bytes = settings.ONTONG_FIELD_KEY
    if not key:
        # Derived from SECRET_KEY so a demo needs no extra setting; production sets its own key.
        key = base64.urlsafe_b64encode(
            hashlib.sha256(f"ontong-fields:{settings.SECRET_KEY}".encode()).digest()
        )
    return Fernet(key)


class EncryptedTextField(models.TextField):
    """Stored encrypted; read back as plain text. Never rendered back in forms (see admin)."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken:
            return ""  # key changed: the secret must be entered again

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return fernet().encrypt(value.encode()).decode()
