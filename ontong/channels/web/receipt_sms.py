"""문자로 링크 받기: the status page's link (and the short code) sent to the phone the citizen gave,
where SMS is configured. It goes out as a notice like any other (stored, queued with the request,
retried, visibly failed in the staff thread), routed by WebTransport to the SMS gateway."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ontong.channels.sms.transport import can_sms
from ontong.complaints import wording
from ontong.complaints.models import Channel, Complaint, Message
from ontong.complaints.notices import queue_notice, status_url

from . import status_grants

ROUTE = "sms"
PER_DAY = 3  # a text costs the city money; three a day is plenty for a lost link


def offered(complaint: Complaint) -> bool:
    return complaint.channel == Channel.WEB and can_sms(complaint.citizen)


def sent_today(complaint: Complaint) -> int:
    since = timezone.now() - timedelta(days=1)
    return complaint.messages.filter(extra__route=ROUTE, created_at__gte=since).count()


class TooMany(Exception):
    """Already sent PER_DAY times in the last day."""


class NotOffered(Exception):
    """Not a web case, no gateway, or no consented phone."""


@transaction.atomic
def send_link(complaint: Complaint) -> Message:
    if not offered(complaint):
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
    return queue_notice(complaint, Message.Purpose.REPLY, body, extra={"route": ROUTE})
