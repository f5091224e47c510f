"""Shared pieces of the browser tests (Playwright driving Debian's chromium)."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="browser tests SKIPPED: no /usr/bin/chromium"
    ),
]


def act(page, action: str, **fields):
    """Open an action's panel on the complaint page, fill it in and submit it. "approve" is the
    approver's 결재 panel (with the city's default "결재 후 바로 통보", the notice too)."""
    if action == "approve":
        panel = page.locator("[data-testid=approval]")
        for name, value in fields.items():
            panel.locator(f"[name={name}]").fill(value)
        panel.locator("[data-testid=approve]").click()
        return
    box = page.locator(f"details[data-action={action}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for name, value in fields.items():
        field = box.locator(f"[name={name}]")
        if name == "department" and field.is_hidden():
            choose_department(box, value)
        elif field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    box.locator("button[type=submit]").click()


def choose_department(box, name: str) -> None:
    """Choose in the 배정 picker as a person does: type, then click the option."""
    box.get_by_role("combobox").fill(name)
    box.locator(f"[role=option][data-name='{name}']").first.click()


def login(page, base_url: str, username: str) -> None:
    """Log in as a person does, with the code from the user's authenticator when they need one."""
    from ontong.accounts.services import second_factor_expected
    from ontong.accounts.testing import authenticator, code_for
    from ontong.org.models import User

    user = User.objects.get(username=username)
    device = authenticator(user) if second_factor_expected(user) else None
    page.goto(base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("#login-submit")
    if device is not None:
        page.wait_for_url("**/account/verify/**")
        page.fill("#id_token", code_for(device))
        page.click("#verify-submit")
        page.wait_for_url(lambda url: "/account/verify/" not in url)
