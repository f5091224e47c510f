"""Issue journey in chromium: the citizen simulator → 접수함 → 배정 → 답변 → answer in the simulator;
then a result notice after the window closed goes to the consented e-mail, and one with no
fallback is flagged 통보 대기 in the workspace."""

import datetime as dt

import pytest
from django.utils import timezone

from ontong.complaints.models import ChannelIdentity, Complaint
from ontong.web.tests.browser import BROWSER_MARKS, act

pytestmark = BROWSER_MARKS


def simulator_says(sim, text, run_tasks, quick=None):
    if quick:
        sim.click(f"#qr button:has-text('{quick}')")
    else:
        sim.fill("#text", text)
        sim.click("button.send")
    sim.wait_for_timeout(500)
    run_tasks()


def answer_through_the_workspace(open_page, receipt_no, answer):
    officer = open_page(f"/complaints/{receipt_no}/", user="road")
    act(officer, "start")
    act(officer, "submit", answer=answer)
    manager = open_page(f"/complaints/{receipt_no}/", user="road_mgr")
    act(manager, "approve")  # 결재 후 바로 통보 (the city's default)
    return manager


def close_window(complaint, emulator):
    ChannelIdentity.objects.filter(pk=complaint.identity_id).update(
        last_inbound_at=timezone.now() - dt.timedelta(hours=30)
    )
    emulator.age(complaint.identity.external_user_id, 30)


@pytest.mark.django_db(transaction=True)
def test_simulator_to_answer_then_fallbacks(
    open_page, staff, live_emulator, run_tasks, mailoutbox, monkeypatch
):
    from ontong.complaints import services

    inbox = open_page("/inbox/", user="triage")
    sim = open_page("/", base_url=live_emulator.base_url)
    simulator_says(sim, "석남동 초등학교 앞 가로등이 꺼졌어요", run_tasks)
    complaint = Complaint.objects.get()
    sim.locator(f"text=접수번호: {complaint.receipt_no}").wait_for()

    inbox.locator(f"tr[data-receipt='{complaint.receipt_no}']").wait_for(timeout=8_000)
    inbox.click(f"text={complaint.receipt_no}")
    act(inbox, "assign", department="도로과")
    answer_through_the_workspace(
        open_page, complaint.receipt_no, "가로등 전구를 갈았습니다. 감사합니다."
    )
    run_tasks()
    sim.locator("text=가로등 전구를 갈았습니다").wait_for(timeout=8_000)

    # Cases that will outlast the 24 h window: the citizen is asked for a fallback contact.
    monkeypatch.setattr(
        services.deadlines, "due_at", lambda *args, **kwargs: timezone.now() + dt.timedelta(days=5)
    )
    emailer = open_page("/", base_url=live_emulator.base_url)
    simulator_says(emailer, "공원 그네 줄이 끊어졌어요", run_tasks)
    emailer.locator("#qr button:has-text('이메일로 받기')").wait_for()
    simulator_says(emailer, "", run_tasks, quick="이메일로 받기")
    simulator_says(emailer, "citizen@example.kr", run_tasks)
    silent = open_page("/", base_url=live_emulator.base_url)
    simulator_says(silent, "버스 정류장 의자가 부서졌어요", run_tasks)
    silent.locator("#qr button:has-text('메신저로 충분해요')").wait_for()
    simulator_says(silent, "", run_tasks, quick="메신저로 충분해요")

    for complaint in Complaint.objects.exclude(state="notified"):
        from ontong.complaints.workflow import perform
        from ontong.org.models import Department

        perform(
            complaint, "assign", staff["triage"], department=Department.objects.get(name="도로과")
        )
        close_window(complaint, live_emulator)
        answer_through_the_workspace(
            open_page, complaint.receipt_no, f"{complaint.receipt_no} 처리했습니다."
        )
    run_tasks()

    emailed = Complaint.objects.get(citizen__email="citizen@example.kr")
    assert any(emailed.receipt_no in m.body for m in mailoutbox)
    assert emailed.messages.get(purpose="result").route == "email"
    held = Complaint.objects.get(body__contains="버스")
    assert held.messages.get(purpose="result").delivery == "held"
    page = open_page(f"/complaints/{held.receipt_no}/", user="triage")
    assert "통보 대기: 직접 연락 필요" in page.content()
