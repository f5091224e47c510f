"""How a call proves its key: `Authorization: Bearer ont_…` or `X-API-Key: ont_…`."""

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyHeader, HttpBearer

from . import keys
from .keys import Caller


class RateLimited(Exception):
    pass


class NulInput(Exception):
    """A NUL character anywhere in the request: no text we store may hold one (PostgreSQL
    refuses it), so the request is refused whole, before anything reads it."""


def has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    for data in [request.GET] + ([request.POST] if request.method == "POST" else []):
        for key, values in data.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                return True
    body = request.body if request.content_type == "application/json" else b""
    return b"\x00" in body or b"\\u0000" in body.lower()


def authenticate(request: HttpRequest, text: str | None) -> Caller | None:
    """The caller, or None (→ 401). Keeps the key on the request for the audit log."""
    if has_nul(request):
        raise NulInput
    if not text:  # the other header may carry it
        return None
    key = keys.find_key(text)
    if key is None:
        if keys.too_many_bad_keys(request):
            raise RateLimited  # and not logged: the log is not for anyone to fill
        request.api_prefix = keys.prefix_of(text)  # type: ignore[attr-defined]
        return None
    request.api_key = key  # type: ignore[attr-defined]
    if keys.over_limit(request, key):
        raise RateLimited
    keys.touch(key)
    return Caller(key)


class BearerKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        return authenticate(request, token)


class HeaderKey(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        return authenticate(request, key)


def caller(request: HttpRequest, scope: str) -> Caller:
    """The authenticated caller, refused (403) if its key lacks the scope."""
    found: Caller = request.auth  # type: ignore[attr-defined]
    if scope not in found.key.scopes():
        raise HttpError(403, f"이 키에는 '{scope}' 권한이 없습니다.")
    return found
