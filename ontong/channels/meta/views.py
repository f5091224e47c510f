"""The Meta webhook: verify, store the raw body durably, answer 200; the worker does the rest."""

import hashlib
import hmac
import json
import os
import time
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .events import awaited, store_delivery
from .models import MetaAccount


def verify_tokens() -> list[str]:
    tokens = [a.verify_token for a in MetaAccount.objects.filter(is_active=True) if a.verify_token]
    return tokens + (
        [os.environ["ONTONG_META_VERIFY_TOKEN"]]
        if os.environ.get("ONTONG_META_VERIFY_TOKEN")
        else []
    )


# Reading and decrypting the accounts' secrets on every webhook was the largest cost of the
# answer after the database writes (bench/ingest.py); they are kept this long in each process.
SECRETS_SECONDS = 60
_secrets: tuple[float, frozenset[str]] = (float("-inf"), frozenset())


def app_secrets(refresh: bool = False) -> frozenset[str]:
    global _secrets
    loaded_at, secrets = _secrets
    if refresh or time.monotonic() - loaded_at > SECRETS_SECONDS:
        found = {a.app_secret for a in MetaAccount.objects.filter(is_active=True) if a.app_secret}
        if os.environ.get("ONTONG_META_APP_SECRET"):
            found.add(os.environ["ONTONG_META_APP_SECRET"])
        secrets = frozenset(found)
        _secrets = (time.monotonic(), secrets)
    return secrets


def forget_app_secrets(**kwargs: Any) -> None:
    """On an account's change in this process; other processes see it within SECRETS_SECONDS."""
    global _secrets
    _secrets = (float("-inf"), frozenset())


def signature_valid(body: bytes, header: str) -> bool:
    """HMAC-SHA256 of the exact received bytes (never a re-serialised parse: Korean text arrives
    \\uXXXX-escaped and must be verified as sent). Lowercase hex, as Meta sends it. A signature
    no kept secret matches is checked against fresh ones, so a new account works at once."""
    if not header.startswith("sha256="):
        return False
    given = header.removeprefix("sha256=")

    def signed_by_one_of(secrets: Iterable[str]) -> bool:
        return any(
            hmac.compare_digest(hmac.new(s.encode(), body, hashlib.sha256).hexdigest(), given)
            for s in secrets
        )

    return signed_by_one_of(app_secrets()) or signed_by_one_of(app_secrets(refresh=True))


def verification(request: HttpRequest) -> HttpResponse:
    mode = request.GET.get("hub.mode")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if (
        mode == "subscribe"
        and token
        and any(hmac.compare_digest(token, t) for t in verify_tokens())
    ):
        return HttpResponse(challenge, content_type="text/plain")
    return HttpResponseForbidden("verification failed")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return verification(request)
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.ONTONG_WEBHOOK_MAX_BYTES:
        return HttpResponse("payload too large", status=413)
    body = request.body
    if len(body) > settings.ONTONG_WEBHOOK_MAX_BYTES:
        return HttpResponse("payload too large", status=413)
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256", "")):
        return HttpResponseForbidden("bad signature")
    try:
        accepted = accepted_webhook(body)
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    store_delivery(body, *accepted)
    return HttpResponse("EVENT_RECEIVED", content_type="text/plain")


class Accepted(NamedTuple):
    object_type: str
    awaited: bool  # WebhookDelivery.awaited


def accepted_webhook(body: bytes) -> Accepted:
    """The payload's `object` and whether someone waits on it, or ValueError when the body is
    not a webhook payload."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # deep nesting: not a webhook
        raise ValueError("malformed JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("entry", []), list):
        raise ValueError("not a webhook payload")
    object_type = "".join(ch for ch in str(payload.get("object", "")) if ch.isprintable())
    return Accepted(object_type, awaited(payload))
