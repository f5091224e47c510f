"""Issue 14 item 5: staff change their own password (Django's validators apply), and idle staff
sessions end."""

import time

from django.test import Client

PASSWORD = "pw-for-tests-1"


def test_the_staff_header_links_to_the_account_page(client, staff):
    client.force_login(staff["road"])

    page = client.get("/queue/").content.decode()

    assert 'href="/account/"' in page
    account = client.get("/account/").content.decode()
    assert "비밀번호 바꾸기" in account and "2단계 인증" in account


def test_staff_change_their_password_and_weak_ones_are_refused(client, staff):
    client.force_login(staff["road"])

    weak = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert weak.status_code == 200
    assert "너무 흔히 사용되는 비밀번호입니다" in weak.content.decode()
    assert "비밀번호가 전부 숫자로 되어 있습니다" in weak.content.decode()

    done = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "가로등-고장-접수-2026",
            "new_password2": "가로등-고장-접수-2026",
        },
        follow=True,
    )
    assert "비밀번호를 바꿨습니다" in done.content.decode()
    assert client.get("/queue/").status_code == 200  # still signed in

    old = Client().post("/login/", {"username": "road", "password": PASSWORD})
    assert old.status_code == 200
    new = Client()
    new.post("/login/", {"username": "road", "password": "가로등-고장-접수-2026"})
    assert "_auth_user_id" in new.session


def later(monkeypatch, minutes):
    now = time.time() + minutes * 60
    monkeypatch.setattr("ontong.accounts.middleware.clock", lambda: now)


def test_an_idle_staff_session_ends_after_30_minutes(client, staff, monkeypatch):
    client.force_login(staff["road"])
    assert client.get("/queue/").status_code == 200

    later(monkeypatch, 31)
    response = client.get("/queue/")

    assert response.status_code == 302 and response.url.startswith("/login/")
    login_page = client.get(response.url).content.decode()
    assert "오래 사용하지 않아 로그아웃되었습니다" in login_page


def test_activity_keeps_the_session_and_polling_does_not(client, staff, monkeypatch):
    client.force_login(staff["road"])
    client.get("/queue/")
    later(monkeypatch, 20)
    assert client.get("/queue/").status_code == 200  # activity at minute 20
    later(monkeypatch, 45)
    assert client.get("/queue/").status_code == 200  # 25 minutes after the last activity

    later(monkeypatch, 60)
    assert client.get("/queue/", headers={"HX-Request": "true"}).status_code == 200
    later(monkeypatch, 76)  # 31 minutes after the last click; polling came in between

    assert client.get("/queue/").status_code == 302


def test_the_idle_limit_is_configurable(client, staff, monkeypatch, settings):
    settings.ONTONG_STAFF_IDLE_MINUTES = 5
    client.force_login(staff["road"])
    client.get("/queue/")

    later(monkeypatch, 6)

    assert client.get("/queue/").status_code == 302


def test_a_citizens_session_is_not_touched_by_the_staff_idle_limit(client, city, monkeypatch):
    session = client.session
    session["citizen_grant"] = "2026-000001"
    session.save()

    later(monkeypatch, 120)
    client.get("/minwon/")

    assert client.session.get("citizen_grant") == "2026-000001"
