"""Every action from every state: allowed where the table says, refused (and nothing changed)
everywhere else; and only by the roles it names."""

import datetime as dt

import pytest

from ontong.complaints.models import Complaint, Event, Message, State
from ontong.complaints.workflow import ACTIONS, WorkflowError, available_actions, perform
from ontong.org.models import Department


def in_state(complaint: Complaint, state: str, department="도로과") -> Complaint:
    """Test set-up only: put a case in a state without going through the workflow."""
    Complaint.objects.filter(pk=complaint.pk).update(
        kind="건의",
        due_at=complaint.received_at + dt.timedelta(days=14),
        state=state,
        department=Department.objects.get(name=department) if department else None,
    )
    return Complaint.objects.get(pk=complaint.pk)


def params_for(action: str, complaint: Complaint) -> dict:
    other = Department.objects.get(name="교통과")
    road = Department.objects.get(name="도로과")
    assert complaint.due_at is not None
    return {
        "department": other if complaint.department_id == road.pk else road,
        "reason": "사유입니다",
        "text": "현장 확인함",
        "answer": "보수를 마쳤습니다.",
        "agency": "서산경찰서",
        "duplicate_of": Complaint.objects.exclude(pk=complaint.pk).first(),
        "kind": "건의",
        "related": Complaint.objects.exclude(pk=complaint.pk).first(),
        "new_due": (complaint.due_at + dt.timedelta(days=1)).date().isoformat(),
        "people": "6",
        "interest": "공사 소음",
        "consult_department": other if complaint.department_id == road.pk else road,
    }


ACTOR_FOR = {  # who legitimately does each action on a 도로과 case
    "assign": "triage",
    "reassign": "triage",
    "start": "road",
    "record_action": "road",
    "request_info": "road",
    "resume": "road",
    "submit": "road",
    "return_draft": "road_mgr",
    "approve": "road_mgr",
    "notify": "road",
    "close": "road",
    "mark_duplicate": "triage",
    "close_spam": "triage",
    "transfer": "triage",
    "reject": "admin",
    "withdraw": "triage",
    "reply": "triage",
    "set_kind": "triage",
    "relate": "triage",
    "extend": "road",
    "reopen": "road_mgr",
    "close_repeated": "admin",
    "mark_multi_party": "triage",
    "revise_draft": "road_mgr",
    "note": "triage",
    "consult": "admin",
}
CASES = [(name, state) for name in ACTIONS for state in State.values]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state"), CASES, ids=[f"{a}-{s}" for a, s in CASES])
def test_every_action_from_every_state(action, state, staff, new_complaint):
    new_complaint("다른 민원")
    department = None if state == State.RECEIVED else "도로과"
    complaint = in_state(new_complaint(), state, department)
    before_events = complaint.events.count()
    user = staff[ACTOR_FOR[action]]
    if state in ACTIONS[action].sources and action == "close_repeated":
        # Allowed from this state, but only when 법 제23조's conditions hold (tested apart).
        with pytest.raises(WorkflowError, match="제23조"):
            perform(complaint, action, user, **params_for(action, complaint))
        assert Complaint.objects.get(pk=complaint.pk).state == state
    elif state in ACTIONS[action].sources:
        result = perform(complaint, action, user, **params_for(action, complaint))
        expected = ACTIONS[action].target or state
        assert result.state == expected
        assert Complaint.objects.get(pk=complaint.pk).state == expected
        assert complaint.events.count() == before_events + 1
        event = complaint.events.last()
        assert (event.action, event.actor, event.from_state, event.to_state) == (
            action,
            user,
            state,
            expected,
        )
    else:
        with pytest.raises(WorkflowError, match="현재 상태"):
            perform(complaint, action, user, **params_for(action, complaint))
        unchanged = Complaint.objects.get(pk=complaint.pk)
        assert unchanged.state == state
        assert unchanged.events.count() == before_events


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "outsider"),
    [
        ("assign", "road"),
        ("assign", "pr"),
        ("start", "traffic"),
        ("start", "triage"),
        ("submit", "traffic"),
        ("approve", "road"),
        ("approve", "traffic_mgr"),
        ("notify", "pr"),
        ("reject", "road"),
        ("reject", "triage"),
        ("transfer", "road"),
        ("return_draft", "road"),
        ("reopen", "road"),
        ("close_repeated", "traffic_mgr"),
        ("close_repeated", "road"),
    ],
)
def test_roles_outside_the_action_are_refused(action, outsider, staff, new_complaint):
    new_complaint("다른 민원")
    source = sorted(ACTIONS[action].sources)[0]
    complaint = in_state(new_complaint(), source, None if source == State.RECEIVED else "도로과")
    with pytest.raises(WorkflowError, match="권한"):
        perform(complaint, action, staff[outsider], **params_for(action, complaint))
    assert Complaint.objects.get(pk=complaint.pk).state == source


@pytest.mark.django_db
def test_full_lifecycle_sends_the_result_notice(staff, new_complaint, run_tasks):
    c = new_complaint(email="citizen@example.kr", name="홍길동", contact_consent=True)
    road = Department.objects.get(name="도로과")
    c = perform(c, "assign", staff["triage"], department=road)
    c = perform(c, "start", staff["road"])
    c = perform(c, "submit", staff["road"], answer="포트홀을 메웠습니다.")
    c = perform(c, "approve", staff["road_mgr"])
    c = perform(c, "notify", staff["road"])
    result = c.messages.get(purpose=Message.Purpose.RESULT)
    assert result.delivery == Message.Delivery.QUEUED
    run_tasks()
    result.refresh_from_db()
    assert result.delivery == Message.Delivery.SENT
    assert "포트홀을 메웠습니다." in result.body and "도로과" in result.body
    c = perform(c, "close", staff["road"])
    assert c.state == State.CLOSED and c.closed_at is not None
    assert c.assignee == staff["road"] and c.approved_by == staff["road_mgr"]
    assert list(c.events.exclude(action="place_found").values_list("action", flat=True)) == [
        "received",
        "assign",
        "start",
        "submit",
        "approve",
        "notify",
        "close",
    ]


@pytest.mark.django_db
def test_reassignment_keeps_history_in_the_timeline(staff, new_complaint):
    c = new_complaint()
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    c = perform(
        c,
        "reassign",
        staff["road_mgr"],
        department=Department.objects.get(name="교통과"),
        reason="신호 관련이라 교통과 소관",
    )
    assert c.department.name == "교통과"
    event = c.events.get(action="reassign")
    assert "도로과 → 교통과" in event.note and event.actor == staff["road_mgr"]


@pytest.mark.django_db
def test_missing_input_is_refused_with_a_clear_message(staff, new_complaint):
    c = new_complaint()
    with pytest.raises(WorkflowError, match="부서를 선택"):
        perform(c, "assign", staff["triage"], department=None)
    with pytest.raises(WorkflowError, match="사유"):
        perform(c, "transfer", staff["triage"], agency="경찰서", reason="   ")
    with pytest.raises(WorkflowError, match="자기 자신을 지정할 수 없습니다"):
        perform(c, "mark_duplicate", staff["triage"], duplicate_of=c.receipt_no)
    with pytest.raises(WorkflowError, match="너무 깁니다"):
        perform(c, "reply", staff["triage"], text="가" * 20_001)
    assert Complaint.objects.get(pk=c.pk).state == State.RECEIVED


@pytest.mark.django_db
def test_inactive_or_replaced_departments(staff, new_complaint):
    old = Department.objects.create(
        name="건축허가과", is_active=False, replaced_by=Department.objects.get(name="원스톱허가과")
    )
    c = perform(new_complaint(), "assign", staff["triage"], department=old)
    assert c.department.name == "원스톱허가과"  # follows the reorganisation
    closed = Department.objects.create(name="폐지된과", is_active=False)
    c2 = new_complaint()
    with pytest.raises(WorkflowError, match="사용하지 않는"):
        perform(c2, "assign", staff["triage"], department=closed)


@pytest.mark.django_db
def test_transfer_and_reject_tell_the_citizen(staff, new_complaint):
    c = perform(
        new_complaint(), "transfer", staff["triage"], agency="한국전력 서산지사", reason="전신주"
    )
    notice = c.messages.get(purpose=Message.Purpose.TRANSFER)
    assert "한국전력 서산지사" in notice.body
    c2 = in_state(new_complaint(), State.ASSIGNED)
    c2 = perform(c2, "reject", staff["road_mgr"], reason="사인 간 분쟁")
    assert "구제절차" in c2.messages.get(purpose=Message.Purpose.REJECT).body


@pytest.mark.django_db
def test_kind_change_recomputes_the_due_time(staff, new_complaint):
    c = new_complaint()
    before = c.due_at
    c = perform(c, "set_kind", staff["triage"], kind="건의")
    assert c.due_at > before
    assert Event.objects.filter(complaint=c, action="set_kind").exists()


@pytest.mark.django_db
def test_available_actions_depend_on_role_and_department(staff, new_complaint):
    c = in_state(new_complaint(), State.IN_PROGRESS)
    assert "submit" in {a.name for a in available_actions(staff["road"], c)}
    assert available_actions(staff["traffic"], c) == []
    assert "approve" not in {a.name for a in available_actions(staff["road"], c)}


@pytest.mark.django_db
def test_related_complaints_are_linked_both_ways(staff, new_complaint):
    a, b = new_complaint("가로등 하나"), new_complaint("같은 골목 가로등")
    perform(a, "relate", staff["triage"], related=b.receipt_no)
    assert list(b.related.all()) == [a]
    assert b.events.filter(action="relate").exists()
    with pytest.raises(WorkflowError, match="찾을 수 없습니다"):
        perform(a, "relate", staff["triage"], related="2026-999999")


@pytest.mark.django_db
def test_field_lengths_and_malformed_numbers_are_refused(staff, new_complaint):
    c = new_complaint()
    with pytest.raises(WorkflowError, match="최대 100자"):
        perform(c, "transfer", staff["triage"], agency="기" * 101, reason="사유")
    with pytest.raises(WorkflowError, match="찾을 수 없습니다"):
        perform(c, "mark_duplicate", staff["triage"], duplicate_of="2026-00\x0001")
    with pytest.raises(WorkflowError, match="부서를 선택"):
        perform(c, "assign", staff["triage"], department="99999999999999999999999")
    assert Complaint.objects.get(pk=c.pk).state == State.RECEIVED


@pytest.mark.django_db
def test_extensions_follow_the_decree(staff, new_complaint, run_tasks):
    c = in_state(new_complaint(kind="건의"), State.IN_PROGRESS)
    Complaint.objects.filter(pk=c.pk).update(kind="건의", due_at=None)
    c = perform(Complaint.objects.get(pk=c.pk), "set_kind", staff["road"], kind="질의")
    original = c.due_at
    too_far = (original + dt.timedelta(days=60)).date().isoformat()
    with pytest.raises(WorkflowError, match="처음 처리기간만큼까지만"):
        perform(c, "extend", staff["road"], reason="현장 조사", new_due=too_far)
    with pytest.raises(WorkflowError, match="YYYY-MM-DD"):
        perform(c, "extend", staff["road"], reason="현장 조사", new_due="다음주")
    first = (original + dt.timedelta(days=5)).date().isoformat()
    c = perform(c, "extend", staff["road"], reason="현장 조사가 필요합니다", new_due=first)
    assert (c.extensions, c.original_due_at, c.due_at.date().isoformat()) == (1, original, first)
    notice = c.messages.get(purpose=Message.Purpose.EXTENSION)
    assert (
        "현장 조사가 필요합니다" in notice.body
        and "처리 완료 예정" in notice.body
        and "도로과" in notice.body
    )
    second = (original + dt.timedelta(days=20)).date().isoformat()
    with pytest.raises(WorkflowError, match="동의"):
        perform(c, "extend", staff["road"], reason="업체 일정", new_due=second)
    c = perform(
        c, "extend", staff["road"], reason="업체 일정", new_due=second, citizen_consent=True
    )
    assert c.extensions == 2
    with pytest.raises(WorkflowError, match="두 번까지만"):
        perform(
            c,
            "extend",
            staff["road"],
            reason="또",
            new_due=(original + dt.timedelta(days=30)).date().isoformat(),
            citizen_consent=True,
        )
    from ontong.complaints.services import recompute_open_due_times

    recompute_open_due_times()
    assert Complaint.objects.get(pk=c.pk).due_at.date().isoformat() == second  # kept
