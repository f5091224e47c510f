import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ontong.complaints.models import Attachment, Complaint, Message
from ontong.org.models import Area

pytestmark = pytest.mark.django_db


def photo(name="p.jpg", fmt="JPEG", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def submit(client, **fields):
    data = {
        "body": "해미면 도로에 낙석이 있어요",
        "title": "",
        "address": "",
        "name": "",
        "phone": "",
        "email": "",
    } | fields
    return client.post("/minwon/", data)


def test_form_renders_in_korean_with_csrf(client, city):
    page = client.get("/minwon/").content.decode()
    assert "무엇이든 알려 주세요" in page and "csrfmiddlewaretoken" in page and "해미면" in page


def test_submission_shows_receipt_number_and_token_protected_status(client, city):
    area = Area.objects.get(name="해미면")
    response = submit(
        client,
        area=area.pk,
        photos=[photo(), photo("b.png", "PNG")],
        latitude="36.713500",
        longitude="126.548800",
        name="홍길동",
        phone="010-1234-5678",
        consent="on",
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert response.url == f"/minwon/status/{complaint.receipt_no}/?new=1"  # no token in it
    assert complaint.area == area
    assert str(complaint.latitude) == "36.713500"
    assert complaint.citizen.phone == "010-1234-5678" and complaint.citizen.contact_consent_at
    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == [
        "image/jpeg",
        "image/png",
    ]
    page = client.get(response.url).content.decode()
    assert complaint.receipt_no in page and "접수되었습니다" in page and "예상 처리기한" in page
    assert complaint.status_token[:4] + " " + complaint.status_token[4:8] in page  # to write down
    assert client.get(response.url).headers["Referrer-Policy"] == "same-origin"


def test_status_page_is_not_enumerable(client, new_complaint):
    c = new_complaint()
    url = f"/minwon/status/{c.receipt_no}/"
    assert client.get(url).status_code == 404
    assert client.get(url, {"t": "wrong"}).status_code == 404
    assert client.get("/minwon/status/2026-999999/", {"t": c.status_token}).status_code == 404
    assert client.get(url, {"t": c.status_token}, follow=True).status_code == 200


def test_a_link_token_is_traded_for_a_session_grant_and_leaves_the_url(client, new_complaint):
    """Old links sent by SMS, e-mail and Messenger keep working; later requests carry no token."""
    c = new_complaint()
    url = f"/minwon/status/{c.receipt_no}/"
    response = client.get(url, {"t": c.status_token})
    assert response.status_code == 302 and response.url == url
    page = client.get(url)
    assert page.status_code == 200 and c.receipt_no in page.content.decode()
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Cache-Control"] == "no-store"
    assert c.status_token not in str(dict(client.session))  # only a keyed digest is kept
    assert Client().get(url).status_code == 404  # another browser has no grant


def test_a_grant_ends_when_the_token_does(client, new_complaint):
    c = new_complaint()
    url = f"/minwon/status/{c.receipt_no}/"
    client.get(url, {"t": c.status_token})
    Complaint.objects.filter(pk=c.pk).update(status_token="")  # personal data purged
    assert client.get(url).status_code == 404


def test_lookup_form_posts_and_grants_and_validates(client, new_complaint):
    c = new_complaint()
    response = client.post("/minwon/status/", {"receipt_no": c.receipt_no, "token": c.status_token})
    assert response.status_code == 302 and response.url == f"/minwon/status/{c.receipt_no}/"
    assert client.get(response.url).status_code == 200
    page = client.post("/minwon/status/", {"receipt_no": "123", "token": "x"}).content.decode()
    assert "2026-000123 형식" in page
    # an old bookmark with both in the query still works
    old = Client().get("/minwon/status/", {"receipt_no": c.receipt_no, "token": c.status_token})
    assert old.status_code == 302 and "token" not in old.url


def test_lookup_answers_alike_for_unknown_number_and_wrong_code(client, new_complaint):
    c = new_complaint()
    wrong_code = client.post("/minwon/status/", {"receipt_no": c.receipt_no, "token": "nope"})
    unknown = client.post("/minwon/status/", {"receipt_no": "2026-999999", "token": "nope"})
    assert wrong_code.status_code == unknown.status_code == 404
    assert "접수번호나 조회 코드가 맞지 않습니다" in wrong_code.content.decode()
    assert page_text(wrong_code, c.receipt_no) == page_text(unknown, "2026-999999")


def page_text(response, receipt_no: str) -> str:
    """The page without what differs on every render (CSRF tokens) or was typed (the number)."""
    html = re.sub(
        r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", response.content.decode()
    )
    return html.replace(receipt_no, "N")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": ""}, "필수 항목"),
        ({"body": "   "}, "필수 항목"),
        ({"body": "가" * 10_001}, "10000"),
        ({"name": "홍길동"}, "동의해 주세요"),
        ({"phone": "12345", "consent": "on"}, "전화번호 형식"),
        ({"email": "not-an-email", "consent": "on"}, "이메일"),
        ({"body": "널\x00문자"}, "null 문자"),
        ({"area": "99999"}, "올바르게 선택"),
        ({"latitude": "91", "longitude": "127"}, "39"),
        ({"latitude": "abc"}, "숫자"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_stored(client, city, fields, message):
    response = submit(client, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Complaint.objects.exists()


def test_non_images_and_too_many_photos_are_refused(client, city):
    junk = SimpleUploadedFile("x.jpg", bytes(range(256)) * 10, content_type="image/jpeg")
    response = submit(client, photos=[junk])
    assert response.status_code == 400 and "사진 파일이 아닙니다" in response.content.decode()
    response = submit(client, photos=[photo(f"{i}.jpg") for i in range(6)])
    assert response.status_code == 400 and "5장까지" in response.content.decode()
    svg = SimpleUploadedFile("x.svg", b"<svg onload=alert(1)></svg>", content_type="image/svg+xml")
    assert submit(client, photos=[svg]).status_code == 400
    assert not Complaint.objects.exists()


def test_oversized_photo_is_refused(client, city, monkeypatch):
    monkeypatch.setattr("ontong.channels.web.forms.MAX_PHOTO_BYTES", 100)
    response = submit(client, photos=[photo(size=(200, 200))])
    assert response.status_code == 400 and "10MB" in response.content.decode()


def test_script_tags_are_escaped_on_the_status_page(client, city):
    response = submit(client, body="<script>alert(1)</script><img src=x onerror=alert(2)>")
    page = client.get(response.url).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_csrf_is_enforced(city):
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post("/minwon/", {"body": "x"}).status_code == 403


def test_intake_is_rate_limited_per_address(client, city, settings):
    settings.ONTONG_INTAKE_RATE = "3/h"
    codes = [submit(client, body=f"민원 {i}").status_code for i in range(4)]
    assert codes == [302, 302, 302, 429]
    assert Complaint.objects.count() == 3


def test_citizen_can_add_to_an_open_complaint(client, new_complaint):
    c = new_complaint()
    url = f"/minwon/status/{c.receipt_no}/"
    client.get(url, {"t": c.status_token})
    response = client.post(url, {"body": "사진 위치는 해미읍성 서문 앞입니다 900101-1234567"})
    assert response.url == f"{url}?sent=1"
    assert "담당 부서에 전달했습니다" in client.get(response.url).content.decode()
    follow_up = c.messages.filter(direction=Message.Direction.IN).last()
    assert "해미읍성 서문" in follow_up.body and "1234567" not in follow_up.body


def test_a_bookmarked_status_address_asks_for_the_code_alike_for_every_number(new_complaint):
    c = new_complaint()
    browser = Client()  # another phone, or the bookmark opened next week
    known = browser.get(f"/minwon/status/{c.receipt_no}/")
    unknown = browser.get("/minwon/status/2026-999999/")
    assert known.status_code == unknown.status_code == 404
    assert "조회 코드를 넣어 주세요" in known.content.decode()
    assert f'value="{c.receipt_no}"' in known.content.decode()  # the number filled in
    assert page_text(known, c.receipt_no) == page_text(unknown, "2026-999999")
    form = {"receipt_no": c.receipt_no, "token": c.status_token}
    assert browser.post("/minwon/status/", form, follow=True).status_code == 200
