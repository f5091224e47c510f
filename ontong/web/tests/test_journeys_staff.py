"""The staff journeys in Debian's chromium, one per role, asserting on what each person sees:
접수담당 (a new case arrives without reload, assigned from the suggestion, by keyboard too);
담당자 → 관리자 결재 → 통보 (the citizen's status page and Messenger show the answer);
민원총괄 (통계, 기한 경과, 관리 화면); 홍보 (photos → review → approve → schedule → published →
calendar → dashboard). Every page they visit is checked with axe-core (KWCAG 2.2), and each
role's menu offers only pages that role can open.

With ONTONG_SCREENSHOTS=DIR each role's main page is saved there at 1280 px."""

import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from PIL import Image

from ontong.channels.meta.models import MetaAccount
from ontong.complaints import notices
from ontong.complaints.models import Complaint, Message
from ontong.complaints.workflow import perform
from ontong.devtools.meta_emulator import Emulator
from ontong.org.models import Department, Role

from .a11y import check_accessibility
from .browser import BROWSER_MARKS, act

pytestmark = BROWSER_MARKS

PAGE_ID, IG_ID, SECRET, TOKEN = "300000000000001", "17841400000000999", "journey-secret", "jt"
# What a person must never read in a timeline: an internal event code instead of Korean words.
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)*\b")


@pytest.fixture
def accessible():
    """check(page, context) runs axe-core on the page as it is now; the violations of every page
    are gathered so that one bad page does not hide the journey's later steps, and verify()
    fails with all of them."""
    problems: list[str] = []

    def check(page, context: str) -> None:
        try:
            check_accessibility(page, context)
        except AssertionError as error:
            problems.append(f"{context} ({page.url}): {error}")

    def verify() -> None:
        assert not problems, "\n\n".join(problems)

    check.verify = verify
    return check


@pytest.fixture
def emulator(live_server):
    emu = Emulator(
        page_id=PAGE_ID,
        app_secret=SECRET,
        token=TOKEN,
        instagram_id=IG_ID,
        webhook_url=live_server.url + "/webhooks/meta/",
    ).start()
    yield emu
    emu.stop()


@pytest.fixture
def meta_accounts(city, emulator, settings):
    settings.ONTONG_GRAPH_TIMEOUT = 2
    settings.ONTONG_MEDIA_HOSTS = [*settings.ONTONG_MEDIA_HOSTS, "127.0.0.1"]
    graph = f"{emulator.base_url}/v25.0"
    page = MetaAccount.objects.create(
        kind="page",
        external_id=PAGE_ID,
        name="서산시",
        app_secret=SECRET,
        verify_token="verify-me",
        page_token=TOKEN,
        graph_url=graph,
    )
    ig = MetaAccount.objects.create(
        kind="instagram",
        external_id=IG_ID,
        name="서산시 인스타",
        app_secret=SECRET,
        page_token=TOKEN,
        graph_url=graph,
    )
    return {"page": page, "ig": ig}


NAMES = {
    "triage": ("박", "접수"),
    "admin": ("정", "총괄"),
    "pr": ("윤", "홍보"),
    "pr_lead": ("서", "팀장"),
    "road": ("최", "도로"),
    "road_mgr": ("한", "과장"),
}


def korean_names(*users):
    """Officials with Korean names (성 in last_name, 이름 in first_name), so that what a page
    shows of them is Korean text too."""
    for user in users:
        if user.username in NAMES:
            user.last_name, user.first_name = NAMES[user.username]
            user.save()


def screenshot(page, name: str) -> None:
    folder = os.environ.get("ONTONG_SCREENSHOTS")
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(path / f"staff-{name}.png"), full_page=True)


def is_focused(locator) -> bool:
    return locator.evaluate("e => e === document.activeElement")


def tab_to(page, locator, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if is_focused(locator):
            return
    raise AssertionError(f"Tab never reached {locator}")


def assert_timeline_in_korean(timeline) -> None:
    words = RAW_CODE.findall(timeline.inner_text())
    assert words == [], f"raw event codes in the timeline: {words}"


def photo(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_triage_sees_a_new_case_arrive_and_assigns_it_from_the_suggestion(
    open_page, staff, accessible
):
    korean_names(*staff.values())
    inbox = open_page("/inbox/", user="triage")
    accessible(inbox, "접수함 (빈)")

    citizen = open_page("/minwon/")
    citizen.fill("#id_body", "해미읍성 앞 보도블록이 깨져서 걸려 넘어질 뻔했어요")
    citizen.select_option("#id_area", label="해미면")
    citizen.click("#intake-submit", timeout=30_000)  # the first analysis is slow on a busy machine
    receipt_no = citizen.locator("[data-testid=receipt-no]").inner_text()

    # It appears in the open 접수함 without a reload.
    row = inbox.locator(f"tr[data-receipt='{receipt_no}']")
    row.wait_for(timeout=8_000)
    assert "새 민원" in row.inner_text(), "a row that arrived by the poll is not marked as new"
    assert "미배정" in row.inner_text() or "—" in row.inner_text()
    accessible(inbox, "접수함 (새 민원)")
    screenshot(inbox, "triage-inbox")

    # By keyboard: Tab reaches the row's link, the next poll keeps the focus there, Enter opens.
    link = row.get_by_role("link", name=receipt_no)
    tab_to(inbox, link)
    inbox.wait_for_timeout(3_500)  # one poll of the 접수함 (every 3 s)
    assert is_focused(link), "the 접수함 poll took the keyboard focus away from the row link"
    inbox.keyboard.press("Enter")
    inbox.wait_for_url(f"**/complaints/{receipt_no}/**")  # ?view= follows the row
    accessible(inbox, "민원 화면 (접수담당)")

    # The suggested department with its evidence; one action assigns it.
    suggestion = inbox.locator("[data-testid=suggestions] li").first
    assert "도로과" in suggestion.inner_text()
    assert "보도블록" in suggestion.inner_text()  # the evidence: why 도로과
    suggestion.locator("[data-testid=assign-suggested]").click()
    assert "'배정' 처리했습니다" in inbox.locator(".messages").inner_text()
    assert inbox.locator("[data-testid=department]").inner_text().endswith("도로과")
    assert inbox.locator("[data-testid=state]").inner_text() == "배정"
    accessible(inbox, "민원 화면 (배정 후)")

    # It has left 미배정: the 접수함 no longer lists it.
    inbox.get_by_role("link", name="접수함", exact=True).click()
    assert inbox.locator(f"tr[data-receipt='{receipt_no}']").count() == 0
    accessible.verify()


@pytest.mark.django_db(transaction=True)
def test_officer_answers_manager_approves_and_the_citizen_reads_it(
    open_page, staff, meta_accounts, emulator, run_tasks, accessible
):
    korean_names(*staff.values())
    sim = open_page("/", base_url=emulator.base_url)
    sim.fill("#text", "석남동 초등학교 앞 도로가 움푹 패였어요")
    sim.click("button.send")
    sim.wait_for_timeout(500)
    run_tasks()
    complaint = Complaint.objects.get()
    sim.locator(f"text=접수번호: {complaint.receipt_no}").wait_for()
    perform(complaint, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    status_path = notices.status_url(complaint).split("127.0.0.1:8000", 1)[-1]
    status_path = status_path[status_path.index("/minwon/") :]

    officer = open_page("/queue/", user="road")
    accessible(officer, "부서함 (담당자)")
    screenshot(officer, "officer-queue")
    officer.get_by_role("link", name=complaint.receipt_no).click()
    act(officer, "start")
    assert officer.locator("[data-testid=state]").inner_text() == "처리중"
    answer = "패인 곳을 아스팔트로 메웠습니다. 알려 주셔서 고맙습니다."
    act(officer, "submit", answer=answer)
    assert officer.locator("[data-testid=state]").inner_text() == "결재 대기"
    assert answer in officer.locator("[data-testid=answer]").inner_text()
    accessible(officer, "민원 화면 (결재 요청 후)")

    # While the answer waits, the citizen reads that it is being reviewed, never the internal 결재.
    citizen = open_page(status_path)
    assert "답변 검토 중" in citizen.locator("[data-testid=state]").inner_text()
    assert "결재" not in citizen.locator("main").inner_text()

    # The request found the manager: a notification and the 결재 대기 list.
    manager = open_page("/queue/", user="road_mgr")
    accessible(manager, "부서함 (관리자)")
    screenshot(manager, "manager-queue")
    assert manager.locator("[data-testid=pending-approvals]").inner_text() == "1"
    manager.click("[data-testid=approvals-link]")
    accessible(manager, "결재 대기")
    manager.get_by_role("link", name=complaint.receipt_no).click()
    assert answer in manager.locator("[data-testid=approval] textarea[name=answer]").input_value()
    act(manager, "approve")  # 결재 후 바로 통보 (the city's default): one step
    assert manager.locator("[data-testid=state]").inner_text() == "통보완료"
    assert_timeline_in_korean(manager.locator("[data-testid=timeline]"))
    accessible(manager, "민원 화면 (통보 후)")
    run_tasks()
    result = complaint.messages.get(purpose=Message.Purpose.RESULT)
    assert result.delivery == Message.Delivery.SENT

    # Messenger: the citizen reads the answer, signed with the officer's name in Korean order.
    sim.locator("text=패인 곳을 아스팔트로 메웠습니다").wait_for(timeout=8_000)
    told = sim.locator("body").inner_text()
    assert "최도로" in told, "the officer's name is not in Korean order (성명) in the result"
    assert "도로 최" not in told

    # The status page: the answer in plain words, the state a citizen understands.
    citizen.reload()
    assert answer in citizen.locator("[data-testid=answer]").inner_text()
    assert "완료" in citizen.locator("[data-testid=state]").inner_text()
    assert "도로과" in citizen.locator("main").inner_text()
    assert "결재" not in citizen.locator("main").inner_text()
    accessible(citizen, "처리 현황 (시민)")
    accessible.verify()


@pytest.mark.django_db(transaction=True)
def test_admin_reads_reports_overdue_and_manages_departments(
    open_page, staff, new_complaint, accessible
):
    korean_names(*staff.values())
    admin = staff["admin"]
    admin.is_staff = admin.is_superuser = True  # as the demo's 민원총괄
    admin.save()
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    for body, name in [("도로 파손", "도로과"), ("포트홀", "도로과"), ("버스 노선", "교통과")]:
        perform(
            new_complaint(body, received_at=ten_days_ago),
            "assign",
            staff["triage"],
            department=Department.objects.get(name=name),
        )
    late = Complaint.objects.get(body="포트홀")
    Complaint.objects.exclude(pk=late.pk).update(due_at=timezone.now() + dt.timedelta(days=5))
    Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=3))

    # 통계: the last 30 days by default, charts drawn, the department column readable.
    reports = open_page("/reports/", user="admin")
    today = timezone.localdate()
    start = dt.date.fromisoformat(reports.locator("input[name=start]").input_value())
    assert reports.locator("input[name=end]").input_value() == today.isoformat()
    assert (today - start).days in {29, 30}, f"reports open on {start}, not the last 30 days"
    assert reports.locator("canvas#by-department").count() == 1
    assert reports.locator("canvas#by-month").count() == 1
    drawn = reports.evaluate(
        "() => Chart.getChart(document.getElementById('by-department')).data.labels"
    )
    assert sorted(drawn) == ["교통과", "도로과"]
    table = reports.locator("[data-testid=report-table]")
    assert [h.strip() for h in table.locator("thead th").all_inner_texts()][0] != ""
    cell = table.locator("tbody td", has_text="도로과").first
    assert cell.inner_text() == "도로과"
    lines = cell.evaluate(
        "td => { const r = document.createRange(); r.selectNodeContents(td);"
        " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
    )
    assert lines == 1, f"the department name is broken over {lines} lines"
    accessible(reports, "통계")
    screenshot(reports, "admin-reports")

    # 기한 경과.
    overdue = open_page("/overdue/", user="admin")
    row = overdue.locator(f"tr[data-receipt='{late.receipt_no}']")
    assert "기한 경과 3일" in row.inner_text()
    assert "도로과 1" in overdue.locator("[data-testid=overdue-counts]").inner_text()
    accessible(overdue, "기한 경과")

    # 관리 화면: answers, in Korean.
    site = open_page("/admin/", user="admin")
    assert site.locator("html").get_attribute("lang") == "ko"
    assert "사이트 관리" in site.locator("body").inner_text()
    accessible(site, "관리 화면 첫 페이지")
    site.get_by_role("link", name="부서", exact=True).first.click()
    assert "도로과" in site.locator("#result_list").inner_text()
    accessible(site, "관리: 부서 목록")
    site.get_by_role("link", name="도로과", exact=True).click()
    assert "부서 변경" in site.locator("h1").inner_text() or "변경" in site.title()
    assert "부서명" in site.locator("#department_form").inner_text()
    accessible(site, "관리: 부서 변경")
    site.fill("input[name=phone]", "041-660-2000")
    site.locator("input[name=_save]").click()
    assert "변경" in site.locator(".messagelist").inner_text()
    assert Department.objects.get(name="도로과").phone == "041-660-2000"
    accessible.verify()


@pytest.mark.django_db(transaction=True)
def test_pr_posts_photos_through_review_to_the_calendar_and_dashboard(
    open_page, staff, make_user, meta_accounts, emulator, run_tasks, accessible, monkeypatch
):
    from ontong.publishing import insights, services
    from ontong.publishing.models import Post

    monkeypatch.setattr(services, "CONTAINER_POLL_SECONDS", 0)
    lead = make_user("pr_lead", Role.PR, department="공보담당관")
    lead.user_permissions.add(Permission.objects.get(codename="approve_post"))
    korean_names(lead, *staff.values())

    desk = open_page("/", user="pr")
    assert desk.url.endswith("/publishing/")
    accessible(desk, "SNS 게시 일정표")
    screenshot(desk, "pr-desk")

    writer = open_page("/publishing/posts/new/", user="pr")
    accessible(writer, "게시물 작성")
    writer.fill("#id_title", "서산 해미읍성 축제")
    writer.fill("#id_text", "해미읍성 축제에 오세요. 사진으로 미리 만나 보세요 🏯")
    writer.fill("#id_hashtags", "서산 해미읍성")
    planned = timezone.localtime() + dt.timedelta(hours=3)
    writer.fill("#id_planned_at", planned.strftime("%Y-%m-%dT%H:%M"))
    for account in meta_accounts.values():
        writer.check(f"input[name=accounts][value='{account.pk}']")
    writer.set_input_files(
        "input[name=images]",
        files=[
            {"name": "gate.png", "mimeType": "image/png", "buffer": photo((30, 120, 200))},
            {"name": "wall.png", "mimeType": "image/png", "buffer": photo((200, 120, 30))},
        ],
    )
    alts = writer.locator("input[name=new_alt]")  # alt text is required before review
    alts.nth(0).fill("해미읍성 정문 진남문")
    alts.nth(1).fill("해미읍성 성벽과 소나무")
    writer.click("#save-post")
    assert writer.locator("[data-testid=post-state]").inner_text() == "초안"
    assert "사진 2장" in writer.locator("[data-testid=preview-facebook]").inner_text()
    accessible(writer, "게시물 (초안)")
    writer.locator("form[data-action=submit] button[type=submit]").click()
    assert writer.locator("[data-testid=post-state]").inner_text() == "검토 중"
    assert writer.locator("form[data-action=approve]").count() == 0  # no approval right

    post = Post.objects.get(title="서산 해미읍성 축제")
    reviewer = open_page(f"/publishing/posts/{post.pk}/", user="pr_lead")
    accessible(reviewer, "게시물 (검토 중)")
    reviewer.locator("form[data-action=approve] button[type=submit]").click()
    assert reviewer.locator("[data-testid=post-state]").inner_text() == "승인됨"

    writer.reload()
    writer.locator("form[data-action=schedule] button[type=submit]").click()
    assert writer.locator("[data-testid=post-state]").inner_text() == "예약됨"

    # The planned time comes; the worker publishes it to the Graph API (the emulator).
    Post.objects.filter(pk=post.pk).update(planned_at=timezone.now() - dt.timedelta(seconds=1))
    services.publish_due()
    run_tasks()
    published = [p for node in emulator.posts.values() for p in node]
    assert any("해미읍성 축제에 오세요" in str(p) for p in published), published
    writer.reload()
    assert writer.locator("[data-testid=post-state]").inner_text() == "게시됨"
    assert writer.locator("[data-testid=target-state]").all_inner_texts() == ["게시됨", "게시됨"]
    assert_timeline_in_korean(writer.locator("[data-testid=post-events]"))
    accessible(writer, "게시물 (게시됨)")

    post.refresh_from_db()
    month = timezone.localtime(post.planned_at)
    calendar = open_page(f"/publishing/?month={month:%Y-%m}", user="pr")
    chip = calendar.locator(f"[data-post='{post.pk}']")
    assert "서산 해미읍성 축제" in chip.inner_text() and "게시됨" in chip.inner_text()
    accessible(calendar, "SNS 게시 일정표 (게시 후)")

    insights.collect_insights()
    dashboard = open_page("/publishing/dashboard/", user="pr")
    assert "서산 해미읍성 축제" in dashboard.locator("[data-testid=top-posts]").inner_text()
    assert dashboard.locator("canvas#followers-chart").count() == 1
    accessible(dashboard, "SNS 통계")
    accessible.verify()


MAIN_PAGE = {
    "triage": "/inbox/",
    "road": "/queue/",
    "road_mgr": "/queue/",
    "admin": "/inbox/",
    "pr": "/publishing/",
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("username", list(MAIN_PAGE))
def test_each_roles_menu_offers_only_pages_it_can_open(
    open_page, live_server, staff, username, accessible
):
    korean_names(*staff.values())
    if username == "admin":
        staff["admin"].is_staff = staff["admin"].is_superuser = True
        staff["admin"].save()
    home = open_page("/", user=username)
    assert home.url.endswith(MAIN_PAGE[username])
    family, given = NAMES[username]
    assert family + given in home.locator("header.top").inner_text(), "name not in 성명 order"
    menu = home.locator("header.top a[href]")
    links = {a.get_attribute("href"): a.inner_text().strip() for a in menu.all()}
    assert links, "no menu"
    refused = {}
    for href, label in links.items():
        response = home.request.get(live_server.url + href)
        if response.status != 200:
            refused[label] = response.status
    assert refused == {}, f"{username}'s menu offers pages it cannot open: {refused}"
    # Each link, clicked, opens a page that answers (not the technical 404).
    for href, label in links.items():
        home.goto(live_server.url + MAIN_PAGE[username])
        home.locator(f"header.top a[href='{href}']").first.click()
        assert "Page not found" not in home.content()
        accessible(home, f"{username}: {label}")
    accessible.verify()
