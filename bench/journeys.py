"""Staff journeys, counted: clicks, keys and seconds for a first-time 접수담당 who triages new
complaints and assigns them, on any two versions of Ontong (default: main before, this checkout
after). Repeatable: each version is exported with `git archive` into a temporary folder, gets a
fresh SQLite database with the demo city (`ontong load_demo`), K new complaints per journey, and
`ontong serve` on loopback; Debian's chromium (Playwright, headless) does what a person does.

    .venv/bin/python bench/journeys.py [--before main] [--after HEAD] [--cases 5]

Journeys (each starts on the staff menu's 접수함 after logging in, ends when K cases are assigned):
  one-by-one   open the newest case from the list, 이 부서로 배정 (the suggestion), back to 접수함
               through the menu, next row… (the only way on main)
  next-case    open the newest case, 이 부서로 배정, 다음 민원, … (issue 18: no list in between)
  keyboard     j o on the list, then on each case a (배정 panel, the suggestion already chosen),
               Enter, j (다음 민원)
  bulk         tick K rows, 처리 = 배정, 배정할 부서 = 도로과, 적용 (when the K go to one department)
  merge        two cases of the same problem: main merges with one click on the complaint page;
               issue 18 shows what will be merged first (one click more, on purpose)
A journey a version does not offer is reported as "—". Numbers go to docs/benchmarks.md.
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

    def __init__(self, browser, version: Version):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.version = version
        self.clicks = self.keys = 0

    def login(self) -> None:
        page = self.page
        page.goto(self.version.url + "/login/")
        page.fill("#id_username", "triage")
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
        shot = Path(tempfile.gettempdir()) / f"journey-{version.ref}-{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"{version.ref} {name}: stopped at {page.url} (screenshot {shot})", file=sys.stderr)
        raise
    finally:
        person.close()
    code = (
        "from ontong.complaints.models import Complaint\n"
        f"print(Complaint.objects.filter(receipt_no__in={numbers!r}, state='closed').count())"
    )
    done = version.number(code) if name == "merge" else version.assigned(numbers)
    return {
        "cases": len(numbers) - 1 if name == "merge" else len(numbers),  # merge: one closes
        "done": done,
        "clicks": person.clicks,
        "keys": person.keys,
        "seconds": round(seconds, 1),
    }


JOURNEYS = ["one-by-one", "next-case", "keyboard", "bulk", "merge"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", default="main")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--cases", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    results: dict[str, dict] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for label, ref in (("before", args.before), ("after", args.after)):
            version = Version(ref)
            try:
                results[label] = {
                    name: journey(browser, version, name, args.cases) for name in JOURNEYS
                }
            finally:
                version.stop()
        browser.close()
    print(json.dumps(results, ensure_ascii=False, indent=1))
    print(
        f"\n| 여정 ({args.cases}건) | 전 ({args.before}): 클릭·키·초 | 후 ({args.after}): 클릭·키·초 |"
    )
    print("|---|---|---|")
    for name in JOURNEYS:
        cells = []
        for label in ("before", "after"):
            r = results[label][name]
            if r is None:
                cells.append("—")
            elif "skipped" in r:
                cells.append(r["skipped"])
            else:
                cells.append(
                    f"{r['clicks']}·{r['keys']}·{r['seconds']} s ({r['done']}/{r['cases']} 완료)"
                )
        print(f"| {name} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
