"""The values a 알림톡 template's #{변수} can take, from the same context the citizen-facing
notice templates are rendered with (complaints/notices.py): a template approved with
#{접수번호} and #{처리결과} gets the receipt number and the answer the result notice carries, and
#{알림내용} is the notice exactly as the chat and e-mail carry it (notices/*.txt)."""

from collections.abc import Callable

from django.conf import settings

from ontong.complaints import notices
from ontong.complaints.deadlines import due_date_text
from ontong.complaints.models import Message
from ontong.complaints.templatetags.wording import shorten

from .providers import TemplateRejected

SUMMARY_CHARS = 300  # 처리결과: the answer, cut at a word past this


def _due(message: Message) -> str:
    due_at = message.complaint.due_at
    return due_date_text(due_at) if due_at else ""


VARIABLES: dict[str, Callable[[Message], str]] = {
    "기관명": lambda m: settings.CITY_NAME,
    "접수번호": lambda m: m.complaint.receipt_no,
    "민원제목": lambda m: shorten(m.complaint.title, 40),
    "알림종류": lambda m: str(m.get_purpose_display()),
    "처리결과": lambda m: shorten(m.complaint.answer or m.body, SUMMARY_CHARS),
    "처리기한": _due,
    "담당부서": lambda m: m.complaint.department.name if m.complaint.department else "",
    "담당자": lambda m: notices.officer_signature(m.complaint),
    "이송기관": lambda m: m.complaint.transfer_agency,
    "사유": lambda m: m.complaint.state_reason,
    "상태링크": lambda m: notices.status_url(m.complaint),
    "알림내용": lambda m: m.body,
}


def fill(names: list[str], message: Message) -> dict[str, str]:
    """Values for the template's variables. A name Ontong does not know is a mismatch between
    the approved template and what we can send: permanent until the template is fixed."""
    unknown = [name for name in names if name not in VARIABLES]
    if unknown:
        known = ", ".join(f"#{{{name}}}" for name in VARIABLES)
        raise TemplateRejected(
            f"템플릿 변수 불일치: 온통이 채울 수 없는 변수 {', '.join(f'#{{{n}}}' for n in unknown)} "
            f"(쓸 수 있는 변수: {known})"
        )
    return {name: VARIABLES[name](message).strip() for name in names}


def render(content: str, values: dict[str, str]) -> str:
    """The message as the citizen will read it: the approved text with the values put in."""
    text = content
    for name, value in values.items():
        text = text.replace(f"#{{{name}}}", value)
    return text
