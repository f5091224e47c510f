"""Outgoing webhooks: a subscription receives the case events it chose (received, assigned,
answered, notified, overdue, closed), for every department or one, as a signed JSON POST.

Each event for each subscription is a WebhookDelivery stored in the transaction of the change
itself (complaints.hooks), then sent by the worker through ontong.delivery, as citizen notices
are: claimed once, retried with exponential backoff on a temporary error (5xx, 408, 429, network,
timeout), failed on a permanent one (other 4xx). A timeout is retried, not left unknown: the
receiver dedupes by `X-Ontong-Delivery` (the event id), which the docs ask of it. After
DISABLE_AFTER deliveries in a row failed for good the subscription is switched off and 민원총괄
is alerted; the admin's delivery log resends.

Signature: `X-Ontong-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with
`X-Ontong-Timestamp: <unix seconds>`; the receiver recomputes it and refuses old timestamps.

The payload carries no personal data: the receipt number, state, kind, department, 읍면동 and
times; a receiver with an API key reads more through /api/.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ontong import delivery
from ontong.complaints import hooks
from ontong.complaints.models import Complaint, State
from ontong.complaints.reminders import notify_staff
from ontong.org.models import ROLE_GROUPS, Role, User
from ontong.outbound import PrivateAddress, ensure_public, http
from ontong.tasks_queue import batch_memo, waiting_ids
from ontong.web.sweeps import register_job

from .keys import scope_of
from .models import WebhookDelivery, WebhookEvent, WebhookSubscription
from .tasks import deliver_webhook

log = logging.getLogger(__name__)

BACKOFF = delivery.Backoff(first=dt.timedelta(minutes=1), max_attempts=6)  # 1+2+4+8+16 min
DISABLE_AFTER = 3  # deliveries in a row that failed for good
STUCK = dt.timedelta(minutes=5)

# Workflow actions → the event a subscriber sees.
ACTION_EVENTS = {
    "assign": WebhookEvent.ASSIGNED,
    "reassign": WebhookEvent.ASSIGNED,
    "approve": WebhookEvent.ANSWERED,
    "notify": WebhookEvent.NOTIFIED,
    "overdue": WebhookEvent.OVERDUE,
}


class UnsafeURL(ValueError):
    pass


def check_url(url: str) -> None:
    """Refuse what would let a subscriber reach inside the city's network (SSRF): anything but
    http(s), and any host that resolves to a private, loopback, link-local or reserved address —
    unless ONTONG_WEBHOOK_ALLOW_PRIVATE (development and tests)."""
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise UnsafeURL("http(s) 주소여야 합니다.")
    if settings.PRODUCTION and parts.scheme != "https":
        raise UnsafeURL("운영에서는 https 주소만 쓸 수 있습니다.")
    if settings.ONTONG_WEBHOOK_ALLOW_PRIVATE:
        return
    try:
        ensure_public(parts.hostname, parts.port or 443)
    except PrivateAddress as exc:
        raise UnsafeURL(str(exc)) from exc


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def payload(complaint: Complaint, event: str, event_id: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "event": event,
        "occurred_at": timezone.localtime().isoformat(timespec="seconds"),
        "complaint": {
            "receipt_no": complaint.receipt_no,
            "state": complaint.state,
            "kind": complaint.kind,
            "channel": complaint.channel,
            "department_id": complaint.department_id,
            "department": complaint.department.name if complaint.department else "",
            "area_code": complaint.area.code if complaint.area else "",
            "received_at": iso(complaint.received_at),
            "due_at": iso(complaint.due_at),
            "answered_at": iso(complaint.answered_at),
            "closed_at": iso(complaint.closed_at),
            "api_url": f"{settings.SITE_URL}/api/complaints/{complaint.receipt_no}",
        },
    }


def iso(moment: dt.datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def subscribers(complaint: Complaint, event: str) -> list[WebhookSubscription]:
    found = []
    active = batch_memo(  # read once per worker batch (tasks_queue.batch), else every time
        "api-webhook-subscriptions",
        lambda: list(
            WebhookSubscription.objects.filter(is_active=True).select_related("department")
        ),
    )
    for sub in active:
        if event not in sub.events:
            continue
        if sub.department is not None and complaint.department_id not in scope_of(sub.department):
            continue
        found.append(sub)
    return found


def emit(complaint: Complaint, event: str) -> list[WebhookDelivery]:
    """Store one delivery per interested subscription and enqueue its sending, in the caller's
    transaction."""
    made = []
    for sub in subscribers(complaint, event):
        event_id = secrets.token_hex(16)
        item = WebhookDelivery.objects.create(
            subscription=sub,
            event=event,
            event_id=event_id,
            receipt_no=complaint.receipt_no,
            payload=payload(complaint, event, event_id),
        )
        deliver_webhook.enqueue(item.pk)
        made.append(item)
    return made


def on_received(complaint: Complaint) -> None:
    emit(complaint, WebhookEvent.RECEIVED)


def on_case_event(complaint: Complaint, name: str) -> None:
    event = ACTION_EVENTS.get(name)
    if event is not None:
        emit(complaint, event)
    if complaint.state == State.CLOSED and name in {"close", "close_repeated"}:
        emit(complaint, WebhookEvent.CLOSED)


def connect() -> None:
    hooks.on_complaint_received(on_received)
    hooks.on_case_event(on_case_event)
    register_job("sweep_outgoing_webhooks", sweep)


# --- sending -------------------------------------------------------------------------------


class Temporary(Exception):
    pass


class Permanent(Exception):
    pass


def post(item: WebhookDelivery) -> int:
    sub = item.subscription
    try:
        check_url(sub.url)
    except UnsafeURL as exc:
        raise Permanent(str(exc)) from exc
    body = json.dumps(item.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Ontong-Webhook/1",
        "X-Ontong-Event": item.event,
        "X-Ontong-Delivery": item.event_id,
        "X-Ontong-Timestamp": timestamp,
        "X-Ontong-Signature": sign(sub.secret, timestamp, body),
    }
    try:
        response = http().post(
            sub.url, content=body, headers=headers, timeout=settings.ONTONG_WEBHOOK_TIMEOUT
        )
    except httpx.HTTPError as exc:  # network, TLS, timeout: try again later
        raise Temporary(f"{type(exc).__name__}: {exc}") from exc
    status = response.status_code
    if 200 <= status < 300:
        return status
    if status >= 500 or status in {408, 429}:
        raise Temporary(f"HTTP {status}")
    raise Permanent(f"HTTP {status}")


def deliver(delivery_id: int) -> str:
    """One attempt; the claim keeps a delivery to one sender (a swept-up copy does nothing)."""
    item = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if item is None or not delivery.claim(item):
        return "skipped"
    if not item.subscription.is_active:
        return delivery.record_permanent_failure(item, "구독이 중지되어 보내지 않았습니다.")
    try:
        status = post(item)
    except Temporary as exc:
        with transaction.atomic():
            state = delivery.record_temporary_failure(item, str(exc), BACKOFF)
            if state == item.states.failed:
                failed_for_good(item)
            else:
                deliver_webhook.using(run_after=item.next_attempt_at).enqueue(item.pk)
        return state
    except Permanent as exc:
        with transaction.atomic():
            state = delivery.record_permanent_failure(item, str(exc))
            failed_for_good(item)
        return state
    with transaction.atomic():
        state = delivery.record_success(item, response_status=status, delivered_at=timezone.now())
        WebhookSubscription.objects.filter(pk=item.subscription_id).update(consecutive_failures=0)
    return state


def failed_for_good(item: WebhookDelivery) -> None:
    """Count the failure; at DISABLE_AFTER in a row, switch the subscription off and alert."""
    sub = WebhookSubscription.objects.select_for_update().get(pk=item.subscription_id)
    sub.consecutive_failures += 1
    fields = ["consecutive_failures"]
    if sub.is_active and sub.consecutive_failures >= DISABLE_AFTER:
        sub.is_active = False
        sub.disabled_reason = (
            f"{timezone.localtime():%Y-%m-%d %H:%M} 연속 {sub.consecutive_failures}건 실패로 중지: "
            f"{item.last_error}"
        )
        fields += ["is_active", "disabled_reason"]
        log.error("webhook subscription %s disabled: %s", sub.pk, item.last_error)
        notify_staff(
            central_staff(),
            f"웹훅 구독 '{sub.name}'을(를) 중지했습니다",
            f"{sub.url} 로 보내기가 연속 {sub.consecutive_failures}번 끝내 실패했습니다"
            f" (마지막 오류: {item.last_error}). 받는 쪽을 고친 뒤 관리 화면에서 구독을 다시 켜고"
            " 실패한 발송을 재발송하세요.",
            kind="webhook_disabled",
        )
    sub.save(update_fields=fields)


def central_staff():
    """민원총괄: the group's members and the superusers."""
    return User.objects.filter(
        Q(groups__name=ROLE_GROUPS[Role.ADMIN]) | Q(is_superuser=True), is_active=True
    ).distinct()


def resend(item: WebhookDelivery) -> bool:
    """A person's resend (the admin): from failed, unknown or done, back to waiting, once."""
    with transaction.atomic():
        moved = delivery.requeue(
            item,
            only_if=(item.states.failed, item.states.unknown, item.states.done),
            attempts=0,
            last_error="",
        )
        if moved:
            deliver_webhook.enqueue(item.pk)
    return moved


def sweep() -> dict[str, int]:
    """Re-enqueue deliveries whose task was lost; a send cut off by a dead worker is retried
    (the receiver dedupes by the delivery id)."""
    now = timezone.now()
    stale = delivery.due(WebhookDelivery.objects.filter(created_at__lt=now - STUCK), now - STUCK)
    candidates = list(stale.values_list("pk", flat=True)[:1000])
    queued = waiting_ids(deliver_webhook.module_path, STUCK) if candidates else set()
    requeued = 0
    for pk in candidates:
        if pk not in queued:
            deliver_webhook.enqueue(pk)
            requeued += 1
    for item in delivery.cut_off(WebhookDelivery.objects.all(), now, STUCK):
        with transaction.atomic():
            if delivery.requeue(
                item, only_if=(item.states.sending,), last_error="작업자 중단 뒤 다시 보냄"
            ):
                deliver_webhook.enqueue(item.pk)
                requeued += 1
    return {"requeued": requeued}
