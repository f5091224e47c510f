"""The screenshots of docs/staff-guide.md and docs/staff.md, taken as a first-time official walks
the demo city on a production-mode server (docs/deployment.md: ONTONG_ENV=production,
collectstatic, migrate, load_demo, `ontong serve`), in Debian's chromium.

    # in the server's environment (the same ONTONG_* variables and DATABASE_URL):
    python scripts/staff_screenshots.py http://localhost:8000 docs/images

It adds a few cases to the demo (a citizen's report through the form, two 도로과 cases in 처리중
through `ontong shell`), so run it on a fresh demo database. The server must be reachable from
the browser at that address (http://localhost keeps production's Secure cookies).
"""

import re
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

PASSWORD = "ontong-demo"  # noqa: S105 - the demo's published password
ANSWER = "말씀하신 곳의 패인 도로를 오늘 아스팔트로 메웠습니다."
ROAD_CASES = """
from decimal import Decimal
from ontong.complaints.services import Intake, receive_complaint
from ontong.complaints.workflow import perform
from ontong.org.models import Department, User
person = lambda name: User.objects.get(username=name)
for body in ["석남동 사거리 신호등 옆 도로가 패였어요. 차가 덜컹거립니다",
             "동문동 시장 앞 도로 포장이 갈라졌어요"]:
    c = receive_complaint(Intake(body=body, channel="web",
                                 latitude=Decimal("36.7660"), longitude=Decimal("126.4620")))
    c = perform(c, "assign", person("triage"), department=Department.objects.get(name="도로과"))
    c = perform(c, "start", person("road"))
    print(c.receipt_no)
"""


def road_cases() -> list[str]:
    out = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "ontong", "shell", "-c", ROAD_CASES],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return re.findall(r"\d{4}-\d{6}", out)


class Walk:
    def __init__(self, browser, url: str, folder: Path):
        self.browser, self.url, self.folder = browser, url, folder

    def shot(self, page, name: str, full: bool = False) -> None:
        page.screenshot(path=str(self.folder / f"{name}.png"), full_page=full)
        print(name)

    def staff(self, username: str):
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(self.url + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_load_state("load")
        return page

    def citizen_reports(self, body: str) -> str:
        context = self.browser.new_context(
            viewport={"width": 390, "height": 844}, locale="ko-KR", is_mobile=True, has_touch=True
        )
        page = context.new_page()
        page.goto(self.url + "/minwon/")
        page.get_by_label(re.compile(r"^내용")).fill(body)
        page.get_by_role("button", name="접수하기").click()
        page.get_by_text("민원이 접수되었습니다.", exact=True).wait_for(timeout=60_000)
        number = page.get_by_test_id("receipt-no").inner_text().strip()
        context.close()
        return number

    def go(self, page, path: str) -> None:
        page.goto(self.url + path)
        page.wait_for_load_state("load")

    def inbox(self) -> None:
        triage = self.staff("triage")
        self.shot(triage, "inbox-unassigned")
        number = self.citizen_reports("동문동 공원 앞 가로등이 깜빡거려요. 밤에 어두워요")
        triage.wait_for_selector(f"tr[data-receipt='{number}'] [data-testid=new-mark]")
        self.shot(triage, "inbox-live-insert")
        triage.keyboard.press("?")
        triage.get_by_role("dialog", name="단축키").wait_for()
        self.shot(triage, "inbox-shortcuts")
        triage.keyboard.press("Escape")
        triage.locator(f"tr[data-receipt='{number}'] a").click()
        triage.wait_for_load_state("load")
        self.shot(triage, "inbox-case-next")
        twins = [
            self.citizen_reports("수석동 버스정류장 앞 도로가 움푹 꺼졌어요") for _ in range(2)
        ]
        self.go(triage, "/inbox/")
        for each in twins:
            triage.get_by_label(f"{each} 고르기").check()
        form = triage.get_by_test_id("bulk-form")
        form.get_by_label("처리").select_option(label="함께 처리 (중복 묶기)")
        form.get_by_test_id("bulk-submit").click()
        triage.wait_for_load_state("load")
        self.shot(triage, "inbox-merge-confirm")
        triage.get_by_test_id("bulk-confirm-submit").click()
        triage.wait_for_load_state("load")
        self.shot(triage, "inbox-bulk-result")

    def approval(self, number: str) -> None:
        road = self.staff("road")
        self.go(road, f"/complaints/{number}/")
        box = road.locator("details[data-action=submit]")
        if box.get_attribute("open") is None:
            box.locator("summary").click()
        box.locator("textarea[name=answer]").fill(ANSWER)
        box.locator("button[type=submit]").click()
        road.wait_for_load_state("load")
        manager = self.staff("road_mgr")
        self.go(manager, "/notifications/")
        self.shot(manager, "staff-approval-notice")
        manager.get_by_test_id("approvals-link").click()
        manager.wait_for_load_state("load")
        self.shot(manager, "staff-approvals")
        manager.get_by_role("link", name=number).click()
        manager.wait_for_load_state("load")
        self.shot(manager, "staff-approval-panel", full=True)
        self.go(manager, "/saved-replies/")
        self.shot(manager, "staff-saved-replies", full=True)

    def reply_note_consult(self, number: str) -> None:
        road = self.staff("road")
        self.go(road, f"/complaints/{number}/")
        road.locator("h1").click()
        road.keyboard.press("r")
        road.keyboard.press("Control+k")
        road.locator("#saved-reply-list [role=option]").first.wait_for()
        self.shot(road, "staff-saved-reply-dialog")
        road.keyboard.press("Escape")
        road.keyboard.press("Escape")
        road.locator("h1").click()
        road.keyboard.press("n")
        road.keyboard.type("같은 곳을 작년 3월에도 보수함. 배수 문제인지 확인 필요")
        road.locator("details[data-action=note] button[type=submit]").click()
        road.wait_for_load_state("load")
        box = road.locator("details[data-action=consult]")
        box.locator("summary").click()
        box.locator("[name=consult_department]").select_option(label="교통과")
        box.locator("[name=text]").fill("신호등 이설 계획이 있나요?")
        box.locator("button[type=submit]").click()
        road.wait_for_load_state("load")
        self.shot(road, "staff-internal-note", full=True)
        traffic = self.staff("traffic")
        traffic.get_by_test_id("consultations-link").click()
        traffic.wait_for_load_state("load")
        self.shot(traffic, "staff-consultations")
        traffic.get_by_role("link", name=number).click()
        traffic.wait_for_load_state("load")
        self.shot(traffic, "staff-consultation", full=True)

    def map(self) -> None:
        road = self.staff("road")
        self.go(road, "/map/")
        road.locator("#cases-map .leaflet-marker-icon").first.wait_for()
        time.sleep(1)  # the boundary file draws after the pins
        self.shot(road, "map-5-staff-map", full=True)
        self.go(road, "/map/?view=areas")
        road.locator(".emd-count").first.wait_for()
        time.sleep(1)
        self.shot(road, "map-6-staff-map-areas", full=True)


def main() -> None:
    url, folder = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    first, second = road_cases()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        walk = Walk(browser, url, folder)
        walk.inbox()
        walk.approval(first)
        walk.reply_note_consult(second)
        walk.map()
        browser.close()


if __name__ == "__main__":
    main()
