"""누리집 channel: every notice is posted on the citizen's status page; when the citizen gave an
e-mail address with consent, it is also sent by e-mail. A notice marked for SMS (문자로 링크 받기,
`extra["route"] == "sms"`) goes to the SMS gateway instead."""

from typing import TYPE_CHECKING

from ontong.channels.base import Transport
from ontong.channels.email import EmailTransport, can_email
from ontong.channels.sms.transport import SmsTransport

if TYPE_CHECKING:
    from ontong.complaints.models import Message

STATUS_PAGE = "status-page"


class WebTransport(Transport):
    channel = "web"

    def send(self, message: "Message") -> str:
        if (message.extra or {}).get("route") == "sms":
            return SmsTransport().send(message)
        if can_email(message.complaint.citizen):
            return EmailTransport().send(message)
        return f"{STATUS_PAGE}:{message.pk}"
