"""결재, 상용구, 내부 메모 and 협조 요청 in Debian's chromium, each page checked with axe-core
(KWCAG 2.2). With ONTONG_SCREENSHOTS=DIR the views of docs/staff.md are saved there."""

import pytest

from ontong.complaints import notices
from ontong.complaints.models import Consultation, Message, Notification, SavedReply
from ontong.complaints.workflow import perform
from ontong.org.models import Department

from .a11y import check_accessibility
from .browser import BROWSER_MARKS, act
from .test_journeys_staff import korean_names, screenshot

pytestmark = BROWSER_MARKS

ANSWER = "패인 곳을 아스팔트로 메웠습니다."


@pytest.fixture
def accessible():
    """check(page, context) runs axe-core now; verify() fails with every page's violations at
    the end, so that one bad page does not hide the later steps (as in test_journeys_staff)."""
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
def in_progress(staff, new_complaint):
    korean_names(*staff.values())
    c = new_complaint(
        "석남동 사거리 신호등 옆 도로가 패였어요",
        kind="건의",
        email="citizen@example.kr",
        name="홍길동",
        contact_consent=True,
    )
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    return perform(c, "start", staff["road"])


def status_path(complaint) -> str:
    url = notices.status_url(complaint)
    return url[url.index("/minwon/") :]


@pytest.mark.django_db(transaction=True)
def test_approval_finds_the_manager_who_returns_then_edits_and_approves(
    open_page, staff, in_progress, accessible
):
    c = in_progress
    officer = open_page(f"/complaints/{c.receipt_no}/", user="road")
    act(officer, "submit", answer=ANSWER)
    assert officer.locator("[data-testid=state]").inner_text() == "결재 대기"

    manager = open_page("/notifications/", user="road_mgr")
    assert (
        f"[결재 요청] 민원 {c.receipt_no}"
        in manager.locator("[data-testid=notifications]").inner_text()
    )
    manager.click("[data-testid=approvals-link]")
    accessible(manager, "결재 대기 목록")
    screenshot(manager, "approvals")
    manager.get_by_role("link", name=c.receipt_no).click()
    panel = manager.locator("[data-testid=approval]")
    assert panel.locator("textarea[name=answer]").input_value() == ANSWER
    assert "결재하고 민원인에게 통보" in panel.inner_text()
    accessible(manager, "결재 화면")
    screenshot(manager, "approval-panel")

    # Return with a reason: the officer is told why.
    panel.locator("textarea[name=reason]").fill("보수한 날짜를 적어 주세요")
    panel.locator("[data-testid=return-draft]").click()
    assert manager.locator("[data-testid=state]").inner_text() == "처리중"
    officer.goto(officer.url.split("/complaints/")[0] + "/notifications/")
    told = officer.locator("[data-testid=notifications]").inner_text()
    assert f"[결재 반려] 민원 {c.receipt_no}" in told and "보수한 날짜를 적어 주세요" in told

    # Submitted again; this time the manager edits the draft and approves in one step.
    officer.goto(officer.url.split("/notifications/")[0] + f"/complaints/{c.receipt_no}/")
    act(officer, "submit", answer=ANSWER)
    manager.reload()
    act(manager, "approve", answer=ANSWER + " (3월 5일)")
    assert manager.locator("[data-testid=state]").inner_text() == "통보완료"
    timeline = manager.locator("[data-testid=timeline]").inner_text()
    assert "결재자가 답변 수정" in timeline and f"고치기 전: {ANSWER}" in timeline
    result = c.messages.get(purpose=Message.Purpose.RESULT)
    assert "(3월 5일)" in result.body
    accessible(manager, "결재·통보 후")
    accessible.verify()


@pytest.mark.django_db(transaction=True)
def test_saved_replies_are_managed_and_inserted_by_keyboard(
    open_page, staff, in_progress, accessible
):
    c = in_progress
    manager = open_page("/saved-replies/", user="road_mgr")
    accessible(manager, "상용구 관리")
    form = manager.locator("[data-testid=saved-reply-form]")
    form.locator("[name=title]").fill("포트홀 보수 안내")
    form.locator("[name=department]").select_option(label="도로과")
    form.locator("[name=body]").fill(
        "{부서} {담당자}입니다. 접수번호 {접수번호} 건은 {처리기한}까지 보수하겠습니다."
    )
    form.locator("button[type=submit]").first.click()
    assert "포트홀 보수 안내" in manager.locator("[data-testid=saved-replies]").inner_text()
    screenshot(manager, "saved-replies")
    SavedReply.objects.create(title="감사 인사", body="알려 주셔서 고맙습니다.")
    SavedReply.objects.create(
        title="교통과 전용", body="신호", department=Department.objects.get(name="교통과")
    )

    officer = open_page(f"/complaints/{c.receipt_no}/", user="road")
    box = officer.locator("details[data-action=reply]")
    box.locator("summary").click()
    reply = box.locator("textarea[name=text]")
    reply.focus()
    officer.keyboard.press("Control+k")
    dialog = officer.locator("#saved-replies")
    dialog.wait_for(state="visible")
    options = dialog.locator("[role=option]")
    options.first.wait_for()
    titles = options.all_inner_texts()
    assert len(titles) == 2 and not any("교통과 전용" in t for t in titles)
    search = dialog.get_by_role("combobox")
    assert search.evaluate("e => e === document.activeElement")
    accessible(officer, "상용구 목록 (열림)")
    screenshot(officer, "saved-reply-dialog")
    search.fill("포트홀")
    officer.wait_for_function(
        "() => document.querySelectorAll('#saved-reply-list [role=option]').length === 1"
    )
    assert "1개" in dialog.locator("[role=status]").inner_text()
    officer.keyboard.press("Enter")
    dialog.wait_for(state="hidden")
    text = reply.input_value()
    assert text.startswith(f"도로과 최도로 주무관입니다. 접수번호 {c.receipt_no} 건은 ")
    assert "{처리기한}" not in text and "까지 보수하겠습니다." in text
    assert reply.evaluate("e => e === document.activeElement")  # focus back in the reply box

    # "/" at the start of an empty line opens it too; Esc closes and gives the focus back.
    reply.fill("")
    officer.keyboard.press("/")
    dialog.wait_for(state="visible")
    officer.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert reply.input_value() == ""
    assert reply.evaluate("e => e === document.activeElement")
    # Typed inside a sentence, "/" is only a slash.
    reply.type("3/5")
    assert reply.input_value() == "3/5" and not dialog.is_visible()
    accessible.verify()


@pytest.mark.django_db(transaction=True)
def test_an_internal_note_is_marked_and_never_reaches_the_citizen(
    open_page, staff, in_progress, accessible, run_tasks
):
    c = in_progress
    note = "같은 민원인이 작년에도 신고함 (내부 참고 4417)"
    officer = open_page(f"/complaints/{c.receipt_no}/", user="road")
    act(officer, "note", text=note)
    entry = officer.locator("[data-testid=timeline] li.note")
    assert note in entry.inner_text()
    assert "민원인에게 보내지 않음" in entry.inner_text()
    assert entry.evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"
    accessible(officer, "내부 메모")
    screenshot(officer, "internal-note")
    assert note not in officer.locator("#thread").inner_text()
    act(officer, "submit", answer=ANSWER)
    manager = open_page(f"/complaints/{c.receipt_no}/", user="road_mgr")
    act(manager, "approve")
    run_tasks()
    assert not [m for m in Message.objects.all() if "4417" in m.body]
    citizen = open_page(status_path(c))
    assert ANSWER in citizen.locator("main").inner_text()
    assert "4417" not in citizen.content() and "내부 메모" not in citizen.content()
    accessible.verify()


@pytest.mark.django_db(transaction=True)
def test_a_consultation_shows_the_other_department_only_that_case(
    open_page, staff, in_progress, new_complaint, accessible
):
    c = in_progress
    other = perform(
        new_complaint("도로과의 다른 민원: 인도 파손"),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="도로과"),
    )
    officer = open_page(f"/complaints/{c.receipt_no}/", user="road")
    act(officer, "consult", consult_department="교통과", text="신호등 이설 계획이 있나요?")
    assert "의견 기다리는 중" in officer.locator("[data-testid=consultations]").inner_text()
    assert c.department.name == "도로과"

    traffic = open_page("/notifications/", user="traffic")
    traffic.get_by_role("link", name=f"[협조 요청] 민원 {c.receipt_no} — 도로과").click()
    card = traffic.locator("[data-testid=consulted]")
    assert "신호등 이설 계획이 있나요?" in card.inner_text()
    assert "홍길동" not in traffic.content()  # masked: not their case
    assert [s.strip() for s in traffic.locator("details.action summary").all_inner_texts()] == [
        "내부 메모"
    ]
    accessible(traffic, "협조 부서가 본 민원")
    screenshot(traffic, "consultation")
    act(traffic, "note", text="내년 3월에 신호등을 옮길 예정입니다.")
    assert traffic.locator("[data-testid=timeline] li.note").count() == 1
    # Only that case: the other 도로과 case is not there for them.
    response = traffic.goto(
        traffic.url.split("/complaints/")[0] + f"/complaints/{other.receipt_no}/"
    )
    assert response.status == 404
    traffic.goto(traffic.url.split("/complaints/")[0] + "/notifications/")
    traffic.click("[data-testid=consultations-link]")
    assert c.receipt_no in traffic.locator("#rows").inner_text()
    assert other.receipt_no not in traffic.locator("#rows").inner_text()
    accessible(traffic, "협조 요청 목록")
    search = open_page("/complaints/", user="traffic")
    listed = search.locator("#rows").inner_text()
    assert c.receipt_no in listed and other.receipt_no not in listed

    request = Consultation.objects.get()
    assert request.answered_by == staff["traffic"]
    assert Notification.objects.filter(kind="consult_answer", user=staff["road"]).exists()
    manager = open_page(f"/complaints/{c.receipt_no}/access-log/", user="road_mgr")
    log = manager.locator("main").inner_text()
    assert "협조 부서 열람" in log or "협조 요청으로 열람" in log
    accessible(manager, "개인정보 열람 기록 (협조 부서)")
    accessible.verify()
