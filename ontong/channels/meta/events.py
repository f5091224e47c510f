"""Turning stored webhook bodies into messages, complaints and status changes.

Every entry[] and every messaging[], standby[] and changes[] item is looked at; old and new
formats both (numeric or string ids, events without timestamp or sender, legacy sender_id).
Unknown kinds stay in the stored body and are ignored, never a crash.
"""

import datetime as dt
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ontong.channels.conversation import engine
from ontong.complaints import notices
from ontong.complaints.models import Message
from ontong.tasks_queue import batch, batch_memo, raise_priority, ready_count, waiting_ids

from . import comments, conversation
from .models import MetaAccount, WebhookDelivery
from .tasks import process_webhook, process_webhooks

log = logging.getLogger(__name__)


# A delivery whose processing dies this many times (the worker killed, or an error outside the
# per-event guard) is marked failed for a person to look at, not queued again forever.
MAX_ATTEMPTS = 5


def process_delivery(delivery_id: int) -> str:
    """One stored webhook (a task queued before batches, or the admin's reprocessing)."""
    return process_deliveries([delivery_id]).get(delivery_id, "missing")


def process_batch() -> int:
    """Stored webhooks a task processes together in one transaction (issue 21): one task, one
    read of the bodies, one write of their states, and each account and the city's calendar
    read once. ONTONG_WEBHOOK_BATCH: smaller on SQLite, whose one writer lock the batch holds."""
    return settings.ONTONG_WEBHOOK_BATCH


def process_deliveries(delivery_ids: Sequence[int]) -> dict[int, str]:
    """Stored webhooks, in one transaction; each event in its own savepoint, so one bad event
    loses nothing else. A worker killed mid-batch leaves all of them pending for the sweep."""
    outcome: dict[int, str] = {}
    with transaction.atomic(), batch():
        deliveries = WebhookDelivery.objects.filter(pk__in=list(delivery_ids)).only(
            "pk", "body", "state"
        )
        done: list[int] = []
        pending = []
        for delivery in sorted(deliveries, key=lambda d: d.pk):
            if delivery.state != WebhookDelivery.State.PENDING:
                outcome[delivery.pk] = f"already {delivery.state}"
            else:
                pending.append((delivery.pk, parse_body(bytes(delivery.body))))
        expect_senders([payload for _pk, payload in pending])
        for delivery_pk, payload in pending:
            errors, skipped = handle_payload(delivery_pk, payload)
            if errors or skipped:
                outcome[delivery_pk] = finish(delivery_pk, errors, skipped)
            else:
                done.append(delivery_pk)
                outcome[delivery_pk] = "processed"
        if done:  # a run is counted when it finishes (or by sweep_webhooks when it never does)
            WebhookDelivery.objects.filter(pk__in=done).update(
                state=WebhookDelivery.State.PROCESSED,
                error="",
                processed_at=timezone.now(),
                attempts=F("attempts") + 1,
            )
    return outcome


MALFORMED = object()


def parse_body(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return MALFORMED


def expect_senders(payloads: list[object]) -> None:
    """The batch's citizens' identities read, and the new ones made, at once per page or
    account (issue 21), each with the time of its sender's first message in the batch."""
    senders: dict[tuple[str, str], dict[str, dt.datetime]] = {}
    for payload in payloads:
        for kind, obj, entry_id, event in iter_items(payload if payload is not MALFORMED else {}):
            message = event.get("message")
            if not is_citizen_message(kind, message):
                continue
            place, sender = conversation_of(obj, entry_id, event), party_id(event, "sender")
            if place is not None and sender:
                account, channel = place
                first = senders.setdefault((channel, account.external_id), {})
                first.setdefault(sender, sent_at(event))
    for (channel, account_id), found in senders.items():
        try:  # only a saving: another worker making one of them, or a sender id PostgreSQL
            # cannot hold (NUL), leaves each message to find or make its own
            with transaction.atomic():
                engine.expect_senders(channel, account_id, found)
        except DatabaseError:
            log.warning("batch identity look-up skipped for %s/%s", channel, account_id)


def is_citizen_message(kind: str, message: object) -> bool:
    """An event the conversation engine receives (handle_item: not an echo, not an unsend)."""
    return (
        kind == "messaging"
        and isinstance(message, dict)
        and bool(message.get("mid"))
        and not message.get("is_echo")
        and not message.get("is_deleted")
    )


def handle_body(delivery_id: int, body: bytes) -> tuple[list[str], list[str]]:
    """Every event of one stored body: the errors and the malformed parts passed over."""
    return handle_payload(delivery_id, parse_body(body))


def handle_payload(delivery_id: int, payload: object) -> tuple[list[str], list[str]]:
    if payload is MALFORMED:
        return ["malformed JSON"], []
    errors: list[str] = []
    skipped: list[str] = []
    for item in iter_items(payload, skipped):
        try:
            handle_item_once(item)
        except Exception as exc:  # one bad event must not lose the others in the batch
            log.exception("webhook %s: event failed", delivery_id)
            errors.append(f"{type(exc).__name__}: {exc}")
    return errors, skipped


def handle_item_once(item: tuple[Any, ...]) -> None:
    """One event in its own savepoint. A unique constraint that stops it means another run
    stored it meanwhile (a swept-up retry of this delivery, another worker's batch): the second
    try finds what that run stored and does only what is left; a second refusal is an error."""
    try:
        with transaction.atomic():
            handle_item(*item)
    except IntegrityError:
        with transaction.atomic():
            handle_item(*item)


def finish(delivery_id: int, errors: list[str], skipped: Iterable[str] = ()) -> str:
    notes = [*errors, *(f"skipped: {what}" for what in skipped)]
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        state=WebhookDelivery.State.FAILED if errors else WebhookDelivery.State.PROCESSED,
        error="\n".join(notes)[:5000],
        processed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    return "failed" if errors else "processed"


STUCK_PENDING = dt.timedelta(seconds=settings.ONTONG_STUCK_SECONDS)
ENQUEUE_BATCH = 500
BATCHES_AHEAD = 2  # awaited batch tasks ready to run: enough to keep two workers busy
BOOKKEEPING = -5  # echoes and receipts: after citizens' messages and their notices (priority 10)
BOOKKEEPING_WAIT = dt.timedelta(seconds=60)  # then normal priority (promote_waiting_bookkeeping)


def store_delivery(body: bytes, object_type: str, awaited: bool = True) -> None:
    """The raw body, committed before the webhook is answered. Its processing task is made by
    a worker (enqueue_stored_webhooks), not here: one INSERT per webhook, written as SQL because
    building the ORM's INSERT cost more than running it (decision 0002)."""
    with connection.cursor() as cursor:
        cursor.execute(
            insert_delivery_sql(),
            [body, object_type[:20], WebhookDelivery.State.PENDING.value, adapted_now(), awaited],
        )


def insert_delivery_sql() -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(name)
        for name in ("body", "object_type", "state", "error", "attempts", "received_at", "awaited")
    )
    table = quote(WebhookDelivery._meta.db_table)
    # Identifiers from the model, quoted; every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, '', 0, %s, %s)"  # noqa: S608


def adapted_now() -> str | None:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def enqueue_stored_webhooks(fill_batches: bool = True) -> int:
    """Stored deliveries without a task get one, in the transaction that marks them queued;
    several workers take disjoint batches (SKIP LOCKED; SQLite's write transactions take turns).
    fill_batches: while BATCHES_AHEAD batches of citizens' messages already wait for a worker,
    new deliveries wait stored. Taken later together they fill whole batches, where a task every
    round would hold only what arrived in WEBHOOK_INTERVAL (about 5 at 100 a second: at 100/s
    the acknowledgements fell behind, p95 12–22 s → 0.7–1.3 s, issue 21). An idle queue takes a
    delivery at once."""
    waiting = WebhookDelivery.objects.filter(queued_at__isnull=True)
    if not waiting.exists():  # a read: idle workers do not take the write lock
        return 0
    if fill_batches and batches_waiting() >= BATCHES_AHEAD:
        return 0
    with transaction.atomic():
        rows = list(
            waiting.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", "awaited")[:ENQUEUE_BATCH]
        )
        WebhookDelivery.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            queued_at=timezone.now()
        )
        size = process_batch()
        for is_awaited, priority in ((True, process_webhooks.priority), (False, BOOKKEEPING)):
            ids = [pk for pk, awaited in rows if awaited is is_awaited]
            for first in range(0, len(ids), size):
                process_webhooks.using(priority=priority).enqueue(ids[first : first + size])
    return len(rows)


def batches_waiting() -> int:
    """Batches of citizens' messages ready for a worker (echoes and receipts wait behind)."""
    return ready_count(process_webhooks.module_path, process_webhooks.priority)


def promote_waiting_bookkeeping(now: dt.datetime) -> int:
    """Echoes and receipts waiting longer than BOOKKEEPING_WAIT go at normal priority: in a long
    burst they would otherwise wait behind every new message, and the notice sweep would take
    a notice whose echo is only unprocessed for unconfirmed (and send it again)."""
    return raise_priority(
        process_webhooks.module_path, BOOKKEEPING, process_webhooks.priority, now - BOOKKEEPING_WAIT
    )


def awaited(payload: object) -> bool:
    """Whether someone waits on the payload: anything but the platform's own bookkeeping (echoes
    of our sends, delivery and read receipts), which is processed after what people sent
    (issue 21: in a burst, the acknowledgements first)."""
    items = list(iter_items(payload))
    return not items or not all(is_bookkeeping(kind, event) for kind, _o, _e, event in items)


def is_bookkeeping(kind: str, event: dict[str, Any]) -> bool:
    if kind != "messaging":
        return False
    message = event.get("message")
    if isinstance(message, dict):
        return bool(message.get("is_echo"))
    return isinstance(event.get("delivery"), dict) or isinstance(event.get("read"), dict)


def sweep_webhooks(now: dt.datetime | None = None) -> int:
    """Deliveries whose processing task was lost (a worker killed mid-task) are handed back to
    enqueue_stored_webhooks, the one place their tasks are made. Processing is idempotent:
    events are deduplicated by their ids under unique constraints, so a slow original and its
    replacement cannot both count."""
    now = now or timezone.now()
    promote_waiting_bookkeeping(now)
    stuck = list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING, queued_at__lt=now - STUCK_PENDING
        ).values_list("pk", flat=True)[:1000]
    )
    if not stuck:
        return 0
    queued = waiting_ids(process_webhooks.module_path, STUCK_PENDING) | waiting_ids(
        process_webhook.module_path, STUCK_PENDING
    )
    lost = WebhookDelivery.objects.filter(
        pk__in=[i for i in stuck if i not in queued], state=WebhookDelivery.State.PENDING
    )
    lost.update(attempts=F("attempts") + 1)  # its run died (or never started)
    given_up = lost.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=WebhookDelivery.State.FAILED,
        error=f"처리가 {MAX_ATTEMPTS}번 끝나지 않아 멈췄습니다 (관리 화면에서 다시 처리할 수 있음).",
        processed_at=now,
    )
    if given_up:
        log.error("%d webhook deliveries failed after %d attempts", given_up, MAX_ATTEMPTS)
    return given_up + lost.filter(state=WebhookDelivery.State.PENDING).update(queued_at=None)


def iter_items(
    payload: object, skipped: list[str] | None = None
) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """Every well-formed event; what is malformed is named in `skipped` and passed over, so one
    bad item cannot stop the ones after it."""
    skipped = [] if skipped is None else skipped
    if not isinstance(payload, dict):
        skipped.append("payload is not an object")
        return
    obj = str(payload.get("object", ""))
    for e, entry in enumerate(list_at(payload, "entry", "", skipped)):
        if not isinstance(entry, dict):
            skipped.append(f"entry[{e}] is not an object")
            continue
        entry_id = str(entry.get("id", ""))
        for key, kind in (
            ("messaging", "messaging"),
            ("standby", "messaging"),
            ("changes", "change"),
        ):
            for i, item in enumerate(list_at(entry, key, f"entry[{e}].", skipped)):
                if isinstance(item, dict):
                    yield kind, obj, entry_id, item
                else:
                    skipped.append(f"entry[{e}].{key}[{i}] is not an object")


def list_at(container: dict[str, Any], key: str, where: str, skipped: list[str]) -> list[Any]:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        skipped.append(f"{where}{key} is {type(value).__name__}, not a list")
        return []
    return value


EARLIEST_EVENT = dt.datetime(2011, 1, 1, tzinfo=dt.UTC)


def as_time(value: Any, unit_ms: bool) -> dt.datetime | None:  # a JSON value
    try:
        number = float(value)
        when = dt.datetime.fromtimestamp(number / 1000 if unit_ms else number, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):  # 1e30, "nan", "inf": no time
        return None
    # Before Messenger existed (-5, 0): no time either, or it would close the reply window.
    return when if when >= EARLIEST_EVENT else None


def sent_at(event: dict[str, Any]) -> dt.datetime:
    return as_time(event.get("timestamp"), unit_ms=True) or timezone.now()


def party_id(event: dict[str, Any], key: str) -> str:
    party = event.get(key)
    if isinstance(party, dict) and party.get("id") is not None:
        return str(party["id"])
    legacy = event.get(f"{key}_id")
    return str(legacy) if legacy is not None else ""


def find_account(*ids: str) -> MetaAccount | None:
    given = tuple(i for i in ids if i)
    if not given:
        return None
    return batch_memo(f"meta-account:{given}", lambda: look_up_account(given))


def look_up_account(given: tuple[str, ...]) -> MetaAccount | None:
    return (
        MetaAccount.objects.filter(external_id__in=given, is_active=True).first()
        or MetaAccount.objects.filter(page_id__in=given, is_active=True).first()
    )


def handle_item(kind: str, obj: str, entry_id: str, event: dict[str, Any]) -> None:
    if kind == "change":
        return handle_change(obj, entry_id, event)
    sender, recipient = party_id(event, "sender"), party_id(event, "recipient")
    message = event.get("message") if isinstance(event.get("message"), dict) else None
    place = conversation_of(obj, entry_id, event)
    if place is None:
        log.info("webhook event for unknown account %s/%s/%s ignored", entry_id, sender, recipient)
        return None
    account, channel = place
    when = sent_at(event)
    if message is not None:
        if message.get("is_echo"):
            return conversation.record_echo(account, channel, recipient, message, when)
        if message.get("is_deleted"):
            return conversation.unsend(account, channel, message.get("mid"))
        return conversation.inbound(account, channel, sender, message, when)
    if isinstance(event.get("message_edit"), dict):
        return conversation.edit(account, channel, event["message_edit"])
    if isinstance(event.get("postback"), dict):
        return conversation.postback(account, channel, sender, event["postback"], event, when)
    if isinstance(event.get("delivery"), dict):
        return mark_outbound(account, channel, event["delivery"], Message.Delivery.DELIVERED)
    if isinstance(event.get("read"), dict):
        return mark_outbound(
            account, channel, event["read"], Message.Delivery.READ, recipient_id=sender
        )
    if isinstance(event.get("reaction"), dict):
        return conversation.reaction(account, channel, event["reaction"], event.get("timestamp"))
    if "policy-enforcement" in event or "policy_enforcement" in event:
        log.warning(
            "Meta policy enforcement on account %s: %s",
            account.external_id,
            event.get("policy-enforcement") or event.get("policy_enforcement"),
        )
    return None  # referral, optin, handover and unknown kinds: kept in the raw body, ignored


def mark_outbound(
    account: MetaAccount,
    channel: str,
    status: dict[str, Any],
    state: Message.Delivery,
    recipient_id: str = "",
) -> None:
    """Delivery and read receipts: by mid list, by single mid (Instagram) or by watermark; the
    allowed moves are notices.confirm's."""
    outbound = Message.objects.filter(
        channel=channel, account=account.external_id, direction=Message.Direction.OUT
    )
    mids = [str(m) for m in status.get("mids") or []] + (
        [str(status["mid"])] if status.get("mid") else []
    )
    if mids:
        notices.confirm(outbound.filter(external_id__in=mids), state)
    watermark = as_time(status.get("watermark"), unit_ms=True)
    if watermark and recipient_id:
        notices.confirm(
            outbound.filter(
                complaint__identity__external_user_id=recipient_id, sent_at__lte=watermark
            ),
            state,
        )


def conversation_of(
    obj: str, entry_id: str, event: dict[str, Any]
) -> tuple[MetaAccount, str] | None:
    """The account and channel of a messaging event; None for a page we do not serve. Our side
    of the conversation is named by the event itself; the entry id only stands in when the
    event names no one."""
    message = event.get("message") if isinstance(event.get("message"), dict) else None
    is_echo = bool(message and message.get("is_echo"))
    ours = party_id(event, "sender" if is_echo else "recipient")
    account = find_account(ours) if ours else find_account(entry_id)
    if account is None:
        return None
    channel = (
        "instagram"
        if obj == "instagram" or account.kind == MetaAccount.Kind.INSTAGRAM
        else "messenger"
    )
    return account, channel


def handle_change(obj: str, entry_id: str, change: dict[str, Any]) -> None:
    field, value = change.get("field"), change.get("value")
    if not isinstance(value, dict):
        return None
    account = find_account(entry_id)
    if account is None:
        return None
    if field == "feed" and value.get("item") == "comment":
        return comments.facebook_comment(account, value)
    if field in {"comments", "live_comments"} and obj == "instagram":
        return comments.instagram_comment(account, value)
    return None
