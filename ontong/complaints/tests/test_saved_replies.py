"""상용구: per department and city-wide, the four variables filled on the server for the case."""

import pytest

from ontong.complaints import saved_replies
from ontong.complaints.models import SavedReply
from ontong.complaints.workflow import perform
from ontong.korean import josa
from ontong.org.models import Department

BODY = "{부서} {담당자}입니다. 접수번호 {접수번호}는 {처리기한}까지 답변드리겠습니다. {성명} {{접수번호}}"


@pytest.mark.django_db
def test_variables_are_filled_for_the_case(staff, new_complaint):
    staff["road"].last_name, staff["road"].first_name = "최", "도로"
    staff["road"].save()
    c = new_complaint(kind="건의")
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    c = perform(c, "start", staff["road"])
    text = saved_replies.fill(BODY, c)
    assert text.startswith("도로과 최도로 주무관입니다. ")
    assert f"접수번호 {c.receipt_no}{josa(c.receipt_no, '는')} " in text
    month, day = c.due_at.astimezone().month, c.due_at.astimezone().day
    assert f"{month}월 {day}일(" in text
    # Only the four names: anything else stays as it was written.
    assert text.endswith("{성명} {" + c.receipt_no + "}")


@pytest.mark.django_db
def test_a_particle_after_a_name_suits_the_value(staff, new_complaint):
    """The demo's "{담당자}가 처리하겠습니다" read "최도로 주무관가" in the reply box."""
    staff["road"].last_name, staff["road"].first_name = "최", "도로"
    staff["road"].save()
    c = perform(
        new_complaint(), "assign", staff["triage"], department=Department.objects.get(name="도로과")
    )
    c = perform(c, "start", staff["road"])
    text = saved_replies.fill("{담당자}가 처리합니다. {부서}으로 연락하세요. {부서}이(가) 맡음.", c)
    assert text == "최도로 주무관이 처리합니다. 도로과로 연락하세요. 도로과가 맡음."
    # Only a particle that ends the word is a particle; the rest is left as written.
    assert (
        saved_replies.fill("{부서}로부터 {부서}의 {부서}가요", c)
        == "도로과로부터 도로과의 도로과가요"
    )


@pytest.mark.django_db
def test_a_case_without_assignee_or_department_reads_as_words(staff, new_complaint):
    c = new_complaint()
    text = saved_replies.fill("{담당자} / {부서}", c)
    assert text == "담당자 / 담당 부서"


@pytest.mark.django_db
def test_which_replies_a_case_offers(staff, new_complaint):
    road = Department.objects.get(name="도로과")
    traffic = Department.objects.get(name="교통과")
    city = SavedReply.objects.create(title="감사 인사", body="알려 주셔서 고맙습니다.")
    mine = SavedReply.objects.create(title="포트홀 보수", body="보수 일정", department=road)
    theirs = SavedReply.objects.create(title="신호 조정", body="신호", department=traffic)
    c = perform(new_complaint(), "assign", staff["triage"], department=road)
    offered = set(saved_replies.for_case(staff["road"], c))
    assert offered == {city, mine}
    assert theirs not in offered
    assert list(saved_replies.for_case(staff["road"], c, "포트홀")) == [mine]
    assert list(saved_replies.for_case(staff["road"], c, "고맙")) == [city]


@pytest.mark.django_db
def test_who_manages_saved_replies(staff):
    road = Department.objects.get(name="도로과")
    city = SavedReply.objects.create(title="감사 인사", body="고맙습니다.")
    mine = SavedReply.objects.create(title="포트홀", body="보수", department=road)
    assert set(saved_replies.manageable(staff["admin"])) == {city, mine}
    assert set(saved_replies.manageable(staff["road_mgr"])) == {mine}
    assert set(saved_replies.manageable(staff["traffic_mgr"])) == set()
    assert set(saved_replies.manageable(staff["road"])) == set()


@pytest.mark.django_db
def test_the_demo_has_saved_replies_that_fill_completely(staff, new_complaint):
    from ontong.devtools.demo import DEMO_SAVED_REPLIES, create_saved_replies

    assert create_saved_replies() == len(DEMO_SAVED_REPLIES)
    assert create_saved_replies() == len(DEMO_SAVED_REPLIES)  # loading again adds nothing
    c = perform(
        new_complaint(), "assign", staff["triage"], department=Department.objects.get(name="도로과")
    )
    c = perform(c, "start", staff["road"])
    for reply in saved_replies.for_case(staff["road"], c):
        text = saved_replies.fill(reply.body, c)
        assert "{" not in text and "}" not in text, text
