"""API keys: making one (the secret shown once), checking one, its rate limit and audit log."""

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django_ratelimit.core import get_usage

from ontong.accounts.network import client_ip
from ontong.complaints.access import department_scope, visible_complaints
from ontong.org.models import Department, User

from .models import ApiCall, ApiKey

KEY_PREFIX = "ont_"  # makes a leaked key easy to find (secret scanners, logs)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    name: str, user: User, created_by: User | None = None, **fields
) -> tuple[ApiKey, str]:
    """A new key and its full text, which is never stored: show it once."""
    prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        name=name,
        user=user,
        created_by=created_by,
        prefix=prefix,
        secret_hash=digest(secret),
        **fields,
    )
    return key, f"{KEY_PREFIX}{prefix}_{secret}"


def assign_secret(key: ApiKey) -> str:
    """Give an unsaved key (the admin's form) its prefix and secret; returns the full text."""
    key.prefix = secrets.token_hex(4)
    while ApiKey.objects.filter(prefix=key.prefix).exists():
        key.prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key.secret_hash = digest(secret)
    return f"{KEY_PREFIX}{key.prefix}_{secret}"


def find_key(text: str) -> ApiKey | None:
    """The usable key this text is, or None (unknown, wrong secret, revoked, expired)."""
    text = (text or "").strip()
    if not text.startswith(KEY_PREFIX) or "_" not in text[len(KEY_PREFIX) :]:
        return None
    prefix, secret = text[len(KEY_PREFIX) :].split("_", 1)
    key = ApiKey.objects.select_related("user", "department").filter(prefix=prefix[:16]).first()
    if key is None or not hmac.compare_digest(key.secret_hash, digest(secret)):
        return None
    if not key.is_usable:
        return None
    return key


def prefix_of(text: str) -> str:
    text = (text or "").strip()
    if text.startswith(KEY_PREFIX):
        return text[len(KEY_PREFIX) :].split("_", 1)[0][:16]
    return ""


def over_limit(request, key: ApiKey) -> bool:
    """Counts this call against the key's rate in the shared cache (django-ratelimit's fixed
    windows, the same store as the intake limits); True when the key has used up its window."""
    usage = get_usage(
        request, group="ontong.api", key=lambda g, r: key.prefix, rate=key.rate, increment=True
    )
    return bool(usage and usage["should_limit"])


BAD_KEY_LIMIT = 30  # made-up or dead keys per client address and minute


def too_many_bad_keys(request) -> bool:
    """Counts a call whose key was refused against its address (the shared cache); True past
    BAD_KEY_LIMIT a minute. Such calls are then neither checked nor logged."""
    usage = get_usage(
        request,
        group="ontong.api.bad_key",
        key=lambda g, r: client_ip(r) or "",
        rate=f"{BAD_KEY_LIMIT}/m",
        increment=True,
    )
    return bool(usage and usage["should_limit"])


def touch(key: ApiKey) -> None:
    """last_used_at, written at most once a minute (a busy key would rewrite its row per call)."""
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() >= 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def audit(
    key: ApiKey | None,
    method: str,
    path: str,
    action: str,
    status: int,
    ip: str | None,
    prefix: str = "",
) -> None:
    ApiCall.objects.create(
        key=key,
        key_prefix=key.prefix if key else prefix,
        method=method[:8],
        path=path[:300],
        action=action[:60],
        status=status,
        ip=ip,
    )


def purge_old_calls(limit: int = 5000) -> int:
    """The call log holds callers' addresses: kept ONTONG_API_CALL_KEEP_DAYS (an access record,
    docs/privacy.md), then deleted, at most `limit` a run; how many went."""
    before = timezone.now() - dt.timedelta(days=settings.ONTONG_API_CALL_KEEP_DAYS)
    ids = list(ApiCall.objects.filter(created_at__lt=before).values_list("pk", flat=True)[:limit])
    ApiCall.objects.filter(pk__in=ids).delete()
    return len(ids)


@dataclass
class Caller:
    """Who is calling: the key and the staff account it acts as."""

    key: ApiKey

    @property
    def user(self) -> User:
        return self.key.user

    def complaints(self, consulted: bool = True):
        """What the key may see: its account's cases, within the key's department if it has one
        (`consulted`: with the cases another department asked the account's department about,
        as on the staff pages; not for statistics)."""
        visible = visible_complaints(self.user, consulted=consulted)
        if self.key.department is not None:
            visible = visible.filter(department_id__in=scope_of(self.key.department))
        return visible

    def departments(self):
        if self.key.department is not None:
            return Department.objects.filter(pk__in=scope_of(self.key.department))
        return Department.objects.all()


def scope_of(department: Department) -> list[int]:
    probe = User(department_id=department.pk)
    return department_scope(probe)
