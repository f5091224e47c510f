"""The 부서함 on the production server (database cache: the poll's fast path on): polls answered
before Django while nothing changes, and a case arriving in the department still appears on the
open page without a reload (decision 0004)."""

from .browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS

NEW_CASE = """
from ontong.complaints.services import Intake, receive_complaint
from ontong.complaints.workflow import perform
from ontong.org.models import Department, User
case = receive_complaint(Intake(channel="web", body="빠른 폴링 시험: 대산읍 도로에 포트홀"))
perform(case, "assign", User.objects.get(username="triage"),
        department=Department.objects.get(name="도로과"))
print(case.receipt_no)
"""


def test_a_new_case_appears_while_the_polls_are_answered_fast(browser, production_server):
    from ontong.devtools.demo import DEMO_PASSWORD

    base = production_server.url
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    fast = []
    page.on("response", lambda r: fast.append(r.status) if r.headers.get("ontong-poll") else None)
    page.goto(base + "/login/")
    page.fill("#id_username", "road")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    page.goto(base + "/queue/?view=department")
    # Django's first "nothing new" gives the ticket; the polls after it are answered before Django
    page.wait_for_event("response", lambda r: bool(r.headers.get("ontong-poll")), timeout=20_000)
    assert fast and set(fast) == {204}

    receipt_no = production_server.ontong("shell", "-c", NEW_CASE).stdout.strip().splitlines()[-1]
    row = page.locator(f"tr[data-receipt='{receipt_no}']")
    row.wait_for(timeout=15_000)
    assert "이 목록에 1건이 새로 들어왔습니다" in page.locator("#poll-status").inner_text()
    context.close()
