import datetime as dt

import pytest
from django.utils import timezone

from ontong.complaints.models import Complaint, Message
from ontong.complaints.workflow import perform
from ontong.org.models import Department
from ontong.routing import similar

pytestmark = pytest.mark.django_db


def answered(staff, new_complaint, text, answer, dept="도로과"):
    c = perform(
        new_complaint(text), "assign", staff["triage"], department=Department.objects.get(name=dept)
    )
    for action, params in [
        ("start", {}),
        ("submit", {"answer": answer}),
        ("approve", {}),
        ("notify", {}),
    ]:
        c = perform(
            c, action, staff["road_mgr"] if action == "approve" else staff["road"], **params
        )
    return c


def test_similar_past_cases_and_a_drafted_answer(staff, new_complaint, client):
    answered(
        staff,
        new_complaint,
        "시청 앞 도로에 포트홀이 생겼어요",
        "포트홀을 아스팔트로 메웠습니다. 담당 010-1111-2222",
    )
    answered(staff, new_complaint, "공원 벤치가 부서졌어요", "벤치를 교체했습니다.")
    complaint = new_complaint("우리 동네 도로에도 포트홀이 생겼어요")
    cases = similar.similar_cases(complaint)
    assert cases[0].answer.startswith("포트홀을 아스팔트로") and cases[0].department == "도로과"
    draft = similar.drafted_answer(cases)
    assert (
        "초안" in draft and "포트홀을 아스팔트로 메웠습니다" in draft and "1111-2222" not in draft
    )
    client.force_login(staff["triage"])
    page = client.get(f"/complaints/{complaint.receipt_no}/").content.decode()
    assert "비슷한 과거 민원" in page


def test_same_problem_reports_are_suggested_and_the_result_reaches_everyone(
    staff, new_complaint, run_tasks
):
    main = perform(
        new_complaint(
            "석남동 사거리 신호등이 고장났어요", email="a@example.kr", contact_consent=True
        ),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="도로과"),
    )
    other = new_complaint(
        "석남동 사거리 신호등 고장입니다", email="b@example.kr", contact_consent=True
    )
    unrelated = new_complaint("쓰레기 수거가 안 됐어요")
    suggestions = [c for c, _ in similar.same_problem(other)]
    assert main in suggestions and unrelated not in suggestions
    perform(other, "mark_duplicate", staff["triage"], duplicate_of=main.receipt_no)
    for action, params in [
        ("start", {}),
        ("submit", {"answer": "신호등을 고쳤습니다."}),
        ("approve", {}),
        ("notify", {}),
    ]:
        main = perform(
            main, action, staff["road_mgr"] if action == "approve" else staff["road"], **params
        )
    results = Message.objects.filter(purpose="result")
    assert {m.complaint for m in results} == {main, Complaint.objects.get(pk=other.pk)}
    assert (
        "신호등을 고쳤습니다" in results.get(complaint=other).body
        and other.receipt_no in results.get(complaint=other).body
    )


def test_repeated_complaints_are_flagged_with_the_legal_conditions(staff, new_complaint):
    text = "우리 집 앞 가로등을 밝은 것으로 바꿔 주세요"
    first = answered(staff, new_complaint, text, "검토하겠습니다.")
    citizen = first.citizen
    second = new_complaint(text + " 다시 요청합니다", external_user_id="")
    Complaint.objects.filter(pk=second.pk).update(citizen=citizen)
    third = new_complaint(text + " 세 번째입니다")
    Complaint.objects.filter(pk=third.pk).update(
        citizen=citizen, received_at=timezone.now() + dt.timedelta(minutes=1)
    )
    third.refresh_from_db()
    flag = similar.repeated_by_same_person(third)
    assert flag is not None and len(flag.previous) == 2
    conditions = dict(flag.conditions)
    assert conditions["같은 내용을 3회 이상 제출 (이번 포함)"] is True
    assert (
        conditions["그중 2회 이상 처리 결과를 통지함"] is False
    )  # only one was answered: not closable
    assert conditions["정당한 사유 없음 — 담당자가 판단"] is False
    assert similar.repeated_by_same_person(first) is None


def test_the_similar_box_hides_cases_below_a_useful_similarity(staff, new_complaint, client):
    truck = answered(
        staff,
        new_complaint,
        "대형 화물차가 밤마다 골목에 주차해서 어두운 길이 더 위험해요",
        "밤샘주차 단속을 했습니다.",
    )
    answered(staff, new_complaint, "공원 벤치가 부서졌어요", "벤치를 교체했습니다.")
    complaint = new_complaint("가로등이 꺼져서 골목이 어두워요")
    from ontong.routing.nearest import nearest

    weak = [c for c in nearest(similar.morphemes_of(complaint), k=5) if c.key == f"c{truck.pk}"]
    assert weak and 0 < weak[0].similarity < similar.SIMILAR_MIN_SIMILARITY
    assert similar.similar_cases(complaint) == []
    client.force_login(staff["triage"])
    page = client.get(f"/complaints/{complaint.receipt_no}/").content.decode()
    assert "비슷한 과거 민원" not in page

    close = new_complaint("밤마다 대형 화물차가 골목에 주차해요")
    assert [c.key for c in similar.similar_cases(close)] == [f"c{truck.pk}"]
    page = client.get(f"/complaints/{close.receipt_no}/").content.decode()
    assert "비슷한 과거 민원" in page and "밤샘주차 단속을 했습니다." in page
