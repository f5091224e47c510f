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
    """Open an action's panel on the complaint page, fill it in and submit it."""
    box = page.locator(f"details[data-action={action}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for name, value in fields.items():
        field = box.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    box.locator("button[type=submit]").click()


def login(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("#login-submit")
