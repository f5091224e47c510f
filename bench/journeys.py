"""Journeys, counted: clicks, keys, characters typed and seconds for a first-time user — the
접수담당 who assigns new complaints, the officer and manager of a 결재, the citizen who reports and
looks the case up again — on any two versions of Ontong (default: main before, this checkout
after). Repeatable: each version is exported with `git archive` into a temporary folder, gets a
fresh SQLite database with the demo city (`ontong load_demo`), K new complaints per journey, and
`ontong serve` on loopback; Debian's chromium (Playwright, headless) does what a person does.

    .venv/bin/python bench/journeys.py [--before main] [--after HEAD] [--cases 5] [--runs 3]
        [--journeys one-by-one,approve,…]

Journeys (each starts on the staff menu's 접수함 after logging in, ends when K cases are assigned):
  one-by-one   open the newest case from the list, 이 부서로 배정 (the suggestion), back to 접수함
               through the menu, next row… (the only way on main)
  next-case    open the newest case, 이 부서로 배정, 다음 민원, … (issue 18: no list in between)
  keyboard     j o on the list, then on each case a (배정 panel, the suggestion already chosen),
               Enter, j (다음 민원)
  bulk         tick K rows, 처리 = 배정, 배정할 부서 = 도로과, 적용 (when the K go to one department)
  merge        two cases of the same problem: main merges with one click on the complaint page;
               issue 18 shows what will be merged first (one click more, on purpose)
  submit       the 도로과 officer: 부서함 → the case (처리중) → 결과 작성·결재 요청 → answer → submit
  approve      the 도로과 manager finds the submitted case and approves it so the citizen is told:
               main: 부서함 → the case → 결재 → 결과 통보; issue 18: 결재 대기 → the case →
               결재하고 민원인에게 통보 (결재 후 바로 통보, the demo city's default)
  citizen      a phone: /minwon/ → 내용, 내 위치, 휴대전화, 동의 → 접수하기 → keeps the receipt; another
               phone: /minwon/status/ → 접수번호 + 조회 코드 as the receipt shows it → 조회
  reply        the officer answers the citizen with the 도로과 상용구 "포트홀 보수 완료": issue 18 inserts
               it with Ctrl+K (search "포트홀", Enter); main has none, so the same words are typed
  note         the officer leaves a 내부 메모 (main: none, "—")
A click into a text box counts as a click; its characters count as typed (keys are shortcuts and
Enter/Ctrl+K). A journey a version does not offer is reported as "—". Numbers go to
docs/benchmarks.md.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

from harness import environment, free_port, wait_ready

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "ontong-demo"
TEXTS = [
    "읍내동 시청 앞 도로에 포트홀이 생겨 차가 덜컹거립니다",
    "동문동 사거리 보도블록이 깨져서 넘어질 뻔했어요",
    "석남동 골목 아스팔트가 파였습니다. 비 오면 물이 고여요",
    "수석동 버스정류장 앞 도로가 움푹 꺼졌어요",
    "예천동 인도 경계석이 빠져 있어 위험합니다",
    "읍내동 시장 앞 도로 포장이 갈라졌어요",
    "동문동 학교 앞 도로에 구멍이 났어요. 아이들이 다칩니다",
    "부춘동 교차로 도로 파손 신고합니다",
]


ANSWER = "석남동 사거리의 패인 도로를 오늘 아스팔트로 메웠습니다. 불편을 드려 죄송합니다."
# The demo's 도로과 상용구 "포트홀 보수 완료" as it reads once filled in for 최도로 (road).
SAVED_REPLY = "말씀하신 곳의 패인 도로를 아스팔트로 메웠습니다. 도로과 최도로 주무관"
NOTE = "같은 곳을 작년 3월에도 보수함. 배수 문제인지 확인 필요"
HAEMI = {"latitude": 36.7135, "longitude": 126.5488}
PHONE = "010-4321-8765"


def export(ref: str) -> Path:
    """The version's files (no .git, no .venv), as `git archive` gives them."""
    folder = Path(tempfile.mkdtemp(prefix=f"ontong-journey-{ref.replace('/', '-')}-"))
    data = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as archive:
        archive.extractall(folder, filter="data")
    return folder


class Version:
    def __init__(self, ref: str):
        self.ref = ref
        self.tree = export(ref)
        self.env = environment(PYTHONPATH=str(self.tree), PYTHONDONTWRITEBYTECODE="1")
        self.run("migrate", "--verbosity", "0")
        self.run("load_demo")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "ontong",
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--web-workers",
                "2",
                "--task-workers",
                "1",
            ],
            cwd=self.tree,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_ready(f"{self.url}/readyz", self.server)

    def run(self, *command: str, stdin: str = "") -> str:
        return subprocess.run(  # noqa: S603
            [sys.executable, "-m", "ontong", *command],
            cwd=self.tree,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            input=stdin or None,
        ).stdout

    def new_cases(self, count: int, same: bool = False) -> list[str]:
        """K new complaints from the web form's intake, newest last; their receipt numbers."""
        texts = [TEXTS[0]] * count if same else (TEXTS * 2)[:count]
        code = (
            "from ontong.complaints.services import Intake, receive_complaint\n"
            f"for t in {texts!r}:\n"
            "    print(receive_complaint(Intake(body=t, channel='web')).receipt_no)\n"
        )
        # `shell` also prints what it imported; the receipt numbers are the lines that are one.
        return [w for w in self.run("shell", "-c", code).split() if re.fullmatch(r"\d{4}-\d{6}", w)]

    def case_of_road(self, submitted: bool = False) -> str:
        """A 도로과 case its officer (road) has started — and, with submitted, answered and sent
        for 결재; its receipt number."""
        code = (
            "from ontong.complaints.services import Intake, receive_complaint\n"
            "from ontong.complaints.workflow import perform\n"
            "from ontong.org.models import Department, User\n"
            "person = lambda name: User.objects.get(username=name)\n"
            f"c = receive_complaint(Intake(body={TEXTS[2]!r}, channel='web'))\n"
            "c = perform(c, 'assign', person('triage'), department=Department.objects.get(name='도로과'))\n"
            "c = perform(c, 'start', person('road'))\n"
            f"if {submitted!r}: c = perform(c, 'submit', person('road'), answer={ANSWER!r})\n"
            "print(c.receipt_no)\n"
        )
        return [
            w for w in self.run("shell", "-c", code).split() if re.fullmatch(r"\d{4}-\d{6}", w)
        ][-1]

    def state(self, number: str) -> str:
        code = (
            "from ontong.complaints.models import Complaint\n"
            f"print(Complaint.objects.get(receipt_no={number!r}).state)"
        )
        return self.run("shell", "-c", code).split()[-1]

    def sent_containing(self, number: str, text: str) -> int:
        code = (
            "from ontong.complaints.models import Message\n"
            f"print(Message.objects.filter(complaint__receipt_no={number!r}, direction='out',"
            f" body__contains={text!r}).count())"
        )
        return self.number(code)

    def assigned(self, numbers: list[str]) -> int:
        code = (
            "from ontong.complaints.models import Complaint\n"
            f"print(Complaint.objects.filter(receipt_no__in={numbers!r}).exclude(state='received').count())"
        )
        return self.number(code)

    def number(self, code: str) -> int:
        """What the code prints last (`shell` first says what it imported)."""
        return int(self.run("shell", "-c", code).split()[-1])

    def stop(self) -> None:
        self.server.terminate()
        self.server.wait(30)


class Person:
    """A browser page that counts what the person does."""

    def __init__(self, browser, version: Version, phone: bool = False):
        if phone:
            self.context = browser.new_context(
                viewport={"width": 390, "height": 844},
                locale="ko-KR",
                is_mobile=True,
                has_touch=True,
                geolocation=HAEMI,
                permissions=["geolocation"],
            )
        else:
            self.context = browser.new_context(
                viewport={"width": 1280, "height": 900}, locale="ko-KR"
            )
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.version = version
        self.clicks = self.keys = self.typed = 0

    def login(self, username: str = "triage") -> None:
        page = self.page
        page.goto(self.version.url + "/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("#login-submit")
        page.wait_for_load_state("load")

    def click(self, locator) -> None:
        self.clicks += 1
        locator.first.click()
        self.page.wait_for_load_state("load")

    def press(self, key: str, navigates: bool = True) -> None:
        self.keys += 1
        if not navigates:
            self.page.keyboard.press(key)
            return
        with self.page.expect_navigation():
            self.page.keyboard.press(key)
        self.page.wait_for_load_state("load")

    def type_into(self, locator, text: str, click: bool = True) -> None:
        """Click into a text box (unless the focus is already there) and type."""
        self.clicks += click
        self.typed += len(text)
        locator.first.fill(text)

    def open_case(self, number: str) -> None:
        """부서함 → the case's row (the 우리 부서 tab first where the opened view lacks it)."""
        self.menu("부서함")
        row = self.page.locator(f"tr[data-receipt='{number}'] a")
        if not row.count():
            self.click(self.page.get_by_role("link", name=re.compile("^우리 부서")))
        self.click(row)

    def open_action(self, name: str):
        """The complaint page's panel for an action, opened with a click if it is closed."""
        box = self.page.locator(f"details[data-action={name}]")
        if box.get_attribute("open") is None:
            self.click(box.locator("summary"))
        return box

    def menu(self, name: str) -> None:
        self.click(
            self.page.get_by_role("navigation", name="직원 메뉴").get_by_role("link", name=name)
        )

    def close(self) -> None:
        self.context.close()


def journey(browser, version: Version, name: str, count: int) -> dict | None:
    same = name in {"bulk", "merge"}
    numbers = version.new_cases(2 if name == "merge" else count, same=same)
    person = Person(browser, version)
    person.login()
    page = person.page
    start = time.monotonic()
    try:
        person.menu("접수함")
        if name == "one-by-one":
            for _ in numbers:
                person.click(page.locator("tbody#rows tr[data-receipt] a"))
                person.click(page.get_by_test_id("assign-suggested"))
                person.menu("접수함")
        elif name in {"next-case", "keyboard"}:
            if not page.locator("[data-testid=bulk-form]").count():
                return None  # main has no 다음 민원
            if name == "keyboard":
                person.press("j", navigates=False)
                person.press("o")
            else:
                person.click(page.locator("tbody#rows tr[data-receipt] a"))
            for index in range(len(numbers)):
                button = page.get_by_test_id("assign-suggested")
                if name == "keyboard":
                    # a: the 배정 panel, its picker focused with the top suggestion chosen; Enter.
                    person.press("a", navigates=False)
                    person.press("Enter")
                else:
                    person.click(button)
                if index + 1 < len(numbers):
                    if name == "keyboard":
                        person.press("j")
                    else:
                        person.click(page.get_by_test_id("next-case"))
        elif name == "bulk":
            form = page.locator("[data-testid=bulk-form]")
            if not form.count():
                return None
            for number in numbers:
                person.click(page.get_by_label(f"{number} 고르기"))
            person.clicks += 1
            form.get_by_label("배정할 부서").select_option(label="도로과")
            person.click(form.get_by_test_id("bulk-submit"))
        elif name == "merge":
            person.click(page.locator(f"tr[data-receipt='{numbers[-1]}'] a"))
            merge = page.locator("form", has=page.locator(f"input[value='{numbers[0]}']")).locator(
                "button"
            )
            if not merge.count():
                return {"skipped": "비슷한 민원으로 짝지어지지 않음"}
            person.click(merge)
            if page.get_by_test_id("bulk-confirm-submit").count():
                person.click(page.get_by_test_id("bulk-confirm-submit"))
        seconds = time.monotonic() - start
    except Exception:
        fail(version, name, page)
        raise
    finally:
        person.close()
    code = (
        "from ontong.complaints.models import Complaint\n"
        f"print(Complaint.objects.filter(receipt_no__in={numbers!r}, state='closed').count())"
    )
    done = version.number(code) if name == "merge" else version.assigned(numbers)
    cases = len(numbers) - 1 if name == "merge" else len(numbers)  # merge: one closes
    return result(person, seconds, done, cases)


def officer_journey(browser, version: Version, name: str) -> dict | None:
    """submit, approve, reply, note: one 도로과 case, the officer (or for approve the manager)."""
    number = version.case_of_road(submitted=name == "approve")
    person = Person(browser, version)
    person.login("road_mgr" if name == "approve" else "road")
    page = person.page
    start = time.monotonic()
    try:
        if name == "submit":
            person.open_case(number)
            box = person.open_action("submit")
            person.type_into(box.locator("textarea[name=answer]"), ANSWER)
            person.click(box.locator("button[type=submit]"))
        elif name == "approve":
            if page.get_by_test_id("approvals-link").count():
                person.menu("결재 대기")
                person.click(page.get_by_role("link", name=number))
                person.click(page.get_by_test_id("approve"))
            else:
                person.open_case(number)
                person.click(person.open_action("approve").locator("button[type=submit]"))
                person.click(person.open_action("notify").locator("button[type=submit]"))
        elif name == "reply":
            person.open_case(number)
            box = person.open_action("reply")
            text = box.locator("textarea[name=text]")
            if page.locator("#saved-replies").count():
                person.click(text)
                person.press("Control+k", navigates=False)
                person.type_into(
                    page.locator("#saved-replies [role=combobox]"), "포트홀", click=False
                )
                page.wait_for_function(
                    "() => document.querySelectorAll('#saved-reply-list [role=option]').length === 1"
                )
                person.press("Enter", navigates=False)
            else:
                person.type_into(text, SAVED_REPLY)
            person.click(box.locator("button[type=submit]"))
        elif name == "note":
            person.open_case(number)
            if not page.locator("details[data-action=note]").count():
                return None
            box = person.open_action("note")
            person.type_into(box.locator("textarea[name=text]"), NOTE)
            person.click(box.locator("button[type=submit]"))
        seconds = time.monotonic() - start
        noted = name == "note" and NOTE in page.locator("[data-testid=timeline]").inner_text()
    except Exception:
        fail(version, name, page)
        raise
    finally:
        person.close()
    done = {
        "submit": lambda: version.state(number) == "drafted",
        "approve": lambda: version.state(number) == "notified",
        "reply": lambda: version.sent_containing(number, "아스팔트로 메웠습니다") == 1,
        "note": lambda: noted,
    }[name]()
    return result(person, seconds, int(done), 1)


def citizen_journey(browser, version: Version) -> dict:
    """Report from a phone with a location and a phone number, keep the receipt, look the case up
    again on another phone."""
    person = Person(browser, version, phone=True)
    page = person.page
    page.goto(version.url + "/minwon/")
    start = time.monotonic()
    other = Person(browser, version, phone=True)
    try:
        person.type_into(page.get_by_label(re.compile(r"^내용")), TEXTS[3])
        mine = page.get_by_role("button", name="내 위치")
        person.click(mine if mine.count() else page.locator("#use-location"))
        page.wait_for_function("() => document.querySelector('#id_latitude').value !== ''")
        person.type_into(page.get_by_label("휴대전화 (선택)"), PHONE)
        person.click(page.get_by_label(re.compile("수집·이용에 동의합니다")))
        person.click(page.get_by_role("button", name="접수하기"))
        page.get_by_text("민원이 접수되었습니다.", exact=True).wait_for()
        number = page.get_by_test_id("receipt-no").inner_text().strip()
        short = page.get_by_test_id("short-code")
        code = (short if short.count() else page.get_by_test_id("status-token")).inner_text()
        other.page.goto(version.url + "/minwon/status/")
        other.type_into(other.page.get_by_label(re.compile(r"^접수번호")), number)
        other.type_into(other.page.get_by_label(re.compile(r"^조회 코드")), code.strip())
        other.click(other.page.get_by_role("button", name="조회"))
        heading = other.page.get_by_role("heading", name=f"민원 {number}")
        heading.wait_for()
        seconds = time.monotonic() - start
    except Exception:
        fail(version, "citizen", other.page if other.page.url.startswith("http") else page)
        raise
    finally:
        person.close()
        other.close()
    for counter in ("clicks", "keys", "typed"):
        setattr(person, counter, getattr(person, counter) + getattr(other, counter))
    return result(person, seconds, 1, 1) | {"code": len(code.strip())}


def fail(version: Version, name: str, page) -> None:
    shot = Path(tempfile.gettempdir()) / f"journey-{version.ref}-{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"{version.ref} {name}: stopped at {page.url} (screenshot {shot})", file=sys.stderr)


def result(person: Person, seconds: float, done: int, cases: int) -> dict:
    return {
        "cases": cases,
        "done": done,
        "clicks": person.clicks,
        "keys": person.keys,
        "typed": person.typed,
        "seconds": round(seconds, 1),
    }


def run_journey(browser, version: Version, name: str, count: int) -> dict | None:
    if name == "citizen":
        return citizen_journey(browser, version)
    if name in {"submit", "approve", "reply", "note"}:
        return officer_journey(browser, version, name)
    return journey(browser, version, name, count)


# The 도로과 officer's journeys come first: the triage journeys assign dozens of cases to 도로과,
# which would push a new case off the first page of its 부서함.
JOURNEYS = [
    "submit",
    "approve",
    "reply",
    "note",
    "citizen",
    "one-by-one",
    "next-case",
    "keyboard",
    "bulk",
    "merge",
]


def cell(runs: list[dict | None]) -> str:
    """clicks·keys·typed (the same on every run, or each run's) and each run's seconds."""
    first = runs[0]
    if first is None:
        return "—"
    if "skipped" in first:
        return first["skipped"]
    counts = {(r["clicks"], r["keys"], r["typed"]) for r in runs if r}
    shown = " / ".join("·".join(map(str, c)) for c in sorted(counts))
    done = sum(r["done"] for r in runs if r)
    cases = sum(r["cases"] for r in runs if r)
    seconds = "/".join(str(r["seconds"]) for r in runs if r)
    return f"{shown} · {seconds} s ({done}/{cases} 완료)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="main")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--cases", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--journeys", default=",".join(JOURNEYS))
    args = parser.parse_args()
    names = args.journeys.split(",")
    from playwright.sync_api import sync_playwright

    results: dict[str, dict] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for label, ref in (("before", args.before), ("after", args.after)):
            version = Version(ref)
            try:
                results[label] = {}
                for name in names:
                    results[label][name] = []
                    for _ in range(args.runs):
                        outcome = run_journey(browser, version, name, args.cases)
                        results[label][name].append(outcome)
                        print(label, name, json.dumps(outcome), file=sys.stderr, flush=True)
            finally:
                version.stop()
        browser.close()
    print(json.dumps(results, ensure_ascii=False, indent=1))
    print(
        f"\n| 여정 | 전 ({args.before}): 클릭·키·글자 · 초 | 후 ({args.after}): 클릭·키·글자 · 초 |"
    )
    print("|---|---|---|")
    for name in names:
        print(f"| {name} | {cell(results['before'][name])} | {cell(results['after'][name])} |")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
