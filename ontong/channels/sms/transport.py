"""SMS through a pluggable HTTP gateway (a city's 문자 발송 업체 or 알림톡 provider behind a small
adapter): POST {"to", "text", "reference"} as JSON with a bearer token to ONTONG_SMS_URL."""

from typing import TYPE_CHECKING, TypeGuard

import httpx
from django.conf import settings

from ontong.channels.base import PermanentError, TemporaryError, Transport, UnknownOutcome
from ontong.outbound import http

if TYPE_CHECKING:
    from ontong.complaints.models import Citizen, Message


def sms_configured() -> bool:
    return bool(settings.ONTONG_SMS_URL)


def can_sms(citizen: "Citizen | None") -> TypeGuard["Citizen"]:
    return bool(sms_configured() and citizen and citizen.phone and citizen.contact_consent_at)


class SmsTransport(Transport):
    channel = "sms"

    def reaches(self, citizen: "Citizen | None") -> bool:
        return can_sms(citizen)

    def send(self, message: "Message") -> str:
        citizen = message.addressee
        if not can_sms(citizen):
            raise PermanentError(
                "문자 수신에 동의한 번호가 없거나 문자 발송이 설정되지 않았습니다."
            )
        try:
            response = http().post(
                settings.ONTONG_SMS_URL,
                json={
                    "to": citizen.phone,
                    "text": message.body,
                    "reference": f"ontong:{message.pk}",
                },
                headers={"Authorization": f"Bearer {settings.ONTONG_SMS_TOKEN}"}
                if settings.ONTONG_SMS_TOKEN
                else {},
                timeout=settings.ONTONG_GRAPH_TIMEOUT,
            )
        except httpx.ConnectError as exc:
            raise TemporaryError(f"문자 게이트웨이에 연결하지 못했습니다: {exc}") from exc
        except httpx.TimeoutException as exc:
            raise UnknownOutcome(f"문자 게이트웨이 응답 시간 초과: {exc}") from exc
        except httpx.TransportError as exc:
            raise TemporaryError(str(exc)) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TemporaryError(f"문자 게이트웨이 {response.status_code}")
        if response.status_code >= 400:
            raise PermanentError(
                f"문자 게이트웨이가 거부했습니다 ({response.status_code}): {response.text[:200]}"
            )
        try:
            return f"sms:{response.json().get('id', message.pk)}"
        except ValueError:
            return f"sms:{message.pk}"
