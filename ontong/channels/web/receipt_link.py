"""문자로 링크 받기 / 카카오톡으로 받기: the status page's link (and the short code) sent to the
phone the citizen gave with consent, by the route the city has configured. It goes out as a
notice like any other (stored, queued with the request, retried, visibly failed in the staff
thread), addressed to the routes in `extra["routes"]` (complaints/notices.fall_back walks them in
order): 카카오톡 goes as the city's approved 알림톡 template and, when 알림톡 refuses it or
reports it never arrived, as a text."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ontong.channels.alimtalk.transport import can_alimtalk
from ontong.channels.sms.transport import can_sms
from ontong.complaints import wording
from ontong.complaints.models import Channel, Complaint, Message
from ontong.complaints.notices import queue_notice, status_url

from . import status_grants

# What the citizen asked for → the routes tried, in order.
ROUTES = {"alimtalk": ["alimtalk", "sms"], "sms": ["sms"]}
PER_DAY = 3  # every route costs the city money; three a day is plenty for a lost link


def offered(complaint: Complaint) -> list[str]:
    """The routes this receipt offers: 카카오톡 first where 알림톡 is on, 문자 where SMS is."""
    citizen = complaint.citizen
    if complaint.channel != Channel.WEB:
        return []
    reach = {"alimtalk": can_alimtalk(citizen), "sms": can_sms(citizen)}
    return [route for route in ROUTES if reach[route]]


def sent_today(complaint: Complaint) -> int:
    since = timezone.now() - timedelta(days=1)
    return complaint.messages.filter(extra__route__in=list(ROUTES), created_at__gte=since).count()


class TooMany(Exception):
    """Already sent PER_DAY times in the last day (by any route)."""


class NotOffered(Exception):
    """Not a web case, that route not configured, or no consented phone."""


@transaction.atomic
def send_link(complaint: Complaint, route: str) -> Message:
    if route not in offered(complaint):
        raise NotOffered(complaint.receipt_no)
    Complaint.objects.select_for_update().filter(pk=complaint.pk).first()  # one at a time
    if sent_today(complaint) >= PER_DAY:
        raise TooMany(complaint.receipt_no)
    body = wording.render(
        "status_link",
        "sms",
        receipt_no=complaint.receipt_no,
        status_url=status_url(complaint),
        code=status_grants.display_code(status_grants.short_code(complaint)),
    )
    return queue_notice(
        complaint,
        Message.Purpose.STATUS_LINK,
        body,
        extra={"route": route, "routes": ROUTES[route]},
    )
