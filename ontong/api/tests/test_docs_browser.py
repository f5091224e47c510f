"""/api/docs in chromium: Swagger UI runs under the site's CSP and lists the Korean operations,
and "Try it out" with a key reads the API."""

import pytest

from ontong.web.tests.browser import BROWSER_MARKS

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True)]

WATCH = """() => { window.__violations = [];
    document.addEventListener('securitypolicyviolation',
        e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI)); }"""


def test_swagger_ui_runs_under_the_policy_and_calls_the_api(open_page, api_key, city):
    key = api_key("admin")
    page = open_page("/api/docs")
    page.add_init_script(f"({WATCH})()")
    page.reload()
    page.get_by_text("민원 목록").first.wait_for()
    assert page.evaluate("window.__violations") == []
    # Authorise with the key and call GET /api/areas from the page.
    page.get_by_role("button", name="Authorize").first.click()
    bearer = page.locator(".auth-container").first  # the first scheme: Authorization: Bearer
    bearer.locator("input").fill(key)
    bearer.locator("button.authorize").click()
    page.get_by_role("button", name="Close").first.click()
    operation = page.locator("#operations-기준_정보-ontong_api_rest_areas")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    operation.locator(".live-responses-table tbody td.response-col_status").first.wait_for()
    assert (
        "200"
        in operation.locator(
            ".live-responses-table tbody td.response-col_status"
        ).first.inner_text()
    )
    assert page.evaluate("window.__violations") == []
