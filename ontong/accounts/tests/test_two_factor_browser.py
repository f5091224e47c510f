"""A 민원총괄 enrols an authenticator in the browser: QR code, recovery codes, then the inbox."""

import pytest

from ontong.web.tests.browser import BROWSER_MARKS

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True)]


def test_admin_enrols_an_authenticator_and_reaches_the_inbox(staff, open_page, live_server):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ontong.accounts.testing import code_for

    page = open_page("/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "pw-for-tests-1")
    page.click("#login-submit")

    page.wait_for_url("**/account/two-factor/**")
    assert page.locator("[data-testid=totp-qr] svg").is_visible()
    secret = page.locator("[data-testid=totp-secret]").inner_text()
    device = TOTPDevice.objects.get(user=staff["admin"], confirmed=False)
    assert secret.replace(" ", "") in device.config_url
    page.fill("#id_token", code_for(device))
    page.click("#enrol-submit")

    assert page.locator("[data-testid=recovery-codes] li").count() == 10
    page.click("#recovery-continue")
    page.goto(live_server.url + "/inbox/")
    assert page.url.endswith("/inbox/")
    page.click("[data-testid=account-link]")
    assert (
        "인증 앱이 연결되어 있습니다" in page.locator("[data-testid=two-factor-state]").inner_text()
    )
