"""Session and second-step behaviour docs/security.md's ASVS checklist relies on (V2.8.4, V3.2.1,
V3.3.1, V3.3.3, V5.1.5): each asserted here so the checklist cannot silently go stale."""

import time

import pytest
from django.test import Client

from ontong.accounts.testing import authenticator, code_for

PASSWORD = "pw-for-tests-1"


def password_login(client, username):
    return client.post("/login/", {"username": username, "password": PASSWORD}, follow=True)


def test_login_gives_a_new_session_id(client, staff):
    client.get("/minwon/")  # a citizen's session first (the intake form keeps one)
    client.session.save()
    before = client.cookies["sessionid"].value

    password_login(client, "road")

    assert client.cookies["sessionid"].value != before
    fixated = Client()
    fixated.cookies["sessionid"] = before
    assert fixated.get("/queue/").status_code == 302


def test_after_logout_the_old_session_cookie_opens_nothing(client, staff):
    password_login(client, "road")
    cookie = client.cookies["sessionid"].value
    assert client.get("/queue/").status_code == 200

    client.post("/logout/")

    replayed = Client()
    replayed.cookies["sessionid"] = cookie
    response = replayed.get("/queue/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_a_password_change_signs_out_the_other_sessions(client, staff):
    elsewhere = Client()
    password_login(elsewhere, "road")
    password_login(client, "road")
    assert elsewhere.get("/queue/").status_code == 200

    client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "가로등-고장-접수-2026",
            "new_password2": "가로등-고장-접수-2026",
        },
    )

    assert client.get("/queue/").status_code == 200
    assert elsewhere.get("/queue/").status_code == 302


def test_an_authenticator_code_is_accepted_once(staff):
    device = authenticator(staff["admin"])
    first, second = Client(), Client()
    password_login(first, "admin")
    password_login(second, "admin")
    code = code_for(device)

    assert first.post("/account/verify/", {"token": code}).status_code == 302
    replay = second.post("/account/verify/", {"token": code})

    assert replay.status_code == 200 and "인증 코드가 맞지 않습니다" in replay.content.decode()
    assert second.get("/inbox/").url.startswith("/account/verify/")


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_the_second_step_never_sends_anyone_off_the_site(client, staff, target):
    device = authenticator(staff["admin"])
    password_login(client, "admin")

    response = client.post("/account/verify/", {"token": code_for(device), "next": target})

    assert response.status_code == 302 and response.url == "/"


def test_a_busy_staff_session_still_ends_8_hours_after_login(client, staff, monkeypatch):
    """Each touch of the idle clock saves the session, which slides Django's own expiry: without
    a limit counted from the login, a session in steady use never ended (ASVS V3.3.2)."""
    start = time.time()
    client.force_login(staff["road"])
    assert client.get("/queue/").status_code == 200

    for minutes in range(20, 8 * 60, 20):  # a click every 20 minutes all day
        monkeypatch.setattr("ontong.accounts.middleware.clock", lambda m=minutes: start + m * 60)
        assert client.get("/queue/").status_code == 200, f"signed out after {minutes} minutes"

    monkeypatch.setattr("ontong.accounts.middleware.clock", lambda: start + (8 * 60 + 1) * 60)
    response = client.get("/queue/")

    assert response.status_code == 302 and response.url.startswith("/login/")
    assert "다시 로그인하세요" in client.get(response.url).content.decode()


def test_removing_a_lost_authenticator_stops_the_sessions_it_opened(client, staff):
    device = authenticator(staff["admin"])
    password_login(client, "admin")
    client.post("/account/verify/", {"token": code_for(device)})
    assert client.get("/inbox/").status_code == 200

    device.delete()  # what an administrator does for a lost phone (admin › TOTP devices)

    response = client.get("/inbox/")
    assert response.status_code == 302 and response.url.startswith("/account/two-factor/")
