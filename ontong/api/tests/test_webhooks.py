"""Outgoing webhooks: events from the workflow, signature, retries on ontong.delivery,
disabling with an alert, resend, SSRF refusal, and the admin for 민원총괄 only."""

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from ontong.api import webhooks
from ontong.api.models import WebhookDelivery, WebhookSubscription
from ontong.complaints.models import Notification
from ontong.org.models import Department

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP endpoint: records what arrives, answers with the statuses queued."""

    def __init__(self):
        self.received: list[dict] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append({"headers": dict(self.headers), "body": body})
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        return [json.loads(r["body"])["event"] for r in self.received]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def subscribe(url, events, department=None):
    return WebhookSubscription.objects.create(
        name="새올 연계",
        url=url,
        secret=webhooks.new_secret(),
        events=events,
        department=department,
    )


def test_events_are_signed_and_sent_through_the_worker(receiver, road_case, staff, run_tasks):
    sub = subscribe(receiver.url, ["received", "assigned", "answered", "notified", "closed"])
    from ontong.complaints.workflow import perform

    c = road_case("도로과")
    for who, action, params in [
        ("road", "start", {}),
        ("road", "submit", {"answer": "보수했습니다."}),
        ("road_mgr", "approve", {}),
        ("road", "notify", {}),
        ("road", "close", {}),
    ]:
        perform(c, action, staff[who], **params)
    run_tasks()
    assert receiver.events() == ["received", "assigned", "answered", "notified", "closed"]
    first = receiver.received[0]
    headers = {k.lower(): v for k, v in first["headers"].items()}
    expected = hmac.new(
        sub.secret.encode(),
        f"{headers['x-ontong-timestamp']}.".encode() + first["body"],
        hashlib.sha256,
    ).hexdigest()
    assert headers["x-ontong-signature"] == f"sha256={expected}"
    assert abs(int(headers["x-ontong-timestamp"]) - timezone.now().timestamp()) < 60
    payload = json.loads(first["body"])
    assert payload["complaint"]["receipt_no"] == c.receipt_no
    assert headers["x-ontong-delivery"] == payload["id"]
    # No personal data: no text, no name, no phone.
    sent = first["body"].decode()  # its random event id may hold "010": look for the number
    assert "1234-5678" not in sent and "12345678" not in sent and "홍길동" not in sent
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"done"}


def test_department_filter_and_event_choice(receiver, road_case, run_tasks):
    subscribe(receiver.url, ["assigned"], department=Department.objects.get(name="교통과"))
    road_case("도로과")
    traffic = road_case("교통과", body="신호등이 꺼졌어요")
    run_tasks()
    assert receiver.events() == ["assigned"]
    assert json.loads(receiver.received[0]["body"])["complaint"]["receipt_no"] == traffic.receipt_no


def test_overdue_event_from_the_reminder(receiver, road_case, run_tasks):
    import datetime as dt

    from ontong.complaints.models import Complaint
    from ontong.complaints.reminders import send_due_reminders

    subscribe(receiver.url, ["overdue"])
    c = road_case("도로과")
    Complaint.objects.filter(pk=c.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    send_due_reminders()
    run_tasks()
    assert receiver.events() == ["overdue"]


def test_retried_with_backoff_then_failed_then_disabled_with_an_alert(
    receiver, new_complaint, staff
):
    sub = subscribe(receiver.url, ["received"])
    receiver.statuses = [503, 200]
    new_complaint()
    item = WebhookDelivery.objects.get()
    assert webhooks.deliver(item.pk) == "waiting"
    item.refresh_from_db()
    assert item.attempts == 1 and item.last_error == "HTTP 503"
    assert item.next_attempt_at > timezone.now()
    assert webhooks.deliver(item.pk) == "done"  # the retry (its claim ignores the clock)
    assert webhooks.deliver(item.pk) == "skipped"  # already done: never sent twice
    # A 4xx is permanent; three such in a row switch the subscription off and alert 민원총괄.
    for n in range(webhooks.DISABLE_AFTER):
        receiver.statuses = [404]
        new_complaint(body=f"가로등 {n}")
        item = WebhookDelivery.objects.filter(status="waiting").get()
        assert webhooks.deliver(item.pk) == "failed"
    sub.refresh_from_db()
    assert sub.is_active is False and "HTTP 404" in sub.disabled_reason
    alert = Notification.objects.get(kind="webhook_disabled")
    assert alert.user == staff["admin"] and sub.name in alert.subject
    from django.test import Client

    admin = Client()
    admin.force_login(staff["admin"])
    page = admin.get("/notifications/")
    assert page.status_code == 200 and sub.name in page.content.decode()
    new_complaint(body="더는 보내지 않음")
    assert WebhookDelivery.objects.count() == 1 + webhooks.DISABLE_AFTER  # no new deliveries
    # Resend from the log once the receiver is fixed.
    sub.is_active = True
    sub.save()
    failed = WebhookDelivery.objects.filter(status="failed").first()
    assert webhooks.resend(failed) is True
    assert webhooks.resend(failed) is False  # already waiting
    assert webhooks.deliver(failed.pk) == "done"


def test_temporary_failures_give_up_after_the_backoff(receiver, new_complaint):
    subscribe(receiver.url, ["received"])
    new_complaint()
    item = WebhookDelivery.objects.get()
    receiver.statuses = [500] * webhooks.BACKOFF.max_attempts
    states = [webhooks.deliver(item.pk) for _ in range(webhooks.BACKOFF.max_attempts)]
    assert states == ["waiting"] * (webhooks.BACKOFF.max_attempts - 1) + ["failed"]
    item.refresh_from_db()
    assert item.last_error.startswith(f"{webhooks.BACKOFF.max_attempts}회 시도 후 실패")


def test_unreachable_receiver_is_a_temporary_failure(new_complaint):
    subscribe("http://127.0.0.1:9/nothing-listens", ["received"])
    new_complaint()
    assert webhooks.deliver(WebhookDelivery.objects.get().pk) == "waiting"


def test_private_addresses_refused_in_production(settings, new_complaint):
    settings.ONTONG_WEBHOOK_ALLOW_PRIVATE = False
    for url in [
        "http://127.0.0.1/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://localhost/hook",
        "ftp://example.com/hook",
    ]:
        with pytest.raises(webhooks.UnsafeURL):
            webhooks.check_url(url)
    # Also at send time (a subscription made before, or a name that now points inside).
    settings.ONTONG_WEBHOOK_ALLOW_PRIVATE = True
    subscribe("http://127.0.0.1:9/hook", ["received"])
    new_complaint()
    settings.ONTONG_WEBHOOK_ALLOW_PRIVATE = False
    item = WebhookDelivery.objects.get()
    assert webhooks.deliver(item.pk) == "failed"
    item.refresh_from_db()
    assert "내부" in item.last_error


def test_admin_is_for_central_staff_and_shows_the_secret_once(client, staff, receiver):
    staff["road_mgr"].is_staff = True
    staff["road_mgr"].save()
    client.force_login(staff["road_mgr"])
    assert client.get("/admin/api/webhooksubscription/").status_code == 403
    assert client.get("/admin/api/apikey/").status_code == 403
    staff["admin"].is_staff = True
    staff["admin"].save()
    client.force_login(staff["admin"])
    response = client.post(
        "/admin/api/webhooksubscription/add/",
        {"name": "포털", "url": receiver.url, "events": ["received", "closed"], "is_active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    sub = WebhookSubscription.objects.get()
    assert sub.secret in response.content.decode() and sub.events == ["received", "closed"]
    from django.db import connection

    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT secret FROM api_webhooksubscription")
        assert sub.secret not in cursor.fetchone()[0]
    assert (
        sub.secret
        not in client.get(f"/admin/api/webhooksubscription/{sub.pk}/change/").content.decode()
    )
    # An API key, the same way.
    response = client.post(
        "/admin/api/apikey/add/",
        {
            "name": "120 콜센터",
            "user": staff["triage"].pk,
            "can_read": "on",
            "can_create": "on",
            "rate": "600/m",
        },
        follow=True,
    )
    from ontong.api.models import ApiKey

    key = ApiKey.objects.get()
    import re

    text = re.search(r'value="(ont_[^"]+)"', response.content.decode()).group(1)
    assert text.startswith(f"ont_{key.prefix}_") and "no-store" in response["Cache-Control"]
    assert key.created_by == staff["admin"]
    assert client.get("/api/areas", headers={"Authorization": f"Bearer {text}"}).status_code == 200
    assert text not in client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()


def test_every_api_admin_page_opens_for_central_staff(
    client, staff, api_key, receiver, new_complaint
):
    subscribe(receiver.url, ["received"])
    new_complaint()
    key = api_key("admin")
    client.get("/api/areas", headers={"Authorization": f"Bearer {key}"})
    staff["admin"].is_staff = True
    staff["admin"].save()
    client.force_login(staff["admin"])
    for path in [
        "/admin/",
        "/admin/api/apikey/",
        "/admin/api/apikey/add/",
        "/admin/api/apicall/",
        "/admin/api/webhooksubscription/",
        "/admin/api/webhooksubscription/add/",
        "/admin/api/webhookdelivery/",
        f"/admin/api/webhookdelivery/{WebhookDelivery.objects.get().pk}/change/",
    ]:
        assert client.get(path).status_code == 200, path
    # Resend from the log, as the admin's action.
    item = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=item.pk).update(status="failed")
    response = client.post(
        "/admin/api/webhookdelivery/",
        {"action": "resend", "_selected_action": [item.pk]},
        follow=True,
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == "waiting" and item.attempts == 0


def test_ipv6_addresses_that_embed_an_internal_ipv4_are_refused(settings, monkeypatch):
    """NAT64 (64:ff9b::/96), 6to4 (2002::/16) and Teredo addresses carry an IPv4 address that a
    gateway on the way turns back into it; Python counts some of them as global."""
    settings.ONTONG_WEBHOOK_ALLOW_PRIVATE = False
    for address in [
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::",
        "64:ff9b:1::a00:5",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    ]:
        monkeypatch.setattr(
            socket,
            "getaddrinfo",
            lambda *a, address=address, **k: [(10, 1, 6, "", (address, 443, 0, 0))],
        )
        with pytest.raises(webhooks.UnsafeURL):
            webhooks.check_url("https://hook.example.com/")
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(10, 1, 6, "", ("64:ff9b::808:808", 443, 0, 0))],  # 8.8.8.8: public
    )
    webhooks.check_url("https://hook.example.com/")
