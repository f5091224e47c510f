"""Receiving complaints: citizen identity, receipt number, due time, search index, acknowledgement."""

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ontong.images import CleanImage
from ontong.korean import with_josa
from ontong.org.models import Area, Department, User
from ontong.tasks_queue import batch_memo

from . import changes as inbox_changes
from . import deadlines, hooks, privacy, search
from .models import (
    FINAL_STATES,
    SNS_CHANNELS,
    Attachment,
    Channel,
    ChannelIdentity,
    Citizen,
    CityHoliday,
    Complaint,
    DueFact,
    Event,
    FirstAnswerTarget,
    Kind,
    KindPeriod,
    Message,
    ReceiptSequence,
    State,
)
from .notices import acknowledgement_text, queue_notice

TITLE_LENGTH = 40


RECEIPT_SEQUENCE = "complaints_receipt_no_seq"  # made by migration 0018 on PostgreSQL


def next_receipt_no(year: int) -> str:
    """Allocate `YYYY-NNNNNN`, distinct under concurrency (the unique constraint is the backstop)."""
    if connection.vendor == "postgresql":
        return f"{year}-{next_from_sequence(year):06d}"
    return f"{year}-{next_from_counter(year):06d}"


def next_from_counter(year: int) -> int:
    """One UPDATE … RETURNING on the year's row (made the first time): SQLite runs one writer at
    a time, so the row is never a queue of its own."""
    table = connection.ops.quote_name(ReceiptSequence._meta.db_table)
    last, year_ = connection.ops.quote_name("last"), connection.ops.quote_name("year")
    # Identifiers from the model, quoted; the value is a parameter.
    sql = f"UPDATE {table} SET {last} = {last} + 1 WHERE {year_} = %s RETURNING {last}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
    if row is None:  # the year's first number
        with transaction.atomic():
            ReceiptSequence.objects.get_or_create(year=year)
            with connection.cursor() as cursor:
                cursor.execute(sql, [year])
                row = cursor.fetchone()
    return int(row[0])


def next_from_sequence(year: int) -> int:
    """PostgreSQL: the year's row is only read, so two workers' batches never wait on each other
    for a number (a counter row stayed locked until the whole batch committed, which made the
    workers take turns). A number taken by a transaction that then rolls back is not reused."""
    table = connection.ops.quote_name(ReceiptSequence._meta.db_table)
    sql = (
        f"SELECT nextval('{RECEIPT_SEQUENCE}') - sequence_base FROM {table} "  # noqa: S608
        "WHERE year = %s AND sequence_base IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        row = cursor.fetchone()
    return int(row[0]) if row is not None else start_sequence_year(year)


def start_sequence_year(year: int) -> int:
    """The year's first number on PostgreSQL: numbering goes on from the row's `last` (numbers
    given before the sequence, or 0). The row lock makes one transaction set the base; any other
    waits for it and then reads the base it set."""
    with transaction.atomic():
        ReceiptSequence.objects.get_or_create(year=year)
        row = ReceiptSequence.objects.select_for_update().get(year=year)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval('{RECEIPT_SEQUENCE}')")
            value = cursor.fetchone()[0]
        if row.sequence_base is None:
            row.sequence_base = value - row.last - 1
            row.save(update_fields=["sequence_base"])
        return int(value - row.sequence_base)


def city_periods() -> dict[str, tuple[str, int]]:
    """Each kind's period: the city's own table (민원총괄 edits it) over the defaults."""
    return batch_memo(
        "periods",
        lambda: {
            **deadlines.PERIODS,
            **{p.kind: (p.unit, p.amount) for p in KindPeriod.objects.all()},
        },
    )


def compute_due(kind: str, received_at: datetime) -> datetime:
    """The due time of a case received at `received_at`, with nothing since."""
    return deadlines.due_at(kind, received_at, extra=city_holidays(), periods=city_periods())


def due_facts(complaint: Complaint, periods: dict[str, tuple[str, int]]) -> deadlines.DueFacts:
    """The stored facts of a case (prefetch `due_facts` when reading many)."""
    facts = sorted(complaint.due_facts.all(), key=lambda f: (f.start, f.pk))
    restarts = [f.start for f in facts if f.kind == DueFact.Kind.RESTART]
    start = restarts[-1] if restarts else complaint.received_at
    since = [f for f in facts if f.start >= start and f.kind != DueFact.Kind.RESTART]
    return deadlines.DueFacts(
        start=start,
        period=periods.get(complaint.kind, periods["기타"]),
        pauses=tuple(
            deadlines.Pause(f.start, f.end) for f in since if f.kind == DueFact.Kind.PAUSE
        ),
        extensions=tuple(
            deadlines.Extension(f.start, f.until)
            for f in since
            if f.kind == DueFact.Kind.EXTENSION and f.until is not None
        ),
    )


def refresh_due(complaint: Complaint) -> None:
    """Set the due time from the case's facts: the one way a due time changes after receipt."""
    complaint.due_at = deadlines.compute_due(due_facts(complaint, city_periods()), city_holidays())


# [영] 제13조 (docs/deadlines.md): 민원실 → 주무부서 1근무시간; a department that is not the
# right one sends it on within 3 근무시간; another agency's matter is transferred within 8.
ASSIGN_HOURS, REROUTE_HOURS, TRANSFER_HOURS = 1, 3, 8


def city_holidays() -> frozenset[date]:
    return batch_memo(
        "holidays", lambda: frozenset(CityHoliday.objects.values_list("date", flat=True))
    )


def routing_due(start: datetime, hours: int) -> datetime:
    return deadlines.add_working_hours(start, hours, city_holidays())


def first_answer_due(channel: str, received_at: datetime) -> datetime | None:
    """SNS 소통민원: the city's own first-answer target, or None for other channels."""
    if channel not in SNS_CHANNELS:
        return None
    target = batch_memo("first_answer_target", FirstAnswerTarget.objects.first)
    if target is not None and not target.is_active:
        return None
    return routing_due(received_at, target.working_hours if target else 8)


def recompute_open_due_times() -> int:
    """After the calendar or a period changed: every open case gets its due time again from its
    facts, so a 보완 pause and an extension the citizen was told about stay in it."""
    periods, calendar = city_periods(), city_holidays()
    running = Complaint.objects.exclude(state__in=[*FINAL_STATES, State.NOTIFIED])
    changes = []
    for complaint in (
        running.only("pk", "kind", "received_at", "due_at", "department_id", "assignee_id")
        .prefetch_related("due_facts")
        .iterator(chunk_size=2000)
    ):
        due = deadlines.compute_due(due_facts(complaint, periods), calendar)
        if due != complaint.due_at:
            changes.append((complaint.pk, complaint.due_at, due, complaint))
    changed = 0
    for first in range(0, len(changes), 500):
        with transaction.atomic():
            for pk, before, due, complaint in changes[first : first + 500]:
                # A case an officer changed meanwhile got its due from its facts then.
                if Complaint.objects.filter(pk=pk, due_at=before).update(due_at=due):
                    changed += 1
                    inbox_changes.case_changed(complaint)  # 기한 임박 counts: no save here
    return changed


# C0 controls but tab and newline, DEL, C1 controls, and lone surrogates (from JSON "\ud800"):
# PostgreSQL cannot store NUL, spreadsheets refuse the rest, and no citizen means to send them.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Citizen text as we keep it, from every channel: line ends as newlines, no control
    characters (tab and newline stay)."""
    return CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def default_title(body: str) -> str:
    """The body's beginning, without contact details: cut mid-way, a phone number or an e-mail
    address would no longer be recognised, so masked and searched as words."""
    line = search.normalise(privacy.without_personal_data(body))
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


def reindex(complaint: Complaint) -> None:
    complaint.search_text = search.index_text(
        complaint.title, complaint.body, complaint.address, complaint.answer
    )


@dataclass
class Intake:
    channel: str
    body: str
    account: str = "web"
    external_user_id: str = ""
    external_message_id: str | None = None
    title: str = ""
    kind: str = Kind.OTHER
    area: Area | None = None
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    name: str = ""
    phone: str = ""
    email: str = ""
    contact_consent: bool = False
    files: list[CleanImage] = field(default_factory=list)
    ip: str | None = None
    received_at: datetime | None = None  # when the city received it: the legal clock starts here
    sent_at: datetime | None = None  # when the citizen sent it (a channel's event time), if known
    acknowledge: bool = True  # channels with their own acknowledgement (comments, bots) say False
    identity: ChannelIdentity | None = None  # the sender's, when the channel has just read it


def find_or_create_identity(intake: Intake) -> ChannelIdentity:
    if intake.identity is not None:
        return intake.identity
    external_user_id = intake.external_user_id or f"anon-{secrets.token_hex(8)}"
    identity = (
        ChannelIdentity.objects.filter(
            channel=intake.channel, account=intake.account, external_user_id=external_user_id
        )
        .select_related("citizen")
        .first()
    )
    if identity:
        return identity
    citizen = Citizen.objects.create()
    return ChannelIdentity.objects.create(
        citizen=citizen,
        channel=intake.channel,
        account=intake.account,
        external_user_id=external_user_id,
    )


def record_contact(citizen: Citizen, intake: Intake) -> None:
    """Contact details are kept only with explicit consent (개인정보 보호법 제15조)."""
    if not intake.contact_consent:
        return
    citizen.name = clean_text(intake.name) or citizen.name
    citizen.phone = intake.phone or citizen.phone
    citizen.email = intake.email or citizen.email
    citizen.contact_consent_at = timezone.now()
    citizen.save()


def receive_complaint(intake: Intake, savepoint: bool = True) -> Complaint:
    """The complaint received whole or not at all. savepoint=False for a caller whose own
    savepoint is the unit, as each webhook event's is on the workers (two statements a message
    fewer, issue 21): then a failure here fails the caller's block."""
    with transaction.atomic(savepoint=savepoint):
        return store_complaint(intake)


def store_complaint(intake: Intake) -> Complaint:
    received_at = intake.received_at or timezone.now()
    body, removed_body = privacy.remove_rrns(clean_text(intake.body))
    title, removed_title = privacy.remove_rrns(clean_text(intake.title) or default_title(body))
    address, removed_address = privacy.remove_rrns(clean_text(intake.address))
    identity = find_or_create_identity(intake)
    record_contact(identity.citizen, intake)
    complaint = Complaint(
        receipt_no=next_receipt_no(timezone.localtime(received_at).year),
        kind=intake.kind or Kind.OTHER,
        title=title[:200],
        body=body,
        channel=intake.channel,
        citizen=identity.citizen,
        identity=identity,
        area=intake.area,
        address=address[:300],
        latitude=intake.latitude,
        longitude=intake.longitude,
        received_at=received_at,
        due_at=compute_due(intake.kind or Kind.OTHER, received_at),
        first_answer_due_at=first_answer_due(intake.channel, received_at),
        routing_due_at=routing_due(received_at, ASSIGN_HOURS),
        status_token=secrets.token_urlsafe(24),
    )
    reindex(complaint)
    complaint.save()
    message = Message.objects.create(
        complaint=complaint,
        direction=Message.Direction.IN,
        channel=intake.channel,
        account=intake.account,
        external_id=intake.external_message_id,
        sent_at=intake.sent_at or received_at,
        body=body,
    )
    for upload in intake.files:
        Attachment.objects.create(
            complaint=complaint,
            message=message,
            file=upload,
            original_name=upload.original_name[:200],
            content_type=upload.content_type,
            size=upload.size,
        )
    Event.objects.create(
        complaint=complaint,
        action="received",
        to_state=complaint.state,
        ip=intake.ip,
        note=f"{with_josa(Channel(intake.channel).label, '으로')} 접수",
    )
    removed = removed_body + removed_title + removed_address
    if removed:
        Event.objects.create(
            complaint=complaint,
            action="rrn_removed",
            ip=intake.ip,
            note=f"주민등록번호 {removed}건을 저장하지 않고 삭제했습니다.",
        )
    hooks.complaint_received(complaint)
    if intake.acknowledge:
        queue_notice(complaint, Message.Purpose.ACK, acknowledgement_text(complaint))
    return complaint


def status_token_matches(complaint: Complaint, token: str) -> bool:
    return bool(complaint.status_token) and secrets.compare_digest(
        complaint.status_token.encode(), (token or "").encode()
    )


RECENT_LOOKBACK = 50  # events read to find the few departments last chosen


def recent_departments(user: User, limit: int = 5) -> list[Department]:
    """The departments this person assigned or reassigned complaints to, most recent first; a
    department since reorganised counts as the one that replaced it, closed ones are left out."""
    picked = (
        Event.objects.filter(actor=user, action__in=("assign", "reassign"))
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)[:RECENT_LOOKBACK]
    )
    ids = [int(data["department"]) for data in picked if str(data.get("department", "")).isdigit()]
    known = Department.objects.select_related("replaced_by").in_bulk(set(ids))
    found: list[Department] = []
    for pk in ids:
        dept = known[pk].current() if pk in known else None
        if dept is not None and dept.is_active and dept not in found:
            found.append(dept)
    return found[:limit]
