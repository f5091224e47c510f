"""The inbox poll's "nothing new" answer before Django's request handling (decision 0004).

Django's full answer to a poll that finds nothing new carries a signed, short-lived ticket: this
session's view, drawn at these change versions (complaints.changes), was up to date. The next
poll presents it; FastPoll checks the signature, the expiry, the session cookie and the request
it was made for, reads the versions once from the shared cache and answers 204 when none moved.
Anything else — and any doubt — goes on to Django, which alone makes tickets: the fast path never
extends a session or a ticket.
"""

import hashlib
import hmac
import logging
import time
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http.cookie import parse_cookie
from django.urls import reverse
from django.utils.crypto import salted_hmac

from ontong.accounts.middleware import LAST_ACTIVITY, SIGNED_IN_AT
from ontong.complaints.access import consulted_cases, department_scope
from ontong.complaints.changes import ALL, ORG, bump, department_key, user_key, versions
from ontong.complaints.models import Complaint
from ontong.metrics import count_request
from ontong.org.models import Role, User

from .models import CaseSeen

log = logging.getLogger(__name__)
HEADER = "Ontong-Poll-Ticket"
TICKET_SECONDS = 60  # time-only changes (기한 임박, session expiry) show within a minute
SALT = "ontong.web.fastpoll"


def enabled() -> bool:
    return bool(settings.ONTONG_FAST_POLL)


def viewer_keys(user: User) -> list[str]:
    """The change keys this person's inbox views depend on: everything for those who see every
    case (their tabs count them all), else their departments' and the owners of the cases they
    were asked about (협조); always the chart and their own."""
    if user.has_role(Role.ADMIN, Role.TRIAGE):
        keys = [ALL]
    else:
        owners = (
            Complaint.objects.filter(consulted_cases(user))
            .values_list("department_id", flat=True)
            .distinct()
        )
        keys = sorted({department_key(d) for d in [*department_scope(user), *owners]})
    return [*keys, ORG, user_key(user.pk)]


def digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def request_digest(environ: WSGIEnvironment) -> str:
    """The poll as asked: its path and its query (the view, since, the rows shown) in any order."""
    query = sorted(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    return digest(environ.get("PATH_INFO", ""), urlencode(query))


def versions_digest(keys: list[str], values: dict[str, str]) -> str:
    return digest(*(f"{key}={values[key]}" for key in keys))


def signature(payload: str) -> str:
    return salted_hmac(SALT, payload, algorithm="sha256").hexdigest()


def expiry(request) -> int:
    """A minute, and never past the session's own end (idle logout, the day's limit)."""
    now = time.time()
    session = request.session
    ends = [now + TICKET_SECONDS, session.get_expiry_date().timestamp()]
    if LAST_ACTIVITY in session:
        ends.append(session[LAST_ACTIVITY] + settings.ONTONG_STAFF_IDLE_MINUTES * 60)
    if SIGNED_IN_AT in session:
        ends.append(session[SIGNED_IN_AT] + settings.SESSION_COOKIE_AGE)
    return int(min(ends))


def ticket(request, keys: list[str], values: dict[str, str]) -> str | None:
    session_key = request.session.session_key
    if not session_key:
        return None
    payload = "|".join(
        [
            str(request.user.pk),
            digest(session_key),
            request_digest(request.META),
            ",".join(keys),
            versions_digest(keys, values),
            str(expiry(request)),
        ]
    )
    return f"{payload}|{signature(payload)}"


def versions_read(keys: list[str]) -> dict[str, str] | None:
    """The versions for a ticket, or None (no ticket) when the cache fails: the poll is
    answered all the same, by Django, as without the fast path."""
    try:
        return versions(keys, create=True)
    except Exception:
        log.exception("inbox versions not read; the poll goes without a ticket")
        return None


def attach_ticket(request, response, keys: list[str], values: dict[str, str]) -> None:
    """Django's own "nothing new" (204) answer vouches for the versions read before it looked."""
    if response.status_code == 204 and (made := ticket(request, keys, values)):
        response[HEADER] = made


def ticket_holds(environ: WSGIEnvironment) -> bool:
    """True only when the ticket is ours, unexpired, for this session and this poll, and none of
    the versions it was drawn at has moved; False on anything else."""
    parts = environ.get("HTTP_ONTONG_POLL_TICKET", "").split("|")
    if len(parts) != 7:
        return False
    *fields, sent_signature = parts
    payload = "|".join(fields)
    if not hmac.compare_digest(sent_signature, signature(payload)):
        return False
    _user, session, asked, key_list, seen, expires = fields
    if not time.time() < int(expires) <= time.time() + TICKET_SECONDS:
        return False
    cookie = parse_cookie(environ.get("HTTP_COOKIE", "")).get(settings.SESSION_COOKIE_NAME)
    if not cookie or not hmac.compare_digest(session, digest(cookie)):
        return False
    if asked != request_digest(environ):
        return False
    keys = key_list.split(",")
    current = versions(keys, create=False)
    return current is not None and hmac.compare_digest(seen, versions_digest(keys, current))


class FastPoll:
    """WSGI: a poll whose ticket holds is answered 204 here; every other request goes on."""

    def __init__(self, application: WSGIApplication) -> None:
        self.application = application
        self.paths = {reverse("web:inbox"), reverse("web:queue")}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("REQUEST_METHOD") == "GET"
            and environ.get("PATH_INFO") in self.paths
            and environ.get("HTTP_HX_REQUEST") == "true"  # else Django draws the whole page
            and environ.get("HTTP_HX_TRIGGER") == "poll"
            and "HTTP_ONTONG_POLL_TICKET" in environ
            and enabled()
        ):
            try:
                holds = ticket_holds(environ)
            except Exception:  # any doubt: Django decides
                log.exception("poll ticket not checked; the full poll answers")
                holds = False
            if holds:
                count_request()
                start_response(
                    "204 No Content", [("Cache-Control", "no-store"), ("Ontong-Poll", "fast")]
                )
                return []
        return self.application(environ, start_response)


@receiver(post_save, sender=CaseSeen)
def case_opened(sender, instance: CaseSeen, **kwargs) -> None:
    """Opening a case settles its unread mark for this person only."""
    bump(user_key(instance.user_id))
