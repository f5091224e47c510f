import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ontong.complaints import privacy
from ontong.complaints.deadlines import due_label
from ontong.complaints.models import CLOCK_STOPPED, State

register = template.Library()

EVENT_LABELS = {
    "received": _("접수"),
    "assign": _("부서 배정"),
    "reassign": _("재배정"),
    "start": _("처리 시작"),
    "record_action": _("조치 기록"),
    "request_info": _("보완 요청"),
    "resume": _("보완 완료"),
    "submit": _("결과 작성·결재 요청"),
    "return_draft": _("결재 반려"),
    "approve": _("결재"),
    "notify": _("결과 통보"),
    "close": _("종결"),
    "mark_duplicate": _("중복 처리"),
    "transfer": _("이송"),
    "reject": _("반려"),
    "withdraw": _("취하"),
    "reply": _("답장"),
    "set_kind": _("민원 종류 변경"),
    "rrn_removed": _("주민등록번호 삭제"),
    "delivery_failed": _("발송 실패"),
    "citizen_message": _("민원인 메시지"),
    "personal_data_viewed": _("개인정보 열람"),
    "resend": _("재발송"),
    "relate": _("관련 민원 연결"),
    "extend": _("처리기간 연장"),
    "reopen": _("다시 처리"),
    "close_repeated": _("반복 민원 종결"),
    "mark_multi_party": _("다수인관련민원 지정"),
    "satisfaction": _("만족도 응답"),
}
DUE_SOON = dt.timedelta(hours=24)


def due_class(complaint, now=None) -> str:
    if not complaint.due_at or complaint.state in CLOCK_STOPPED:
        return ""
    now = now or timezone.now()
    if complaint.due_at < now:
        return "overdue"
    return "due-soon" if complaint.due_at - now < DUE_SOON else ""


@register.simple_tag
def due(complaint):
    if not complaint.due_at:
        return ""
    if complaint.state in CLOCK_STOPPED:
        return format_html(
            '<span class="due">{}</span>',
            timezone.localtime(complaint.due_at).strftime("%Y-%m-%d %H:%M"),
        )
    return format_html(
        '<span class="due {}">{}</span>',
        due_class(complaint),
        due_label(complaint.due_at, timezone.now()),
    )


@register.simple_tag
def clock(moment):
    """A target time as a due label: 'D-day, 11월 26일(목) 15:00까지' or '기한 경과 …'."""
    if not moment:
        return ""
    late = moment < timezone.now()
    return format_html(
        '<span class="due {}">{}</span>',
        "overdue" if late else "due-soon",
        due_label(moment, timezone.now()),
    )


@register.filter
def row_class(complaint) -> str:
    return due_class(complaint)


@register.filter
def event_label(action: str) -> str:
    return EVENT_LABELS.get(action, action)


@register.simple_tag
def public_event(event):
    label = EVENT_LABELS.get(event.action, event.action)
    if event.action == "transfer":
        return f"{label}: {event.complaint.transfer_agency}"
    return label


@register.filter
def masked(text: str, reveal: bool) -> str:
    return text if reveal else privacy.mask_text(text)


@register.filter
def mask_name(name: str, reveal: bool) -> str:
    return name if reveal else privacy.mask_name(name)


@register.filter
def mask_phone(phone: str, reveal: bool) -> str:
    return phone if reveal else privacy.mask_phone(phone)


@register.filter
def mask_email(email: str, reveal: bool) -> str:
    return email if reveal else privacy.mask_email(email)


@register.filter
def state_label(value: str) -> str:
    try:
        return State(value).label
    except ValueError:
        return value


@register.filter
def staff_name(user) -> str:
    if not user:
        return "—"
    return user.get_full_name() or user.username
