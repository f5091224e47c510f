"""The 접수함 poll adds new rows without redrawing the others (issue 13 item 6)."""

import re
from contextlib import contextmanager

import pytest
from django.contrib.sessions.models import Session
from django.db.models.signals import post_init
from playwright.sync_api import expect

from ontong.complaints.models import Complaint, Message
from ontong.complaints.workflow import perform
from ontong.org.models import Department
from ontong.web import inbox
from ontong.web.poll import row_version

from .browser import BROWSER_MARKS
from .test_staff_layout import shot

POLL = {"HX-Request": "true", "HX-Trigger": "poll"}


def shown(*complaints, user=None):
    """The rows as the page drew them: with the viewer's unread mark when a viewer is given (the
    inbox views draw it), otherwise as a plain list does."""
    if user is not None:
        marked = {c.pk: c for c in inbox.cases(user, inbox.BY_KEY["all"])}
        complaints = tuple(marked.get(c.pk, c) for c in complaints)
    return {"shown": [f"{c.receipt_no}@{row_version(c)}" for c in complaints]}


@contextmanager
def cases_read():
    """The receipt numbers of the complaints read whole (as model objects) inside the block."""
    loaded: list[str] = []

    def remember(sender, instance, **kwargs):
        loaded.append(instance.receipt_no)

    post_init.connect(remember, sender=Complaint)
    try:
        yield loaded
    finally:
        post_init.disconnect(remember, sender=Complaint)


@pytest.mark.django_db
def test_the_poll_answers_only_the_difference(client, staff, new_complaint):
    old = new_complaint("읍내동 가로등이 꺼졌어요.")
    client.force_login(staff["triage"])
    page = client.get("/inbox/").content.decode()
    assert 'id="poll"' in page and 'hx-trigger="every 3s"' in page and 'role="status"' in page
    assert client.get("/inbox/", shown(old, user=staff["triage"]), headers=POLL).status_code == 204

    new = new_complaint("동문동 쓰레기가 쌓였어요.")
    answer = client.get("/inbox/", shown(old, user=staff["triage"]), headers=POLL).content.decode()
    assert '<tbody hx-swap-oob="afterbegin:#rows">' in answer
    assert new.receipt_no in answer and old.receipt_no not in answer
    assert "새 민원" in answer and "새 민원 1건이 들어왔습니다" in answer

    perform(old, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    answer = client.get(
        "/inbox/", shown(old, new, user=staff["triage"]), headers=POLL
    ).content.decode()
    assert f'<tr id="row-{old.receipt_no}" hx-swap-oob="delete">' in answer
    assert new.receipt_no not in answer


@pytest.mark.django_db
def test_a_row_whose_case_changed_is_redrawn_in_place(client, staff, new_complaint):
    road = Department.objects.get(name="도로과")
    case = perform(new_complaint("가로등이 꺼졌어요."), "assign", staff["triage"], department=road)
    other = perform(new_complaint("포트홀이 생겼어요."), "assign", staff["triage"], department=road)
    client.force_login(staff["road"])
    before = shown(case, other, user=staff["road"])
    perform(case, "start", staff["road"])
    answer = client.get("/queue/", before, headers=POLL).content.decode()
    assert f'<tr id="row-{case.receipt_no}"' in answer and 'hx-swap-oob="true"' in answer
    assert "처리중" in answer and other.receipt_no not in answer
    assert "새 민원" not in answer


@pytest.mark.django_db
def test_the_poll_reads_no_case_whole_and_draws_new_and_changed_rows(client, staff, new_complaint):
    """In a burst the page already shows most rows: those are compared by version; new and changed
    rows are drawn from what the poll read of them (rows.SHOWN), no case is loaded."""
    road = Department.objects.get(name="도로과")
    listed = [new_complaint(f"{i}번 가로등이 꺼졌어요.") for i in range(8)]
    client.force_login(staff["triage"])
    before = shown(*listed, user=staff["triage"])
    new = new_complaint("동문동 쓰레기가 쌓였어요.")
    changed = listed[3]
    changed.title = "3번 가로등 (제목 고침)"
    changed.save()
    perform(listed[5], "assign", staff["triage"], department=road)
    with cases_read() as loaded:
        answer = client.get("/inbox/", before, headers=POLL).content.decode()
    assert loaded == []
    assert '<tbody hx-swap-oob="afterbegin:#rows">' in answer and new.receipt_no in answer
    assert f'<tr id="row-{changed.receipt_no}"' in answer and "제목 고침" in answer
    assert f'<tr id="row-{listed[5].receipt_no}" hx-swap-oob="delete">' in answer
    assert listed[0].receipt_no not in answer


@pytest.mark.django_db
def test_new_rows_one_colleague_polled_are_not_read_whole_again(client, staff, new_complaint):
    """The whole 접수 team polls the same new rows: the process draws them once."""
    old = new_complaint("읍내동 가로등이 꺼졌어요.")
    before = shown(old, user=staff["triage"])
    new = [new_complaint(f"{i}번 쓰레기가 쌓였어요.") for i in range(3)]
    client.force_login(staff["triage"])
    first = client.get("/inbox/", before, headers=POLL).content.decode()
    with cases_read() as loaded:
        again = client.get("/inbox/", before, headers=POLL).content.decode()
    assert loaded == []
    assert all(c.receipt_no in again for c in new)
    assert again.split("<tbody")[1] == first.split("<tbody")[1]


@pytest.mark.django_db
def test_the_poll_ignores_junk_rows(client, staff, new_complaint):
    c = new_complaint()
    client.force_login(staff["triage"])
    junk = {"shown": ["<script>", "2026-1@", "x" * 5000, f"{c.receipt_no}@{row_version(c)}"] * 40}
    response = client.get("/inbox/", junk, headers=POLL)
    assert response.status_code in {200, 204}
    assert "<script>" not in response.content.decode()


def in_chromium(test):
    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@in_chromium
@pytest.mark.django_db(transaction=True)
def test_a_new_complaint_keeps_focus_and_is_marked(open_page, staff, new_complaint, tmp_path):
    first = new_complaint("읍내동 가로등이 꺼졌어요.")
    inbox = open_page("/inbox/", user="triage")
    link = inbox.locator(f"tr[data-receipt='{first.receipt_no}'] a")
    link.focus()
    assert inbox.evaluate("document.activeElement.textContent") == first.receipt_no

    second = new_complaint("동문동 쓰레기가 쌓였어요.")
    row = inbox.locator(f"tr[data-receipt='{second.receipt_no}']")
    row.wait_for(timeout=10_000)
    inbox.wait_for_timeout(3_500)  # one more poll: nothing changes
    assert inbox.evaluate("document.activeElement.textContent") == first.receipt_no
    assert row.locator("[data-testid=new-mark]").inner_text() == "새 민원"
    assert re.search("새 민원 1건이 들어왔습니다", inbox.locator("#poll-status").inner_text())
    assert inbox.locator("tbody#rows tr").count() == 2
    assert inbox.locator("#list-count").inner_text() == "2건"
    assert inbox.locator("tbody#rows tr").first.get_attribute("data-receipt") == second.receipt_no
    shot(inbox, "inbox-new-row", tmp_path)


@pytest.mark.django_db
def test_every_answer_carries_the_list_count(client, staff, new_complaint):
    """A count read a moment before a case came in is mended by the next answer, even one that
    brings no new row (here only the tabs moved: the person opened a case elsewhere)."""
    case = new_complaint("읍내동 가로등이 꺼졌어요.")
    Message.objects.create(complaint=case, direction="in", channel="web", body="언제요?")
    client.force_login(staff["triage"])
    page = client.get("/queue/", {"view": "unassigned"})
    sent = {
        "view": "unassigned",
        "since": page.context["token"],
        **shown(case, user=staff["triage"]),
    }
    client.get(f"/complaints/{case.receipt_no}/")  # read: the unread marks move
    answer = client.get("/queue/", sent, headers=POLL).content.decode()
    assert re.search(r'<span id="list-count" hx-swap-oob="innerHTML">1건</span>', answer)


@in_chromium
@pytest.mark.django_db(transaction=True)
def test_a_redrawn_row_keeps_its_tick_and_focus(open_page, staff, new_complaint):
    ticked, other = new_complaint("읍내동 가로등이 꺼졌어요."), new_complaint("포트홀이 생겼어요.")
    inbox = open_page("/inbox/", user="triage")
    for case in (ticked, other):
        inbox.locator(f"tr[data-receipt='{case.receipt_no}'] input[name=selected]").check()
    box = inbox.locator(f"tr[data-receipt='{ticked.receipt_no}'] input[name=selected]")
    box.focus()
    assert inbox.locator("#bulk-count").inner_text() == "(2건 고름)"
    ticked.title = "읍내동 가로등 (제목 고침)"
    ticked.save()
    expect(inbox.locator(f"tr[data-receipt='{ticked.receipt_no}']")).to_contain_text(
        "제목 고침", timeout=10_000
    )
    assert box.is_checked()
    assert inbox.evaluate("document.activeElement.value") == ticked.receipt_no
    assert inbox.locator("#bulk-count").inner_text() == "(2건 고름)"
    assert inbox.locator("#select-all").is_checked()  # every row is ticked
    new_complaint("동문동 쓰레기가 쌓였어요.")
    expect(inbox.locator("tbody#rows tr")).to_have_count(3, timeout=10_000)
    assert not inbox.locator("#select-all").is_checked()  # a new, unticked row: not all


@in_chromium
@pytest.mark.django_db(transaction=True)
def test_a_page_whose_session_ended_says_so_and_stops_polling(open_page, staff, new_complaint):
    new_complaint("읍내동 가로등이 꺼졌어요.")
    inbox = open_page("/inbox/", user="triage")
    Session.objects.all().delete()  # signed out elsewhere, or the session ended
    expect(inbox.locator("#poll-status")).to_contain_text("로그인이 끝나 이 목록은", timeout=10_000)
    assert inbox.locator("#poll").count() == 0
    assert inbox.locator("tbody#rows tr").count() == 1  # the list stays as it was
