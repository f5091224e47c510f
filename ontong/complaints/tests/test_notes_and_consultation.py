"""내부 메모 never reaches the citizen; 협조 요청 lets another department into one case (only
that one, masked, every look recorded) to answer in a note."""

import pytest
from django.core import mail

from ontong.complaints import notices
from ontong.complaints.access import visible_complaints
from ontong.complaints.models import Consultation, Message, Notification, State
from ontong.complaints.workflow import WorkflowError, approve_draft, available_actions, perform
from ontong.org.models import Department

NOTE = "민원인이 예전에도 같은 곳을 신고함 — 내부 참고 7731"


@pytest.fixture
def road_case(staff, new_complaint):
    c = new_complaint(
        "석남동 사거리 신호등 옆 도로가 패였어요",
        email="citizen@example.kr",
        name="홍길동",
        phone="010-1234-5678",
        contact_consent=True,
    )
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    return perform(c, "start", staff["road"])


@pytest.mark.django_db
def test_a_note_is_never_sent_nor_shown_to_the_citizen(road_case, staff, client, run_tasks):
    c = perform(road_case, "note", staff["road"], text=NOTE)
    event = c.events.get(action="note")
    assert (event.note, event.actor, event.from_state, event.to_state) == (
        NOTE,
        staff["road"],
        State.IN_PROGRESS,
        State.IN_PROGRESS,
    )
    # Through the whole rest of the case: a reply, the answer, approval with the notice.
    c = perform(c, "reply", staff["road"], text="현장을 확인하겠습니다.")
    c = perform(c, "submit", staff["road"], answer="패인 곳을 메웠습니다.")
    c = approve_draft(c, staff["road_mgr"])
    run_tasks()
    outbound = Message.objects.filter(direction=Message.Direction.OUT)
    assert outbound.count() >= 3  # acknowledgement, reply, result
    assert not [m.body for m in outbound if "7731" in m.body or "내부 참고" in m.body]
    assert not [m for m in mail.outbox if "7731" in m.body or "7731" in m.subject]
    page = client.get(notices.status_url(c).split("127.0.0.1:8000", 1)[-1], follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert "패인 곳을 메웠습니다." in html  # the page is the citizen's, with the answer on it
    assert "7731" not in html and "내부 메모" not in html


@pytest.mark.django_db
def test_who_may_write_a_note(road_case, staff):
    with pytest.raises(WorkflowError, match="권한"):
        perform(road_case, "note", staff["traffic"], text="다른 부서의 메모")
    with pytest.raises(WorkflowError, match="권한"):
        perform(road_case, "note", staff["pr"], text="홍보")
    perform(road_case, "note", staff["triage"], text="접수담당 메모")
    with pytest.raises(WorkflowError, match="내용"):
        perform(road_case, "note", staff["road"], text="   ")


@pytest.mark.django_db
def test_a_consultation_opens_only_that_case_to_the_other_department(
    road_case, staff, new_complaint
):
    other_road_case = perform(
        new_complaint("도로과의 다른 민원"),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="도로과"),
    )
    traffic = staff["traffic"]
    assert road_case not in visible_complaints(traffic)
    c = perform(
        road_case,
        "consult",
        staff["road"],
        consult_department=Department.objects.get(name="교통과").pk,
        text="신호등 위치를 옮길 계획이 있는지 알려 주세요",
    )
    assert c.department.name == "도로과"  # not transferred
    request = Consultation.objects.get()
    assert (request.department.name, request.requested_by) == ("교통과", staff["road"])
    assert "교통과: 신호등 위치" in c.events.get(action="consult").note

    seen = set(visible_complaints(traffic))
    assert road_case in seen and other_road_case not in seen
    assert road_case in visible_complaints(staff["traffic_mgr"])
    # Told: 교통과's officer and manager, nobody else.
    told = Notification.objects.filter(kind="consult")
    assert {n.user.username for n in told} == {"traffic", "traffic_mgr"}
    assert "홍길동" not in told.first().body

    # In the case they may write a note, and nothing else.
    assert [a.name for a in available_actions(traffic, c)] == ["note"]
    with pytest.raises(WorkflowError, match="권한"):
        perform(c, "reply", traffic, text="민원인에게 직접")
    c = perform(c, "note", traffic, text="내년 3월 이설 예정입니다.")
    request.refresh_from_db()
    assert request.answered_by == traffic and request.answered_at is not None
    answered = Notification.objects.get(kind="consult_answer")
    assert answered.user == staff["road"]
    # Once the case is closed, the other department no longer sees it.
    c = perform(c, "submit", staff["road"], answer="이설 계획에 맞춰 보수합니다.")
    c = approve_draft(c, staff["road_mgr"])
    c = perform(c, "close", staff["road"])
    assert c not in visible_complaints(traffic)


@pytest.mark.django_db
def test_a_consultation_needs_another_department_and_one_open_request_at_a_time(road_case, staff):
    road = Department.objects.get(name="도로과")
    traffic = Department.objects.get(name="교통과")
    with pytest.raises(WorkflowError, match="담당 부서에는"):
        perform(road_case, "consult", staff["road"], consult_department=road.pk, text="?")
    with pytest.raises(WorkflowError, match="부서를 선택"):
        perform(road_case, "consult", staff["road"], consult_department="x", text="?")
    perform(road_case, "consult", staff["road"], consult_department=traffic.pk, text="의견?")
    with pytest.raises(WorkflowError, match="아직 답이 없습니다"):
        perform(road_case, "consult", staff["road"], consult_department=traffic.pk, text="또?")
    with pytest.raises(WorkflowError, match="권한"):
        perform(road_case, "consult", staff["traffic"], consult_department=road.pk, text="?")
    assert Consultation.objects.count() == 1


@pytest.mark.django_db
def test_a_consulted_case_is_not_counted_in_the_other_departments_statistics(
    road_case, staff, client
):
    perform(
        road_case,
        "consult",
        staff["road"],
        consult_department=Department.objects.get(name="교통과").pk,
        text="의견 주세요",
    )
    client.force_login(staff["traffic"])
    assert client.get(f"/complaints/{road_case.receipt_no}/").status_code == 200
    report = client.get("/reports/").context["report"]
    assert [r.department for r in report.rows] == []  # 교통과 received nothing; 도로과 not theirs
    client.force_login(staff["road"])
    report = client.get("/reports/").context["report"]
    assert [(r.department, r.received) for r in report.rows] == [("도로과", 1)]
