"""알림톡 as a fallback route (channels/base.FALLBACKS, first): for a citizen who gave a mobile
number and consented to be contacted (`Citizen.contact_consent_at`, the same consent as 문자 and
e-mail), when the city has 알림톡 on.

The notice goes as the approved template for its kind (AlimtalkTemplate), its variables filled
from the notice's context; with a 대체문자 of the notice itself when the city set a sender number,
so a phone without KakaoTalk still gets it, once, from the provider. A template not approved, or
one whose variables Ontong cannot fill, is a permanent error: written on the template (admin) and
on the case (complaints/notices.fall_back), and the chain goes on to e-mail and SMS.

After sending, a check asks the provider a few times whether the phone got it (as 알림톡 or as
대체문자) and marks the notice 전달됨, or sends it by the next route when it did not arrive.
"""

import datetime as dt
import re
from typing import TYPE_CHECKING, TypeGuard

from django.utils import timezone

from ontong.channels.base import PermanentError, TemporaryError, Transport
from ontong.complaints import notices
from ontong.complaints.models import Event, Message

from .models import AlimtalkConfig, AlimtalkTemplate
from .providers import AlimtalkRequest, TemplateRejected, provider_for
from .tasks import check_alimtalk
from .variables import fill, render

if TYPE_CHECKING:
    from ontong.complaints.models import Citizen

ROUTE = "alimtalk"
MAX_CHARS = 1000  # an 알림톡 message, variables filled
MOBILE = re.compile(r"^01[016789]\d{7,8}$")
POLL_DELAYS = (30, 60, 120, 300)


def mobile_number(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("82"):
        digits = "0" + digits[2:]
    return digits if MOBILE.match(digits) else ""


def can_alimtalk(citizen: "Citizen | None") -> TypeGuard["Citizen"]:
    return bool(
        citizen
        and citizen.contact_consent_at
        and mobile_number(citizen.phone)
        and AlimtalkConfig.current().ready
    )


class AlimtalkTransport(Transport):
    channel = "alimtalk"

    def reaches(self, citizen: "Citizen | None") -> bool:
        return can_alimtalk(citizen)

    def send(self, message: Message) -> str:
        citizen = message.addressee
        if not can_alimtalk(citizen):
            raise PermanentError(
                "알림톡 수신에 동의한 휴대전화 번호가 없거나 알림톡이 꺼져 있습니다."
            )
        template = AlimtalkTemplate.objects.filter(purpose=message.purpose).first()
        if template is None:
            raise TemplateRejected(
                f"'{message.get_purpose_display()}'에 쓸 알림톡 템플릿이 등록되지 않았습니다."
            )
        try:
            request = self.request_for(template, message, mobile_number(citizen.phone))
            external_id = provider_for(AlimtalkConfig.current()).send(request)
        except TemplateRejected as exc:
            template.record_error(str(exc))
            raise
        check_alimtalk.using(
            run_after=timezone.now() + dt.timedelta(seconds=POLL_DELAYS[0])
        ).enqueue(message.pk, 0)
        return f"alimtalk:{external_id}"

    def request_for(
        self, template: AlimtalkTemplate, message: Message, phone: str
    ) -> AlimtalkRequest:
        if template.state != AlimtalkTemplate.State.APPROVED:
            raise TemplateRejected(
                f"알림톡 템플릿 {template.template_code}이(가) 검수 승인 상태가 아닙니다 "
                f"({template.get_state_display()})."
            )
        values = fill(template.variables(), message)
        text = render(template.content, values)
        if len(text) > MAX_CHARS:
            raise TemplateRejected(
                f"알림톡 템플릿 {template.template_code}에 값을 넣으면 {len(text)}자로 "
                f"{MAX_CHARS}자를 넘습니다 (변수를 줄이거나 #{{처리결과}} 요약을 쓰세요)."
            )
        return AlimtalkRequest(
            template_code=template.template_code,
            recipient_no=phone,
            variables=values,
            fallback_text=message.body,
            reference=reference(message),
        )


def reference(message: Message) -> str:
    """Ours for one claim of one notice (NHN's duplicate guard and grouping key). A person's
    resend starts the attempts again, so the claim's time keeps it from meeting an earlier key."""
    claimed = int(message.attempted_at.timestamp()) if message.attempted_at else 0
    return f"ontong-{message.pk}-{message.attempts}-{claimed}"


def check_delivery(message_id: int, round_: int = 0) -> str:
    """Ask the provider whether a sent 알림톡 reached the phone (see module docstring)."""
    message = Message.objects.select_related("complaint__citizen").filter(pk=message_id).first()
    if message is None or message.route != ROUTE or message.delivery != Message.Delivery.SENT:
        return "skipped"
    provider_id = (message.external_id or "").removeprefix("alimtalk:")
    try:
        status = provider_for(AlimtalkConfig.current()).status(provider_id)
    except (TemporaryError, PermanentError):
        status = None
    if status is not None and status.state == "delivered":
        if status.via_resend:
            message.extra = {**message.extra, "alimtalk_resend": True}
            Message.objects.filter(pk=message.pk).update(extra=message.extra)
            Event.objects.create(
                complaint=message.complaint,
                action="delivery_fallback",
                note=f"{message.get_purpose_display()}: 알림톡 대신 대체문자로 전달됨",
                data={"message": message.pk, "route": ROUTE, "resend": True},
            )
        notices.mark_delivered(message)
        return "delivered_by_sms" if status.via_resend else Message.Delivery.DELIVERED
    if status is not None and status.state == "failed":
        return notices.not_delivered(
            message, ROUTE, f"알림톡이 전달되지 않았습니다: {status.detail}"
        )
    if round_ + 1 < len(POLL_DELAYS):
        delay = dt.timedelta(seconds=POLL_DELAYS[round_ + 1])
        check_alimtalk.using(run_after=timezone.now() + delay).enqueue(message_id, round_ + 1)
        return "waiting"
    Event.objects.create(
        complaint=message.complaint,
        action="delivery_unconfirmed",
        note=f"{message.get_purpose_display()}: 알림톡 업체가 전달 결과를 알려 주지 않았습니다 "
        "(보냄으로 둠, 민원인에게 확인 필요).",
        data={"message": message.pk},
    )
    return "unconfirmed"
