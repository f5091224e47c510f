"""What a citizen reads on the form and the status page: Korean time, plain words, their input kept."""

import datetime as dt
import json
import os
import re

import pytest

from ontong.complaints.models import Complaint, State
from ontong.complaints.workflow import perform
from ontong.org.models import Department

from .test_intake import photo, submit

pytestmark = pytest.mark.django_db


def status_page(client, complaint, **query):
    url = f"/minwon/status/{complaint.receipt_no}/"
    client.get(url, {"t": complaint.status_token})
    return client.get(url, query)


def answered(staff, complaint):
    road = Department.objects.get(name="도로과")
    c = perform(complaint, "assign", staff["triage"], department=road)
    c = perform(c, "start", staff["road"])
    c = perform(c, "submit", staff["road"], answer="포트홀을 메웠습니다.")
    c = perform(c, "approve", staff["road_mgr"])
    return perform(c, "notify", staff["road"])


def test_rate_limited_form_keeps_what_the_citizen_typed(client, city, settings):
    settings.ONTONG_INTAKE_RATE = "1/h"
    submit(client, body="첫 민원")
    response = submit(
        client,
        body="두 번째 민원: 읍내동 가로등이 꺼졌어요",
        title="가로등",
        address="읍내동 123",
        photos=[photo()],
    )
    page = response.content.decode()
    assert response.status_code == 429
    assert "두 번째 민원: 읍내동 가로등이 꺼졌어요</textarea>" in page
    assert 'value="가로등"' in page and 'value="읍내동 123"' in page
    assert "너무 많이 보내셔서" in page and "사진은 다시 골라 주세요" in page
    assert Complaint.objects.count() == 1


def test_a_refused_photo_keeps_the_rest_of_the_form(client, city, monkeypatch):
    monkeypatch.setattr("ontong.channels.web.forms.MAX_PHOTO_BYTES", 100)
    response = submit(
        client, body="낙석이 있어요", address="해미면", photos=[photo(size=(200, 200))]
    )
    page = response.content.decode()
    assert response.status_code == 400 and "10MB" in page
    assert "낙석이 있어요</textarea>" in page and 'value="해미면"' in page
    assert "사진은 다시 골라 주세요" in page


def test_rate_limited_follow_up_keeps_its_text(client, new_complaint, settings):
    c = new_complaint()
    url = f"/minwon/status/{c.receipt_no}/"
    client.get(url, {"t": c.status_token})
    for _ in range(60):  # the status page allows 60 requests a minute
        client.get(url)
    response = client.post(url, {"body": "서문 앞 맨홀도 깨졌어요"})
    page = response.content.decode()
    assert response.status_code == 429
    assert "서문 앞 맨홀도 깨졌어요</textarea>" in page and "너무 많이 보내셔서" in page
    assert not c.messages.filter(body__contains="맨홀").exists()


def test_times_on_the_status_page_are_korean_time(client, new_complaint):
    c = new_complaint()
    # 15:30 UTC on 1 December is 00:30 KST on 2 December.
    moment = dt.datetime(2026, 12, 1, 15, 30, tzinfo=dt.UTC)
    Complaint.objects.filter(pk=c.pk).update(received_at=moment)
    c.events.update(created_at=moment)
    page = status_page(client, c).content.decode()
    assert "2026-12-02 00:30" in page and "2026-12-01 15:30" not in page


def test_a_closed_complaint_shows_its_due_time_in_korean_time(staff, new_complaint):
    from django.template import Context, Template

    c = perform(answered(staff, new_complaint()), "close", staff["road"])
    c.due_at = dt.datetime(2026, 12, 1, 15, 8, tzinfo=dt.UTC)
    html = Template("{% load ontong %}{% due c %}").render(Context({"c": c}))
    assert "2026-12-02 00:08" in html


def test_status_page_tells_the_story_in_plain_words(client, staff, new_complaint):
    c = answered(staff, new_complaint())
    page = status_page(client, c).content.decode()
    steps = re.search(r'data-testid="steps">(.*?)</ol>', page, re.S).group(1)
    labels = re.findall(r'<span class="step-label">([^<]+)</span>', steps)
    assert labels == ["접수", "담당 부서 배정", "처리 중", "답변 완료"]
    assert steps.count("<time") == 4  # each with its date
    for jargon in ("결재", "답변작성", "통보완료", "결과 작성"):
        assert jargon not in page
    assert re.search(r'data-testid="state">답변 완료<', page)


def test_status_page_marks_the_current_step(client, staff, new_complaint):
    c = perform(
        new_complaint(), "assign", staff["triage"], department=Department.objects.get(name="도로과")
    )
    c = perform(c, "start", staff["road"])
    c = perform(c, "submit", staff["road"], answer="초안")
    assert c.state == State.DRAFTED
    page = status_page(client, c).content.decode()
    assert re.search(
        r'<li class="current" aria-current="step"><span class="step-label">처리 중', page
    )
    assert "초안" not in page and "답변작성" not in page


def test_citizen_labels_have_no_trailing_colon(client, staff, new_complaint):
    c = answered(staff, new_complaint())
    pages = [client.get("/minwon/").content.decode(), status_page(client, c).content.decode()]
    pages.append(client.get("/minwon/status/").content.decode())
    for page in pages:
        labels = re.findall(r"<label[^>]*>([^<]*)</label>", page)
        assert labels and not [label for label in labels if label.rstrip().endswith(":")]


def test_consent_box_states_what_the_privacy_act_asks(client, city, settings):
    settings.ONTONG_RETENTION_DAYS = 3 * 365
    page = client.get("/minwon/").content.decode()
    box = re.search(r'data-testid="consent">(.*?)</fieldset>', page, re.S).group(1)
    for words in (
        "필수",
        "선택",
        "성명, 휴대전화, 이메일",
        "수집·이용 목적",
        "접속 IP 주소",
        "3년 동안 보관",
        "동의하지 않을 권리",
        "처리 결과를 문자·이메일로 받을 수 없고",
        "처리 현황 조회",
    ):
        assert words in box, words


def test_access_log_lines_carry_no_query_string():
    from ontong.web.management.commands.serve import ACCESS_LOG_FORMAT

    environ = {
        "REMOTE_ADDR": "203.0.113.9",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/minwon/status/2026-000051/?t=secret-token",
        "PATH_INFO": "/minwon/status/2026-000051/",
        "QUERY_STRING": "t=secret-token",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    from types import SimpleNamespace

    from gunicorn.config import Config

    from ontong.web.management.commands.serve import AccessLogger

    environ["HTTP_COOKIE"] = "sessionid=abc123"
    response = SimpleNamespace(status="302 Found", sent=0, headers=[("Set-Cookie", "x=secret")])
    atoms = AccessLogger(Config()).atoms(
        response,
        SimpleNamespace(headers=[("COOKIE", "sessionid=abc123")]),
        environ,
        dt.timedelta(seconds=1, microseconds=234_567),
    )
    line = ACCESS_LOG_FORMAT % atoms
    assert "secret-token" not in line and "abc123" not in line and "secret" not in str(atoms)
    assert json.loads(line) == {
        "remote": "203.0.113.9",
        "request": "GET /minwon/status/2026-000051/",
        "status": 302,
        "bytes": 0,
        "ms": 1234,
        "pid": f"<{os.getpid()}>",
    }
