"""결재 finds the manager: the request notifies the approver (in-app and by e-mail), a return
notifies the officer with the reason, the approver's edit is kept in the timeline, and the city's
"결재 후 바로 통보" makes approval and the citizen's notice one step."""

import pytest
from django.core import mail

from ontong.complaints import approval
from ontong.complaints.models import ApprovalOption, Message, Notification, State
from ontong.complaints.workflow import WorkflowError, approve_draft, perform
from ontong.org.models import Department, Role


@pytest.fixture
def drafted(staff, new_complaint):
    """A 도로과 case whose answer the officer has sent for 결재."""
    c = new_complaint(
        "석남동 도로가 패였어요", email="citizen@example.kr", name="홍길동", contact_consent=True
    )
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    c = perform(c, "start", staff["road"])
    return perform(c, "submit", staff["road"], answer="패인 곳을 메웠습니다.")


@pytest.mark.django_db
def test_the_waiting_state_says_approval_is_awaited(drafted):
    assert drafted.state == State.DRAFTED
    assert drafted.get_state_display() == "결재 대기"


@pytest.mark.django_db
def test_a_request_notifies_the_departments_manager_in_app_and_by_email(drafted, staff, run_tasks):
    staff["road_mgr"].email = "manager@seosan.example"
    staff["road_mgr"].save()
    notes = Notification.objects.filter(kind="approval")
    assert [n.user for n in notes] == [staff["road_mgr"]]  # not 교통과's manager, not the officer
    note = notes.get()
    assert drafted.receipt_no in note.subject and note.complaint == drafted
    assert "홍길동" not in note.body  # no personal data in a notification
    # The manager had no address at the time: no e-mail for that one. A second request (after a
    # return) goes by e-mail too, now that the manager has one.
    c = perform(drafted, "return_draft", staff["road_mgr"], reason="사진을 붙여 주세요")
    perform(c, "submit", staff["road"], answer="사진과 함께: 메웠습니다.")
    run_tasks()
    sent = [m for m in mail.outbox if "[결재 요청]" in m.subject]
    assert [m.to for m in sent] == [["manager@seosan.example"]]


@pytest.mark.django_db
def test_the_approver_is_found_up_the_departments_or_is_central(staff, make_user, new_complaint):
    road = Department.objects.get(name="도로과")
    team = Department.objects.create(name="시험용보수팀", kind="팀", parent=road)
    c = perform(new_complaint(), "assign", staff["triage"], department=team)
    assert approval.approvers(c) == [staff["road_mgr"]]  # the 팀 has no manager: the 과's
    make_user("team_lead", Role.MANAGER, department=team)
    assert [u.username for u in approval.approvers(c)] == ["team_lead"]
    lonely = Department.objects.create(name="관리자없는과")
    c2 = perform(new_complaint("다른 민원"), "assign", staff["triage"], department=lonely)
    assert approval.approvers(c2) == [staff["admin"]]  # never addressed to no one


@pytest.mark.django_db
def test_the_waiting_list_is_the_approvers_own(drafted, staff):
    assert list(approval.pending_approval(staff["road_mgr"])) == [drafted]
    assert list(approval.pending_approval(staff["admin"])) == [drafted]
    assert list(approval.pending_approval(staff["traffic_mgr"])) == []
    assert list(approval.pending_approval(staff["road"])) == []


@pytest.mark.django_db
def test_a_return_tells_the_officer_the_reason(drafted, staff):
    c = perform(drafted, "return_draft", staff["road_mgr"], reason="근거 법령을 적어 주세요")
    assert c.state == State.IN_PROGRESS
    note = Notification.objects.get(kind="approval_returned")
    assert note.user == staff["road"]
    assert "근거 법령을 적어 주세요" in note.body


@pytest.mark.django_db
def test_approval_with_notice_is_one_step_by_default(drafted, staff):
    c = approve_draft(drafted, staff["road_mgr"], ip="10.0.0.5")
    assert c.state == State.NOTIFIED and c.approved_by == staff["road_mgr"]
    result = c.messages.get(purpose=Message.Purpose.RESULT)
    assert "패인 곳을 메웠습니다." in result.body
    assert list(c.events.values_list("action", flat=True))[-3:] == ["submit", "approve", "notify"]


@pytest.mark.django_db
def test_with_the_option_off_approval_waits_for_the_notice(drafted, staff):
    ApprovalOption.objects.create(notify_on_approval=False)
    c = approve_draft(drafted, staff["road_mgr"])
    assert c.state == State.APPROVED
    assert not c.messages.filter(purpose=Message.Purpose.RESULT).exists()


@pytest.mark.django_db
def test_edit_and_approve_keeps_the_officers_text_in_the_timeline(drafted, staff):
    c = approve_draft(drafted, staff["road_mgr"], answer="패인 곳을 3월 5일에 메웠습니다.")
    assert c.answer == "패인 곳을 3월 5일에 메웠습니다."
    edit = c.events.get(action="revise_draft")
    assert edit.actor == staff["road_mgr"]
    assert "고치기 전: 패인 곳을 메웠습니다." in edit.note
    assert "3월 5일" in c.messages.get(purpose=Message.Purpose.RESULT).body


@pytest.mark.django_db
def test_an_unchanged_answer_is_not_an_edit(drafted, staff):
    c = approve_draft(drafted, staff["road_mgr"], answer="  패인 곳을 메웠습니다.\n")
    assert not c.events.filter(action="revise_draft").exists()


@pytest.mark.django_db
def test_only_an_approver_may_approve_and_a_refusal_changes_nothing(drafted, staff):
    for outsider in ("road", "traffic_mgr", "triage"):
        with pytest.raises(WorkflowError):
            approve_draft(drafted, staff[outsider], answer="몰래 고친 답변")
    drafted.refresh_from_db()
    assert drafted.state == State.DRAFTED and drafted.answer == "패인 곳을 메웠습니다."
    assert not drafted.events.filter(action="revise_draft").exists()


@pytest.mark.django_db
def test_a_failed_notice_step_rolls_back_the_approval(drafted, staff, monkeypatch):
    from ontong.complaints import workflow

    def broken(*args, **kwargs):
        raise WorkflowError("통보 실패")

    monkeypatch.setattr(workflow, "apply_notify", broken)
    monkeypatch.setitem(workflow.APPLY, "notify", broken)
    with pytest.raises(WorkflowError):
        approve_draft(drafted, staff["road_mgr"], answer="고친 답변")
    drafted.refresh_from_db()
    assert drafted.state == State.DRAFTED and drafted.answer == "패인 곳을 메웠습니다."


@pytest.mark.django_db
def test_the_citizen_reads_that_the_answer_is_being_reviewed(drafted, client):
    from ontong.complaints import notices

    page = client.get(notices.status_url(drafted).split("127.0.0.1:8000", 1)[-1], follow=True)
    html = page.content.decode()
    assert "답변 검토 중" in html
    assert "결재" not in html  # the internal word is not the citizen's


@pytest.mark.django_db
def test_a_manager_is_not_told_of_their_own_request(staff, new_complaint):
    c = new_complaint()
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    c = perform(c, "start", staff["road_mgr"])
    perform(c, "submit", staff["road_mgr"], answer="관리자가 직접 씀")
    assert not Notification.objects.filter(kind="approval").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["approve", "return"])
def test_a_decided_draft_leaves_no_approval_request_waiting_unread(drafted, staff, decision):
    if decision == "approve":
        approve_draft(drafted, staff["road_mgr"])
    else:
        perform(drafted, "return_draft", staff["road_mgr"], reason="사진을 붙여 주세요")
    request = Notification.objects.get(kind="approval")
    assert request.read_at is not None
    # What the decision itself tells the officer stays unread for them.
    if decision == "return":
        assert Notification.objects.get(kind="approval_returned").read_at is None
