"""누리집 channel: every notice is posted on the citizen's status page; when the citizen gave an
e-mail address with consent, it is also sent by e-mail through Django's e-mail backend."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from ontong.channels.base import PermanentError, TemporaryError, Transport

STATUS_PAGE = "status-page"


class WebTransport(Transport):
    channel = "web"

    def send(self, message) -> str:
        citizen = message.complaint.citizen
        if not (citizen and citizen.email and citizen.contact_consent_at):
            return f"{STATUS_PAGE}:{message.pk}"
        email = EmailMessage(
            subject=f"[{settings.CITY_NAME}] 민원 {message.complaint.receipt_no} 안내",
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
