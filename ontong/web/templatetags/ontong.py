from django import template
from django.utils import timezone
from django.utils.html import format_html

from ontong.complaints import privacy
from ontong.complaints.deadlines import due_label
from ontong.complaints.models import CLOCK_STOPPED, Channel, State
from ontong.complaints.models import event_label as label_of
from ontong.web import poll, rows
from ontong.web.inbox import DUE_SOON

register = template.Library()


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


@register.simple_tag(takes_context=True)
def case_row(context, complaint, new=False, oob=False):
    """A case list row (web/_row.html), drawn once per process for the same values."""
    return rows.case_row(
        complaint,
        new=new,
        oob=oob,
        bulk=context.get("bulk"),
        view=context.get("case_view") or context.get("view"),
        env=row_environment(context),
    )


def row_environment(context) -> tuple:
    """Read once per drawing of a page: the same for all its rows."""
    drawing = context.render_context
    if "row_environment" not in drawing:
        drawing["row_environment"] = rows.environment()
    return drawing["row_environment"]


@register.filter
def row_class(complaint) -> str:
    return due_class(complaint)


# A row's channel label (and state_label below): get_FOO_display rebuilds a dict of the choices
# each time, a fifth of drawing a row (issue 21: a burst draws hundreds a second).
CHANNEL_LABELS = dict(Channel.choices)


@register.filter
def channel_label(value: str) -> str:
    return str(CHANNEL_LABELS.get(value, value))


@register.filter
def row_version(complaint) -> str:
    return poll.row_version(complaint)


@register.filter
def event_label(action: str) -> str:
    return label_of(action)


@register.simple_tag
def public_event(event):
    label = event.label
    if event.action == "transfer":
        return f"{label}: {event.complaint.transfer_agency}"
    return label


@register.filter
def masked(text: str, reveal: bool) -> str:
    text = privacy.without_status_tokens(text)
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
def mask_ip(ip: str, reveal: bool) -> str:
    return ip if reveal else privacy.mask_ip(ip)


@register.filter
def state_label(value: str) -> str:
    try:
        return str(State(value).label)
    except ValueError:
        return value


@register.filter
def staff_name(user) -> str:
    if not user:
        return "—"
    return user.get_full_name() or user.username
