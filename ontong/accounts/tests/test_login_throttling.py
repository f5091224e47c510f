"""Issue 14 item 5: guessing passwords is throttled per account and per client, on the staff
login and the Django admin login alike."""

import pytest
from django.test import Client

WRONG = {"password": "not-the-password"}
RIGHT = "pw-for-tests-1"


def guess(client, url, username, times):
    return [client.post(url, {"username": username, **WRONG}).status_code for _ in range(times)]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
def test_many_wrong_passwords_lock_the_account_even_for_the_right_one(client, staff, url):
    codes = guess(client, url, "road", 30)
    assert codes[:9] == [200] * 9  # the form again, with its error
    assert set(codes[9:]) == {429}

    response = client.post(url, {"username": "road", "password": RIGHT})

    assert response.status_code == 429 and not logged_in(client)
    page = response.content.decode()
    assert "로그인이 잠시 잠겼습니다" in page and "이후에 다시 시도하세요" in page


def test_the_lockout_says_when_to_try_again(client, staff, settings):
    from django.utils import timezone

    guess(client, "/login/", "road", 10)
    response = client.post("/login/", {"username": "road", "password": RIGHT})

    retry = timezone.localtime() + settings.AXES_COOLOFF_TIME
    assert retry.strftime("%H:%M") in response.content.decode()


def test_a_locked_account_is_locked_from_another_client_too(client, staff):
    guess(client, "/login/", "road", 10)
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")

    response = elsewhere.post("/login/", {"username": "road", "password": RIGHT})

    assert response.status_code == 429 and not logged_in(elsewhere)


def test_one_client_guessing_many_accounts_is_locked_out(client, staff, make_user):
    for n in range(10):
        client.post("/login/", {"username": f"nobody{n}", **WRONG})

    response = client.post("/login/", {"username": "traffic", "password": RIGHT})

    assert response.status_code == 429 and not logged_in(client)
    other_citizen = Client(REMOTE_ADDR="198.51.100.7")
    other_citizen.post("/login/", {"username": "traffic", "password": RIGHT})
    assert logged_in(other_citizen)


def test_clients_behind_the_proxy_are_told_apart(staff):
    """Behind the reverse proxy on loopback each client has its own count (X-Forwarded-For)."""
    attacker = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.66")
    colleague = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    for n in range(10):
        attacker.post("/login/", {"username": f"nobody{n}", **WRONG})

    colleague.post("/login/", {"username": "traffic", "password": RIGHT})

    assert logged_in(colleague)


def test_a_successful_login_resets_the_count(client, staff):
    guess(client, "/login/", "road", 9)
    client.post("/login/", {"username": "road", "password": RIGHT})
    assert logged_in(client)
    client.logout()

    guess(client, "/login/", "road", 9)
    client.post("/login/", {"username": "road", "password": RIGHT})

    assert logged_in(client)


def test_each_failure_and_the_lockout_are_recorded(client, staff):
    from axes.models import AccessFailureLog

    guess(client, "/login/", "road", 10)

    failures = AccessFailureLog.objects.filter(username="road")
    assert failures.count() == 10
    assert failures.filter(locked_out=True).exists()
    assert {f.ip_address for f in failures} == {"127.0.0.1"}


def test_an_admin_unlocks_an_account(client, staff, django_user_model):
    from axes.models import AccessAttempt

    admin_client = Client()
    admin_client.force_login(django_user_model.objects.create_superuser("root", password="x"))

    guess(client, "/login/", "road", 10)
    attempt = AccessAttempt.objects.get(username="road")

    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "road" in page.content.decode()
    admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    client.post("/login/", {"username": "road", "password": RIGHT})
    assert logged_in(client)


@pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
@pytest.mark.parametrize("typed", ["가" * 5000, "a\x00b" * 100, "😀" * 151])
def test_junk_usernames_get_the_form_back_and_fit_the_lockout_table(client, staff, url, typed):
    from axes.models import AccessAttempt

    response = client.post(url, {"username": typed, **WRONG})

    assert response.status_code == 200
    recorded = list(AccessAttempt.objects.values_list("username", flat=True))
    assert all(len(name) <= 150 and "\x00" not in name for name in recorded)


def test_a_too_long_username_is_refused_before_any_password_check(client, staff):
    from axes.models import AccessAttempt

    response = client.post("/login/", {"username": "가" * 151, **WRONG})

    assert "아이디 또는 비밀번호가 맞지 않습니다" in response.content.decode()
    assert not AccessAttempt.objects.exists()
