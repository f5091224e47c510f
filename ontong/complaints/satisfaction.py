"""Satisfaction survey after the result notice: 1–5 and an optional comment, asked on the
citizen's own channel (in the chat where the channel converses — quick replies on Messenger and
Instagram —, a link to the status page elsewhere). "아직 해결되지 않았어요" flags the case and tells its department; a person decides
whether to reopen it."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import privacy, wording
from .channel_profiles import profile_for
from .models import Channel, Complaint, Event, Message, Question, Satisfaction, State
from .notices import notice_text, queue_notice, status_url
from .reminders import notify_staff, recipients

SURVEY_SCORE_PREFIX = "SURVEY_"
SURVEY_UNRESOLVED = "SURVEY_UNRESOLVED"
SURVEY_MENU = [
    ("5 매우 만족", "SURVEY_5"),
    ("4 만족", "SURVEY_4"),
    ("3 보통", "SURVEY_3"),
    ("2 불만족", "SURVEY_2"),
    ("1 매우 불만족", "SURVEY_1"),
    ("아직 해결 안 됨", SURVEY_UNRESOLVED),
]
# After the result notice, so that the question does not overtake the answer it asks about.
SURVEY_DELAY = dt.timedelta(seconds=30)


def survey_text(complaint: Complaint) -> str:
    asks_in_chat = profile_for(complaint.channel).converses
    return notice_text(
        "survey", complaint, status_url="" if asks_in_chat else status_url(complaint)
    )


def can_ask_on_channel(complaint: Complaint) -> bool:
    """A conversing channel (Messenger, Instagram) asks in the chat; a web case is asked by
    e-mail or SMS only with the citizen's consent (otherwise the status page shows the question,
    and nobody is asked to phone a citizen about a survey)."""
    if profile_for(complaint.channel).converses:
        return complaint.identity_id is not None
    citizen = complaint.citizen
    return bool(
        complaint.channel == Channel.WEB
        and citizen
        and citizen.contact_consent_at
        and (citizen.email or citizen.phone)
    )


def queue_survey(complaint: Complaint) -> Message | None:
    """Call in the transaction that notifies the result."""
    if not can_ask_on_channel(complaint) or hasattr(complaint, "satisfaction"):
        return None
    asks_in_chat = profile_for(complaint.channel).converses
    text, extra = wording.with_options(
        survey_text(complaint), SURVEY_MENU if asks_in_chat else None, complaint.channel
    )
    message = queue_notice(
        complaint,
        Message.Purpose.SURVEY,
        text,
        extra=extra,
        send_at=timezone.now() + SURVEY_DELAY,
    )
    if complaint.identity and asks_in_chat:
        complaint.identity.ask(Question.SURVEY, complaint)
    return message


def parse_score(text: str, payload: str) -> tuple[int | None, bool] | None:
    """(score, unresolved) from a quick reply or a typed answer, or None if it is not one."""
    if payload == SURVEY_UNRESOLVED:
        return None, True
    if payload.startswith(SURVEY_SCORE_PREFIX) and payload[-1:] in "12345":
        return int(payload[-1]), False
    typed = text.strip().rstrip("점").strip()
    if typed in {"1", "2", "3", "4", "5"}:
        return int(typed), False
    if typed.replace(" ", "") in {"해결안됨", "아직해결안됨", "해결되지않았어요", "미해결"}:
        return None, True
    return None


@transaction.atomic
def record_answer(
    complaint: Complaint,
    channel: str,
    score: int | None = None,
    unresolved: bool = False,
    comment: str = "",
    ip: str | None = None,
) -> Satisfaction:
    """Keep the answer with the case; an "unresolved" answer flags it for its department."""
    if score is not None and not 1 <= score <= 5:
        raise ValueError("만족도는 1에서 5 사이입니다.")
    if complaint.state not in {State.NOTIFIED, State.CLOSED}:
        raise ValueError("처리 결과를 통보한 민원에만 만족도를 남길 수 있습니다.")
    answer, _created = Satisfaction.objects.update_or_create(
        complaint=complaint,
        defaults={
            "score": score,
            "unresolved": unresolved,
            "comment": comment[:2000],
            "channel": channel,
            "answered_at": timezone.now(),
        },
    )
    note = f"만족도 {score}점" if score else "만족도 응답"
    if unresolved:
        note = "민원인이 '아직 해결되지 않았다'고 응답"
    Event.objects.create(
        complaint=complaint,
        action="satisfaction",
        ip=ip,
        note=note + (f": {comment[:200]}" if comment else ""),
    )
    if unresolved:
        flag_unresolved(complaint)
    return answer


def add_comment(complaint: Complaint, comment: str) -> None:
    Satisfaction.objects.filter(complaint=complaint).update(comment=comment[:2000])
    Event.objects.create(complaint=complaint, action="satisfaction", note=f"의견: {comment[:200]}")


def flag_unresolved(complaint: Complaint) -> None:
    notify_staff(
        recipients(complaint, "unresolved"),
        f"[미해결 응답] 민원 {complaint.receipt_no}: 민원인이 아직 해결되지 않았다고 답했습니다",
        f"{privacy.mask_text(complaint.title)}\n다시 처리할지 판단해 주세요 (민원 화면의 '다시 처리').\n"
        f"{settings.SITE_URL}/complaints/{complaint.receipt_no}/",
        kind="unresolved",
        complaint=complaint,
    )
