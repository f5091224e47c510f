"""What citizens read, from the templates in notices/ (a city overrides any of them by putting
its own copy in ONTONG_TEMPLATE_DIR/notices/, docs/channels/README.md).

Templates are plain text rendered by the "notices" template engine (no HTML escaping; the
`josa` and `fit` filters are built in). Each line of a template is a line of the message, so a
conditional line is opened at the end of the line before it: `…{% if due %}↵예상 처리기한: …{% endif %}`.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.template import engines
from django.utils.translation import gettext_lazy as _

from .channel_profiles import Option, profile_for
from .models import Complaint, State

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # the stubs' lazy string

# A case's state in the citizen's plain words (the status page, the chat's 처리현황): internal
# steps (결재 대기, 결재) are not named.
STATE_WORDS: dict[str, "str | _StrPromise"] = {
    State.RECEIVED: _("접수됨"),
    State.ASSIGNED: _("담당 부서 배정"),
    State.IN_PROGRESS: _("처리 중"),
    State.DRAFTED: _("답변 검토 중"),
    State.APPROVED: _("처리 중"),
    State.NEEDS_INFO: _("추가 자료를 기다리는 중"),
    State.NOTIFIED: _("답변 완료"),
    State.CLOSED: _("답변 완료"),
    State.TRANSFERRED: _("다른 기관으로 이송"),
    State.REJECTED: _("처리할 수 없음"),
    State.WITHDRAWN: _("취하됨"),
}


def state_words(complaint: Complaint) -> str:
    return str(STATE_WORDS.get(complaint.state, complaint.get_state_display()))


def render(name: str, channel: str = "", **context: object) -> str:
    """notices/<name>.txt for a message on `channel` (its profile is `channel` in the template)."""
    template = engines["notices"].get_template(f"notices/{name}.txt")
    values = {"city_name": settings.CITY_NAME, "channel": profile_for(channel), **context}
    return template.render(values).strip()


def with_options(
    text: str, options: Sequence[Option] | None, channel: str
) -> tuple[str, dict[str, object] | None]:
    """The message and its `extra`: the choices as quick replies where the channel shows them,
    otherwise as a line of words the citizen can type back (read by `typed_option`)."""
    if not options:
        return text, None
    if profile_for(channel).quick_replies:
        return text, {"quick_replies": list(options)}
    line = render("options", channel, titles=[title for title, _payload in options])
    return f"{text}\n\n{line}", None


def typed_option(text: str, options: Sequence[Option]) -> str:
    """The payload of the choice whose words the citizen typed ("새 민원", "4 만족"), or ""."""
    typed = "".join(text.split())
    for title, payload in options:
        if typed and typed == "".join(title.split()):
            return payload
    return ""
