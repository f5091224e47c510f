"""누리집 channel: every notice is posted on the citizen's status page; when the citizen gave an
e-mail address with consent, it is also sent by e-mail. (문자로 링크 받기 and 카카오톡으로 받기 are
addressed to their routes and never reach this transport: channels/web/receipt_link.py.)"""

from typing import TYPE_CHECKING

from ontong.channels.base import Transport
from ontong.channels.email import EmailTransport, can_email

if TYPE_CHECKING:
    from ontong.complaints.models import Message

STATUS_PAGE = "status-page"


class WebTransport(Transport):
    channel = "web"

    def send(self, message: "Message") -> str:
        if can_email(message.complaint.citizen):
            return EmailTransport().send(message)
        return f"{STATUS_PAGE}:{message.pk}"
