"""The conversation itself: what the city answers to each message, on any messaging channel.

The order of questions: a pending question of ours is answered first (consent, phone, e-mail,
survey, the new case's content); then the menu (새 민원, 처리현황, 담당자 연결); then the message
joins the citizen's open case, or opens a new one.
"""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from enum import StrEnum

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from ontong.channels.email import can_email
from ontong.complaints import notices, privacy, satisfaction, wording
from ontong.complaints.channel_profiles import ChannelProfile, Option
from ontong.complaints.deadlines import due_label
from ontong.complaints.models import (
    FINAL_STATES,
    ChannelIdentity,
    Citizen,
    Complaint,
    Event,
    Message,
    Question,
    State,
)
from ontong.complaints.services import Intake, clean_text, receive_complaint
from ontong.korean import with_josa
from ontong.tasks_queue import batch_memo

from .adapter import ChannelAdapter, Inbound


class Choice(StrEnum):
    """What our menus' quick replies and buttons send back."""

    NEW = "NEW_COMPLAINT"
    STATUS = "STATUS"
    AGENT = "AGENT"
    CONSENT_SMS = "CONSENT_SMS"
    CONSENT_EMAIL = "CONSENT_EMAIL"
    CONSENT_NONE = "CONSENT_NONE"


MENU: list[Option] = [
    ("새 민원", Choice.NEW),
    ("처리현황", Choice.STATUS),
    ("담당자 연결", Choice.AGENT),
]
CONSENT_CHOICES = {Choice.CONSENT_SMS, Choice.CONSENT_EMAIL, Choice.CONSENT_NONE}
# "접수번호2026-000123" too, but not the tail of another system's number ("1AA-1908-207005",
# 국민신문고's 신청번호): that message is a complaint about it, not a look-up of ours.
RECEIPT_NO = re.compile(r"(?<![\dA-Za-z-])(\d{4}-\d{6})(?!\d)")
SKIP_WORDS = {"없음", "없어요", "아니요", "괜찮아요", "취소"}
STATUS_WORDS = {"처리현황", "처리 현황", "진행상황", "진행 상황"}
CANCEL_WORDS = {"취소", "그만", "괜찮아요"}


def consent_menu(profile: ChannelProfile) -> list[Option]:
    stay = with_josa(profile.chat_name or "이 대화", "으로")
    return [
        ("문자로 받기", Choice.CONSENT_SMS),
        ("이메일로 받기", Choice.CONSENT_EMAIL),
        (f"{stay} 충분해요", Choice.CONSENT_NONE),
    ]


def is_choice(payload: str) -> bool:
    """A payload of ours (menu, consent, survey), as opposed to a platform's own buttons."""
    return payload in set(Choice) or payload.startswith(satisfaction.SURVEY_SCORE_PREFIX)


def receive(adapter: ChannelAdapter, message: Inbound) -> None:
    """One message from a citizen; a message already stored (a platform's retry) is ignored."""
    # Answered in the city's language whatever the request that carries the message was in
    # (Kakao's skill request runs this inside a view the locale middleware has set).
    with translation.override(settings.LANGUAGE_CODE):
        receive_in_city_language(adapter, message)


def receive_in_city_language(adapter: ChannelAdapter, message: Inbound) -> None:
    if not message.sender or not message.message_id:
        return
    # A sender met just now has nothing stored yet: only a known sender's message is looked up.
    identity, new_citizen = find_identity(adapter, message.sender, message.sent_at)
    if not new_citizen and already_stored(adapter, message.message_id):
        return
    message = replace(message, text=clean_text(message.text).strip())
    if not message.payload and not adapter.profile.quick_replies:
        message = replace(message, payload=typed_choice(adapter.profile, message.text))
    if not new_citizen:  # nothing is held for, or open with, someone we have just met
        notices.release_held(identity)
    if identity.pending_question and answer_question(adapter, identity, message):
        return
    if message.payload == Choice.NEW:
        identity.ask(Question.NEW)
        if c := latest_complaint(identity):
            store_inbound(adapter, c, message)
            reply(c, wording.render("chat/ask_new", c.channel))
        return
    text = message.text
    if message.payload == Choice.STATUS or text in STATUS_WORDS or is_receipt_query(text):
        return answer_status(adapter, identity, message)
    if message.payload == Choice.AGENT:
        return connect_agent(adapter, identity, message)
    asked_new = identity.pending_question == Question.NEW
    complaint = None if asked_new or new_citizen else open_complaint(adapter, identity)
    if complaint is not None:
        stored = store_inbound(adapter, complaint, message)
        adapter.attach_images(complaint, stored, message.image_urls)
        Event.objects.create(
            complaint=complaint, action="citizen_message", note="민원인이 추가로 보냈습니다."
        )
        return
    if asked_new:
        identity.ask(Question.NONE)
    open_new_complaint(adapter, identity, message, message.image_urls)


def greet(adapter: ChannelAdapter, sender: str, when: dt.datetime) -> None:
    """The citizen started the conversation without a message (get started, an ice breaker):
    no case is opened for nothing, but what was held for them goes now."""
    if sender:
        notices.release_held(identity_for(adapter, sender, when))


def typed_choice(profile: ChannelProfile, text: str) -> str:
    """On a channel without quick replies, the words of a choice typed back count as tapping it."""
    return wording.typed_option(text, [*MENU, *consent_menu(profile), *satisfaction.SURVEY_MENU])


def is_receipt_query(text: str) -> bool:
    return bool(RECEIPT_NO.search(text)) and len(text) < 40


def reply(
    complaint: Complaint,
    text: str,
    options: Sequence[Option] | None = None,
    purpose: str = Message.Purpose.REPLY,
) -> Message:
    text, extra = wording.with_options(text, options, complaint.channel)
    return notices.queue_notice(complaint, purpose, text, extra=extra)


def identity_for(adapter: ChannelAdapter, user_id: str, when: dt.datetime) -> ChannelIdentity:
    return find_identity(adapter, user_id, when)[0]


EXPECTED = "conversation-expected-identities"
# (channel, account, sender) → their identity (None: not met yet) and whether the batch made it
Expected = dict[tuple[str, str, str], tuple[ChannelIdentity | None, bool]]


def expected_identities() -> Expected:
    """The batch's identities read or made ahead; empty outside one. A sender's first message
    takes its identity from here."""
    return batch_memo(EXPECTED, Expected)


def identities_of(channel: str, account: str, senders: Iterable[str]) -> QuerySet[ChannelIdentity]:
    return ChannelIdentity.objects.filter(
        channel=channel, account=account, external_user_id__in=list(senders)
    ).select_related("citizen")


def expect_senders(channel: str, account: str, first_sent: dict[str, dt.datetime]) -> None:
    """Inside a batch: these senders' identities read in one query and the missing ones made in
    two bulk INSERTs (issue 21), each handed to its sender's first message of the batch (sent
    at first_sent[sender]). A later message of theirs reads its identity itself. Must run in
    its own savepoint: another worker's batch making one of them too fails it, and then each
    message finds or makes its identity on its own."""
    met = {
        identity.external_user_id: identity
        for identity in identities_of(channel, account, first_sent)
    }
    new = [sender for sender in first_sent if sender not in met]
    made = make_identities(channel, account, {s: first_sent[s] for s in new})
    expected = expected_identities()
    for sender in first_sent:
        expected[(channel, account, sender)] = (met.get(sender) or made.get(sender), sender in made)


def make_identities(
    channel: str, account: str, first_sent: dict[str, dt.datetime]
) -> dict[str, ChannelIdentity]:
    if not first_sent or not connection.features.can_return_rows_from_bulk_insert:
        return {}
    citizens = Citizen.objects.bulk_create([Citizen() for _ in first_sent])
    identities = ChannelIdentity.objects.bulk_create(
        ChannelIdentity(
            citizen=citizen,
            channel=channel,
            account=account,
            external_user_id=sender,
            last_inbound_at=when,
        )
        for citizen, (sender, when) in zip(citizens, first_sent.items(), strict=True)
    )
    return {identity.external_user_id: identity for identity in identities}


def find_identity(
    adapter: ChannelAdapter, user_id: str, when: dt.datetime
) -> tuple[ChannelIdentity, bool]:
    """The sender's identity, and whether it was made now (then no case, message or question
    of theirs exists yet, and nothing needs looking up)."""
    expected = expected_identities()
    key = (adapter.channel, adapter.account, user_id)
    if key in expected:  # read or made with the batch's other senders (expect_senders)
        identity, made = expected.pop(key)
        if identity is not None and made:
            return identity, True
    else:
        identity = identities_of(adapter.channel, adapter.account, [user_id]).first()
    if identity is None:
        try:
            with transaction.atomic():
                identity = ChannelIdentity.objects.create(
                    citizen=Citizen.objects.create(),
                    channel=adapter.channel,
                    account=adapter.account,
                    external_user_id=user_id,
                    last_inbound_at=when,
                )
            return identity, True
        except IntegrityError:
            # Their previous message, in another worker's batch, made it since we looked: the
            # unique constraint waited for that batch to commit, and it is there now.
            identity = identities_of(adapter.channel, adapter.account, [user_id]).get()
    if not identity.last_inbound_at or when > identity.last_inbound_at:
        identity.last_inbound_at = when
        identity.save(update_fields=["last_inbound_at"])
    return identity, False


def already_stored(adapter: ChannelAdapter, message_id: str) -> bool:
    return Message.objects.filter(
        channel=adapter.channel, account=adapter.account, external_id=message_id
    ).exists()


def open_complaint(adapter: ChannelAdapter, identity: ChannelIdentity) -> Complaint | None:
    since = timezone.now() - dt.timedelta(hours=adapter.follow_up_hours)
    return (
        Complaint.objects.filter(identity=identity, received_at__gte=since)
        .exclude(state__in=FINAL_STATES | {State.NOTIFIED})
        .order_by("-received_at")
        .first()
    )


def latest_complaint(identity: ChannelIdentity) -> Complaint | None:
    return Complaint.objects.filter(citizen=identity.citizen).order_by("-received_at").first()


def store_inbound(
    adapter: ChannelAdapter, complaint: Complaint, message: Inbound, body: str | None = None
) -> Message:
    """The citizen's message on the case it belongs to (its body unless told otherwise)."""
    kept, _removed = privacy.remove_rrns(message.body if body is None else body)
    return Message.objects.create(
        complaint=complaint,
        direction=Message.Direction.IN,
        channel=adapter.channel,
        account=adapter.account,
        external_id=message.message_id,
        body=kept,
        sent_at=message.sent_at,
    )


def open_new_complaint(
    adapter: ChannelAdapter,
    identity: ChannelIdentity,
    message: Inbound,
    images: Sequence[str] = (),
) -> Complaint:
    complaint = receive_complaint(
        Intake(
            channel=adapter.channel,
            account=adapter.account,
            external_user_id=identity.external_user_id,
            external_message_id=message.message_id,
            body=message.body,
            sent_at=message.sent_at,
            acknowledge=False,
            identity=identity,
        ),
        savepoint=False,  # the caller's is the unit: a webhook event's, a Kakao request's
    )
    reply(complaint, notices.acknowledgement_text(complaint), MENU, purpose=Message.Purpose.ACK)
    if images:  # after the receipt: a photo refused at once is told after it
        received = complaint.messages.get(direction=Message.Direction.IN)
        adapter.attach_images(complaint, received, images)
    if adapter.needs_contact(complaint) and not has_contact(identity.citizen):
        reply(
            complaint,
            wording.render("chat/consent", complaint.channel, window_hours=window_hours(adapter)),
            consent_menu(adapter.profile),
        )
        identity.ask(Question.CONSENT)
    return complaint


def has_contact(citizen: Citizen) -> bool:
    return can_email(citizen) or bool(citizen.phone and citizen.contact_consent_at)


def window_hours(adapter: ChannelAdapter) -> int:
    window = adapter.profile.reply_window
    return int(window.total_seconds() // 3600) if window else 0


def answer_question(adapter: ChannelAdapter, identity: ChannelIdentity, message: Inbound) -> bool:
    """Answers to our own questions (consent, phone, e-mail, survey); False if it is not one."""
    question = identity.pending_question
    if question in {Question.SURVEY, Question.SURVEY_COMMENT}:
        return answer_survey(adapter, identity, message)
    complaint = latest_complaint(identity)
    if question == Question.NEW or complaint is None:
        return False
    if question == Question.CONSENT and message.payload in CONSENT_CHOICES:
        return answer_consent(adapter, identity, complaint, message)
    if question in {Question.PHONE, Question.EMAIL} and not message.payload:
        return answer_contact(adapter, identity, complaint, message)
    identity.ask(Question.NONE)
    return False


def answer_consent(
    adapter: ChannelAdapter, identity: ChannelIdentity, complaint: Complaint, message: Inbound
) -> bool:
    store_inbound(adapter, complaint, message, message.text)
    asked = {Choice.CONSENT_SMS: Question.PHONE, Choice.CONSENT_EMAIL: Question.EMAIL}.get(
        Choice(message.payload), Question.NONE
    )
    identity.ask(asked)
    template = {Question.PHONE: "chat/ask_phone", Question.EMAIL: "chat/ask_email"}.get(
        asked, "chat/consent_declined"
    )
    reply(
        complaint, wording.render(template, complaint.channel, window_hours=window_hours(adapter))
    )
    return True


def answer_contact(
    adapter: ChannelAdapter, identity: ChannelIdentity, complaint: Complaint, message: Inbound
) -> bool:
    text, question = message.text, identity.pending_question
    store_inbound(adapter, complaint, message, text)
    if text in CANCEL_WORDS:
        identity.ask(Question.NONE)
        reply(complaint, wording.render("chat/contact_cancelled", complaint.channel))
        return True
    pattern = privacy.MOBILE if question == Question.PHONE else privacy.EMAIL
    if not pattern.fullmatch(text):
        reply(complaint, wording.render("chat/contact_invalid", complaint.channel))
        return True
    citizen = identity.citizen
    setattr(citizen, question, text)  # Question.PHONE / EMAIL are the field names
    citizen.contact_consent_at = timezone.now()
    citizen.save()
    identity.ask(Question.NONE)
    what = "휴대전화" if question == Question.PHONE else "이메일"
    Event.objects.create(
        complaint=complaint,
        action="contact_consent",
        note=f"민원인이 결과 안내용 {with_josa(what, '을')} 동의하고 알려 줌",
    )
    reply(complaint, wording.render("chat/contact_saved", complaint.channel))
    return True


def answer_survey(adapter: ChannelAdapter, identity: ChannelIdentity, message: Inbound) -> bool:
    """A score (quick reply or typed 1–5), "아직 해결 안 됨", or the optional comment after it."""
    question, text = identity.pending_question, message.text
    complaint = identity.pending_complaint
    if complaint is not None and complaint.identity_id != identity.pk:
        complaint = None
    answer = satisfaction.parse_score(text, message.payload)
    if complaint is None or (question == Question.SURVEY and answer is None):
        identity.ask(Question.NONE)
        return False
    store_inbound(adapter, complaint, message, text or message.payload)
    if question == Question.SURVEY and answer is not None:
        score, unresolved = answer
        try:
            satisfaction.record_answer(
                complaint, adapter.channel, score=score, unresolved=unresolved
            )
        except ValueError:
            identity.ask(Question.NONE)
            return True
        identity.ask(Question.SURVEY_COMMENT, complaint)
        template = "chat/survey_unresolved" if unresolved else "chat/survey_thanks"
        reply(complaint, wording.render(template, complaint.channel))
        return True
    identity.ask(Question.NONE)
    if text and text not in SKIP_WORDS:
        satisfaction.add_comment(complaint, text)
        reply(complaint, wording.render("chat/survey_comment_thanks", complaint.channel))
    return True


def answer_status(adapter: ChannelAdapter, identity: ChannelIdentity, message: Inbound) -> None:
    """The status of the citizen's case: the one whose receipt number they sent, else their
    latest. A number that is not theirs opens no case and reveals nothing of whose it is: they
    are told how to look it up on the web."""
    match = RECEIPT_NO.search(message.text)
    own = Complaint.objects.filter(citizen=identity.citizen)
    complaint = (
        own.filter(receipt_no=match.group(1)).first()
        if match
        else own.order_by("-received_at").first()
    )
    if complaint is not None:
        store_inbound(adapter, complaint, message)
        reply(complaint, status_text(complaint), MENU)
        return
    if match is None:
        return  # nothing to report and nothing to open a case with
    not_found = wording.render(
        "chat/status_not_found", adapter.channel, lookup_url=notices.lookup_url()
    )
    latest = latest_complaint(identity)
    if latest is None:
        adapter.answer_without_case(not_found)
        return
    store_inbound(adapter, latest, message)
    reply(latest, not_found, MENU)


def status_text(complaint: Complaint) -> str:
    answered = complaint.state in {State.NOTIFIED, State.CLOSED}
    return wording.render(
        "chat/status",
        complaint.channel,
        receipt_no=complaint.receipt_no,
        state=wording.state_words(complaint),
        department=complaint.department.name if complaint.department else "",
        due=due_label(complaint.due_at, timezone.now())
        if complaint.due_at and complaint.is_open
        else "",
        answer=complaint.answer if answered else "",
    )


def connect_agent(adapter: ChannelAdapter, identity: ChannelIdentity, message: Inbound) -> None:
    complaint = latest_complaint(identity)
    if complaint is None:
        open_new_complaint(adapter, identity, message)
        return
    store_inbound(adapter, complaint, message)
    Event.objects.create(
        complaint=complaint, action="agent_requested", note="민원인이 담당자 연결을 요청했습니다."
    )
    reply(complaint, wording.render("chat/agent", complaint.channel))
