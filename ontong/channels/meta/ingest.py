"""The Meta webhook's fast path, in front of Django's request handling (decision 0002).

A POST to the webhook that is within the size limit, signed by a known app secret and shaped
like a webhook is stored with one INSERT and answered 200 here; Django's middleware, URL
resolving and sessions have nothing to add to it and cost most of the answer time
(bench/ingest.py). Everything else goes on to Django with the body put back, and gets the same
answers as before from the same checks."""

import io
import logging
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.urls import reverse

from ontong.metrics import count_request

from .events import store_delivery
from .views import Accepted, accepted_webhook, signature_valid

log = logging.getLogger(__name__)
RECEIVED = b"EVENT_RECEIVED"


class WebhookIngest:
    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        self.path = reverse("channels_meta:webhook")  # the same URL Django routes to the view

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self.path:
            return self.application(environ, start_response)
        body = read_body(environ)
        accepted = None if body is None else accepted_object(body, environ)
        if body is None or accepted is None:
            return self.application(environ, start_response)
        count_request()
        try:
            store_with_one_retry(body, accepted)
        except DatabaseError:
            log.exception("webhook not stored; Meta will send it again")
            return answer(start_response, "503 Service Unavailable", b"not stored, retry")
        return answer(start_response, "200 OK", RECEIVED)


def store_with_one_retry(body: bytes, accepted: Accepted) -> None:
    """Django checks its connection at every request's start (a query of its own); here a
    connection lost since the last webhook shows as an error, and the insert is tried once
    more on a new one."""
    try:
        store_delivery(body, *accepted)
    except (InterfaceError, OperationalError):
        connection.close()
        store_delivery(body, *accepted)


def read_body(environ: WSGIEnvironment) -> bytes | None:
    """The body within the limit, put back for Django; None (unread) when it is too large or
    its length is not given."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= settings.ONTONG_WEBHOOK_MAX_BYTES:
        return None
    body: bytes = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def accepted_object(body: bytes, environ: WSGIEnvironment) -> Accepted | None:
    """What is stored of the webhook if it is signed and well formed, else None."""
    if not signature_valid(body, environ.get("HTTP_X_HUB_SIGNATURE_256", "")):
        return None
    try:
        return accepted_webhook(body)
    except ValueError:
        return None


def answer(start_response: StartResponse, status: str, body: bytes) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
