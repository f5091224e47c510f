"""Issue 14 item 5: staff two-factor authentication (authenticator app + recovery codes),
required for 민원총괄 and Django admin, optional per city for other roles."""

import re
import time

import pytest
from django.test import Client

PASSWORD = "pw-for-tests-1"


def password_login(client, username, url="/login/"):
    return client.post(url, {"username": username, "password": PASSWORD}, follow=True)


def totp_now(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def enrolled(user):
    from ontong.accounts.testing import authenticator

    return authenticator(user)


def test_admin_must_enrol_an_authenticator_before_any_staff_page(client, staff):
    page = password_login(client, "admin")

    assert page.redirect_chain[-1][0].startswith("/account/two-factor/")
    body = page.content.decode()
    assert "<svg" in body and "인증 앱" in body
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', body).group(1)
    assert len(secret.replace(" ", "")) == 32
    assert "no-store" in page["Cache-Control"]
    for url in ["/", "/inbox/", "/complaints/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/account/two-factor/" in response.url


def test_enrolment_is_confirmed_by_a_code_and_shows_recovery_codes_once(client, staff):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    password_login(client, "admin")
    device = TOTPDevice.objects.get(user=staff["admin"], confirmed=False)

    wrong = client.post("/account/two-factor/", {"token": "000000"})
    assert "인증 코드가 맞지 않습니다" in wrong.content.decode()
    time.sleep(1.1)  # a wrong code slows the next try down (django-otp's backoff)
    response = client.post("/account/two-factor/", {"token": totp_now(device)})

    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10 and "지금 한 번만 보여 줍니다" in response.content.decode()
    assert "no-store" in response["Cache-Control"]  # nor kept by a browser or proxy cache
    assert client.get("/inbox/").status_code == 200
    assert codes[0] not in client.get("/account/").content.decode()


def test_an_enrolled_user_gives_a_code_after_the_password(client, staff):
    device = enrolled(staff["admin"])

    page = password_login(client, "admin")
    assert page.redirect_chain[-1][0].startswith("/account/verify/")
    assert client.get("/inbox/").url.startswith("/account/verify/")
    wrong = client.post("/account/verify/", {"token": "123456", "next": "/inbox/"})
    assert "인증 코드가 맞지 않습니다" in wrong.content.decode()
    too_soon = client.post("/account/verify/", {"token": totp_now(device), "next": "/inbox/"})
    assert too_soon.status_code == 200  # backoff: the next try waits a second, then doubles
    time.sleep(2.1)

    response = client.post("/account/verify/", {"token": totp_now(device), "next": "/inbox/"})

    assert response.status_code == 302 and response.url == "/inbox/"
    assert client.get("/inbox/").status_code == 200


def test_a_recovery_code_works_once(client, staff):
    from ontong.accounts.services import new_recovery_codes

    enrolled(staff["admin"])
    code = new_recovery_codes(staff["admin"])[0]
    password_login(client, "admin")
    assert client.post("/account/verify/", {"token": code.upper()}).status_code == 302
    assert client.get("/inbox/").status_code == 200

    again = Client()
    password_login(again, "admin")
    response = again.post("/account/verify/", {"token": code})

    assert response.status_code == 200 and "인증 코드가 맞지 않습니다" in response.content.decode()
    assert again.get("/inbox/").status_code == 302


def test_a_password_alone_cannot_replace_the_authenticator(client, staff):
    enrolled(staff["admin"])
    password_login(client, "admin")

    response = client.get("/account/two-factor/")

    assert response.status_code == 302 and response.url.startswith("/account/verify/")


def test_django_admin_login_asks_for_the_second_factor(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    device = enrolled(root)

    page = password_login(client, "root", url="/admin/login/?next=/admin/")

    assert page.redirect_chain[-1][0].startswith("/account/verify/")
    assert client.get("/admin/").status_code == 302
    client.post("/account/verify/", {"token": totp_now(device)})
    assert client.get("/admin/").status_code == 200


def test_other_roles_are_optional_unless_the_city_requires_them(client, staff, settings):
    password_login(client, "road")
    assert client.get("/queue/").status_code == 200

    settings.ONTONG_2FA_ROLES = ["officer"]
    other = Client()
    password_login(other, "road")

    assert other.get("/queue/").url.startswith("/account/two-factor/")


def test_an_officer_who_enrolled_by_choice_is_asked_for_the_code(client, staff):
    enrolled(staff["road"])

    password_login(client, "road")

    assert client.get("/queue/").url.startswith("/account/verify/")


def test_the_demo_admin_is_enrolled_with_the_printed_demo_key(staff):
    from django_otp import match_token

    from ontong.devtools.demo_two_factor import demo_code, enrol_demo_users

    assert enrol_demo_users([staff["admin"], staff["road"]]) == ["admin"]
    assert match_token(staff["admin"], demo_code()) is not None


def test_the_demo_key_is_never_used_in_production(staff, settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ontong.devtools.demo_two_factor import enrol_demo_users

    settings.PRODUCTION = True
    assert enrol_demo_users([staff["admin"]]) == []
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("token", ["", " ", "x" * 33])
def test_odd_codes_are_refused_calmly(client, staff, token):
    enrolled(staff["admin"])
    password_login(client, "admin")

    response = client.post("/account/verify/", {"token": token})

    assert response.status_code == 200 and client.get("/inbox/").status_code == 302


def test_a_lost_phone_an_admin_removes_the_device_and_the_owner_enrols_again(
    client, staff, django_user_model
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ontong.accounts.services import new_recovery_codes

    device = enrolled(staff["admin"])
    new_recovery_codes(staff["admin"])
    root = Client()
    root.force_login(django_user_model.objects.create_superuser("root", password=PASSWORD))
    listing = root.get("/admin/otp_totp/totpdevice/").content.decode()
    assert "admin" in listing
    root.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()

    page = password_login(client, "admin")

    assert page.redirect_chain[-1][0].startswith("/account/two-factor/")
