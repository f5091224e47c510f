"""The legal clock in Debian's chromium: an overdue case is overdue for the officer, their
manager and 민원총괄 (board, row highlight, reminder); an extension moves the due time and the
citizen is told."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from ontong.complaints import reminders
from ontong.complaints.models import Complaint, Message
from ontong.complaints.workflow import perform
from ontong.org.models import Department

from .browser import BROWSER_MARKS, act

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_overdue_for_everyone_responsible_and_an_extension_tells_the_citizen(
    open_page, staff, new_complaint, run_tasks
):
    complaint = new_complaint(
        "해미읍성 앞 보도블록이 깨졌어요",
        kind="건의",
        email="citizen@example.kr",
        contact_consent=True,
        received_at=timezone.now() - dt.timedelta(days=30),
    )
    complaint = perform(
        complaint,
        "assign",
        staff["triage"],
        department=Department.objects.get(name="도로과"),
        assignee=staff["road"].pk,
    )
    complaint = perform(complaint, "start", staff["road"])
    overdue_since = timezone.now() - dt.timedelta(days=2)
    Complaint.objects.filter(pk=complaint.pk).update(due_at=overdue_since)
    assert reminders.send_due_reminders() == 1
    other = perform(
        new_complaint("버스 정류장 의자 파손"),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="교통과"),
    )

    for user in ("road", "road_mgr", "admin"):
        board = open_page("/overdue/", user=user)
        row = board.locator(f"tr[data-receipt='{complaint.receipt_no}']")
        assert "overdue" in row.get_attribute("class")
        assert "기한 경과 2일" in row.inner_text()
        assert "도로과 1" in board.locator("[data-testid=overdue-counts]").inner_text()
        assert board.locator("[data-testid=unread-count]").inner_text() == "1"
        board.click("[data-testid=notifications-link]")
        assert (
            f"[기한 경과] 민원 {complaint.receipt_no}"
            in board.locator("[data-testid=notifications]").inner_text()
        )
    # Another department's officer sees neither the case nor the reminder.
    traffic = open_page("/overdue/", user="traffic")
    assert complaint.receipt_no not in traffic.content()
    assert other.receipt_no not in traffic.content()  # not overdue

    officer = open_page(f"/complaints/{complaint.receipt_no}/", user="road")
    new_due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    act(officer, "extend", new_due=new_due, reason="현장 자재 수급에 시간이 걸립니다")
    assert "처리했습니다" in officer.locator(".messages").inner_text()
    complaint.refresh_from_db()
    assert complaint.due_at.date() == dt.date.fromisoformat(new_due)
    assert complaint.extensions == 1
    notice = complaint.messages.get(purpose=Message.Purpose.EXTENSION)
    assert "현장 자재 수급" in notice.body
    assert notice.body in officer.locator("#thread").inner_text()
    run_tasks()
    notice.refresh_from_db()
    assert notice.delivery == Message.Delivery.SENT
    told = [m for m in mail.outbox if "처리기간을 연장합니다" in m.body]
    assert len(told) == 1 and told[0].to == ["citizen@example.kr"]
    assert "현장 자재 수급" in told[0].body

    board = open_page("/overdue/", user="admin")
    assert complaint.receipt_no not in board.locator("table").inner_text()
    # The new due time brings a new round of reminders, not a repeat of the old one.
    reminders.send_due_reminders(now=complaint.due_at + dt.timedelta(minutes=1))
    assert list(complaint.reminders.order_by("pk").values_list("stage", "due_at")) == [
        ("overdue", overdue_since),
        ("overdue", complaint.due_at),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_report_page_draws_its_charts(open_page, staff, new_complaint):
    for body, name in [("도로 파손", "도로과"), ("포트홀", "도로과"), ("버스 노선", "교통과")]:
        perform(
            new_complaint(body),
            "assign",
            staff["triage"],
            department=Department.objects.get(name=name),
        )
    page = open_page("/reports/", user="admin")
    drawn = page.evaluate(
        "() => { const c = Chart.getChart(document.getElementById('by-department'));"
        " return [c.data.labels, c.data.datasets[0].data]; }"
    )
    assert drawn == [["도로과", "교통과"], [2, 1]]
    assert (
        page.evaluate(
            "() => Chart.getChart(document.getElementById('by-month')).data.datasets.length"
        )
        == 2
    )
