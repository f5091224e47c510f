"""A bad-input corpus against every form, query parameter, upload and webhook (issue 14): whatever
an attacker or a careless user sends, the answer is never a 500, nothing is stored half-way and a
refused form says why."""

import hashlib
import hmac
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ontong.complaints.models import Attachment, Complaint, Message
from ontong.complaints.notices import status_url

pytestmark = pytest.mark.django_db

HOSTILE = [
    "",
    " ",
    "\x00",
    "nul\x00in the middle",
    "\x1b[31m빨강\x07",
    "\r\n\r\nSet-Cookie: owned=1",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "../../../../etc/passwd",
    "%00%ff%fe",
    "{{ 7*7 }}{% debug %}",
    "${jndi:ldap://127.0.0.1/x}",
    '=HYPERLINK("http://127.0.0.1/?"&A1,"사진")',
    "+cmd|' /C calc'!A0",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "2026-13-45",
    "9999-12",
    "0000-00",
    "가" * 5000,
    "A" * 100_000,
    "😀🚧" * 500,
    "\u202egnp.exe",
    "\u200b\u200c\u200d\ufeff",
    "ㄱㄴㄷ",
    "[]",
    '{"a": [[[[[]]]]]}',
    "null",
]


def no_server_errors(responses) -> list[str]:
    return [f"{label}: {status}" for label, status in responses if status >= 500]


STAFF_PAGES = {
    "triage": {
        "/inbox/": ["page", "since"],
        "/complaints/": [
            "q",
            "state",
            "department",
            "channel",
            "area",
            "date_from",
            "date_to",
            "page",
            "overdue",
            "export",
        ],
        "/overdue/": ["page", "department"],
        "/notifications/": ["page"],
        "/reports/": ["start", "end", "department", "export"],
        "/map/": ["q", "state", "department", "area", "date_from", "view", "overdue"],
        "/minwon/map/near/": ["lat", "lng"],
        "/minwon/map/address/": ["lat", "lng"],
    },
    "road": {"/queue/": ["page", "state", "q"]},
    "pr": {
        "/publishing/": ["month", "week", "view", "account"],
        "/publishing/dashboard/": ["days", "account", "export"],
    },
}


@pytest.mark.parametrize("role", sorted(STAFF_PAGES))
def test_every_staff_query_parameter_survives_hostile_values(client, staff, role, new_complaint):
    new_complaint("가로등이 꺼졌어요 010-1234-5678")
    client.force_login(staff[role])
    answers = []
    for path, params in STAFF_PAGES[role].items():
        for param in params:
            for value in HOSTILE:
                response = client.get(path, {param: value})
                answers.append((f"GET {path}?{param}={value[:30]!r}", response.status_code))
    assert len(answers) >= 100
    assert no_server_errors(answers) == []


VALID_INTAKE = {"body": "읍내동 사거리 신호등이 고장났어요", "consent": ""}
INTAKE_FIELDS = [
    "title",
    "body",
    "area",
    "address",
    "latitude",
    "longitude",
    "name",
    "phone",
    "email",
    "consent",
]


def stored_counts():
    return Complaint.objects.count(), Message.objects.count(), Attachment.objects.count()


def test_the_citizen_form_refuses_or_keeps_whole_every_hostile_field(client, city, settings):
    settings.RATELIMIT_ENABLE = False
    answers, half_stored, unexplained = [], [], []
    for field in INTAKE_FIELDS:
        for value in HOSTILE:
            before = stored_counts()
            response = client.post("/minwon/", {**VALID_INTAKE, field: value})
            label = f"POST /minwon/ {field}={value[:30]!r}"
            answers.append((label, response.status_code))
            after = stored_counts()
            if response.status_code == 302:
                newest = Complaint.objects.order_by("-pk").first()
                whole = (
                    after[0] - before[0] == 1
                    and newest.messages.filter(direction="in").count() == 1
                )
                if not whole:
                    half_stored.append(label)
            else:
                if after != before:
                    half_stored.append(label)
                if response.status_code == 400 and "errorlist" not in response.content.decode():
                    unexplained.append(label)
    assert len(answers) >= 200
    assert no_server_errors(answers) == []
    assert half_stored == []
    assert unexplained == []


def image_bytes(fmt="PNG", size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, fmt)
    return out.getvalue()


def decompression_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # tiny file, 400 Mpx declared
    return out.getvalue()


HOSTILE_FILES = [
    ("empty.png", b"", "image/png"),
    ("promo.html", b"GIF89a<script>alert(document.domain)</script>", "image/gif"),
    ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
    ("truncated.jpg", image_bytes("JPEG")[:40], "image/jpeg"),
    ("bomb.png", decompression_bomb(), "image/png"),
    ("ok.png", image_bytes(), "text/html"),
    ("../../etc/passwd.png", image_bytes(), "image/png"),
    ("a.zip", b"PK\x03\x04" + b"\x00" * 100, "application/zip"),
]


@pytest.mark.parametrize(
    "name,content,content_type", HOSTILE_FILES, ids=[f[0] for f in HOSTILE_FILES]
)
def test_hostile_uploads_on_the_citizen_form(client, city, settings, name, content, content_type):
    settings.RATELIMIT_ENABLE = False
    before = stored_counts()
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = client.post("/minwon/", {**VALID_INTAKE, "photos": upload})
    assert response.status_code in {302, 400}
    if response.status_code == 400:
        assert stored_counts() == before
        assert "errorlist" in response.content.decode()
    for attachment in Attachment.objects.all():
        with Image.open(attachment.file.path) as image:
            image.verify()  # only real images are kept


def test_the_status_page_forms_survive_hostile_values(client, city, new_complaint, settings):
    settings.RATELIMIT_ENABLE = False
    complaint = new_complaint()
    link = status_url(complaint).removeprefix(settings.SITE_URL)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    page = response.redirect_chain[-1][0] if response.redirect_chain else link
    answers = []
    for field in ("body", "score", "comment", "survey", "unresolved"):
        for value in HOSTILE:
            answer = client.post(page, {field: value})
            answers.append((f"POST status {field}={value[:30]!r}", answer.status_code))
    for value in HOSTILE:
        lookup = client.get("/minwon/status/", {"receipt_no": value, "token": value})
        answers.append((f"GET lookup {value[:30]!r}", lookup.status_code))
        login = client.post("/login/", {"username": value, "password": value})
        answers.append((f"POST login {value[:30]!r}", login.status_code))
    assert len(answers) >= 200
    assert no_server_errors(answers) == []


PAGE, SECRET = "111222333", "s3cret-app"


def signed(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def hostile_webhook_bodies() -> list[bytes]:
    bodies = [value.encode("utf-8", "surrogatepass") for value in HOSTILE]
    bodies += [b"\xff\xfe\x00\x00", b"[" * 100_000 + b"]" * 100_000]
    for value in HOSTILE[:20]:
        event = {"sender": {"id": value}, "recipient": {"id": PAGE}, "message": {"mid": value}}
        bodies.append(
            json.dumps({"object": "page", "entry": [{"id": PAGE, "messaging": [event]}]}).encode()
        )
        bodies.append(
            json.dumps({"object": value, "entry": [{"id": value, "changes": value}]}).encode()
        )
        bodies.append(
            json.dumps(
                {"object": "page", "entry": [{"id": PAGE, "messaging": [{"message": value}]}]}
            ).encode()
        )
    return bodies


def test_hostile_webhooks_answer_without_a_server_error_and_never_stall(client, city, run_tasks):
    from ontong.channels.meta.models import MetaAccount, WebhookDelivery

    MetaAccount.objects.create(
        kind="page", external_id=PAGE, name="서산시", app_secret=SECRET, page_token="t"
    )
    answers = []
    for body in hostile_webhook_bodies():
        for header in (signed(body), "sha256=00", ""):
            response = client.post(
                "/webhooks/meta/",
                data=body,
                content_type="application/json",
                headers={"X-Hub-Signature-256": header},
            )
            answers.append((f"webhook {body[:30]!r} sig={bool(header)}", response.status_code))
    assert len(answers) >= 200
    assert no_server_errors(answers) == []
    run_tasks()
    assert not WebhookDelivery.objects.filter(state="pending").exists()
