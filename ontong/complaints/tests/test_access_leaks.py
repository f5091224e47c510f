"""Nothing about another department's case reaches an officer, and masked contact data cannot be
found by its digits (issue 14, items 4 and 7)."""

import pytest

from ontong.complaints.models import Complaint
from ontong.complaints.workflow import WorkflowError, perform
from ontong.org.models import Department

pytestmark = pytest.mark.django_db

STREETLIGHT = "읍내동 시청 앞 가로등이 밤새 꺼져 있어 어둡습니다"


@pytest.fixture
def two_departments(staff, new_complaint):
    road = Department.objects.get(name="도로과")
    traffic = Department.objects.get(name="교통과")
    mine = perform(new_complaint(STREETLIGHT), "assign", staff["triage"], department=road)
    theirs = perform(new_complaint(STREETLIGHT), "assign", staff["triage"], department=traffic)
    return mine, theirs


def test_an_officer_is_not_shown_another_departments_case_as_the_same_problem(
    client, staff, two_departments
):
    mine, theirs = two_departments
    client.force_login(staff["road"])
    page = client.get(f"/complaints/{mine.receipt_no}/").content.decode()
    assert theirs.receipt_no not in page
    client.force_login(staff["triage"])  # who sees every case is still shown it
    assert theirs.receipt_no in client.get(f"/complaints/{mine.receipt_no}/").content.decode()


@pytest.mark.parametrize(
    "action,field", [("mark_duplicate", "duplicate_of"), ("relate", "related")]
)
def test_linking_answers_alike_for_unknown_invisible_and_closed_cases(
    staff, two_departments, new_complaint, action, field
):
    mine, theirs = two_departments
    closed = perform(new_complaint(STREETLIGHT), "withdraw", staff["triage"], reason="취하")
    answers = set()
    for number in ("2026-999999", theirs.receipt_no, closed.receipt_no):
        with pytest.raises(WorkflowError) as refused:
            perform(mine, action, staff["road_mgr"], **{field: number})
        answers.add(str(refused.value))
    assert answers == {"그 접수번호의 민원을 찾을 수 없습니다."}
    assert not theirs.events.filter(action=action).exists()
    assert Complaint.objects.get(pk=mine.pk).duplicate_of is None


def test_masked_contact_data_is_not_searchable(client, staff, new_complaint):
    c = new_complaint("가로등 고장입니다. 연락 010-1234-5678, gildong@example.kr")
    client.force_login(staff["triage"])
    for query in ("1234", "010-1234-5678", "gildong"):
        page = client.get("/complaints/", {"q": query}).content.decode()
        assert c.receipt_no not in page, query
    assert c.receipt_no in client.get("/complaints/", {"q": "가로등"}).content.decode()


@pytest.mark.parametrize("role", ["triage", "road"])
def test_staff_never_see_the_citizens_status_code(client, staff, new_complaint, role):
    c = perform(
        new_complaint(STREETLIGHT),
        "assign",
        staff["triage"],
        department=Department.objects.get(name="도로과"),
    )
    assert c.messages.filter(body__contains=c.status_token).exists()  # the 접수 안내 sent
    client.force_login(staff[role])
    page = client.get(f"/complaints/{c.receipt_no}/").content.decode()
    assert c.status_token not in page
