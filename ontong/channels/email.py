"""E-mail to a citizen who gave an address with consent, through Django's e-mail backend."""

import smtplib
from typing import TYPE_CHECKING, TypeGuard

from django.core.mail import EmailMessage

from ontong.channels.base import PermanentError, TemporaryError, Transport
from ontong.complaints import wording

if TYPE_CHECKING:
    from ontong.complaints.models import Citizen, Message


def can_email(citizen: "Citizen | None") -> TypeGuard["Citizen"]:
    return bool(citizen and citizen.email and citizen.contact_consent_at)


class EmailTransport(Transport):
    channel = "email"

    def reaches(self, citizen: "Citizen | None") -> bool:
        return can_email(citizen)

    def send(self, message: "Message") -> str:
        citizen = message.addressee
        if not can_email(citizen):
            raise PermanentError("이메일 수신에 동의한 주소가 없습니다.")
        email = EmailMessage(
            subject=wording.render(
                "email_subject", "email", receipt_no=message.complaint.receipt_no
            ),
            body=message.body,
            to=[citizen.email],
        )
        try:
            email.send(fail_silently=False)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise PermanentError(f"이메일 주소가 거부되었습니다: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"메일 서버 거부 ({exc.smtp_code})") from exc
            raise TemporaryError(f"메일 서버 일시 오류 ({exc.smtp_code})") from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise TemporaryError(f"메일 서버에 연결하지 못했습니다: {exc}") from exc
        return f"email:{message.pk}"
