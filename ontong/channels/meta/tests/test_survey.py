import pytest

from ontong.complaints.models import Complaint, Message, Notification, Satisfaction
from ontong.complaints.workflow import perform
from ontong.org.models import Department

from .conftest import messaging, text_event
from .test_events import deliver  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def notified_case(deliver, staff):  # noqa: F811
    deliver(messaging(text_event(psid="u9", mid="m_1", text="도로에 포트홀이 생겼어요")))
    c = Complaint.objects.get()
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    c = perform(c, "start", staff["road"])
    c = perform(c, "submit", staff["road"], answer="포트홀을 메웠습니다.")
    c = perform(c, "approve", staff["road_mgr"])
    return perform(c, "notify", staff["road"])


def test_the_survey_is_asked_with_quick_replies_and_the_answer_kept(deliver, staff):  # noqa: F811
    c = notified_case(deliver, staff)
    survey = c.messages.get(purpose=Message.Purpose.SURVEY)
    assert [p for _, p in survey.extra["quick_replies"]][:5] == [
        f"SURVEY_{n}" for n in (5, 4, 3, 2, 1)
    ]
    assert "http" not in survey.body  # the answer is given in the chat
    deliver(
        messaging(
            text_event(psid="u9", mid="m_2", text="4 만족", quick_reply={"payload": "SURVEY_4"})
        )
    )
    assert Satisfaction.objects.get(complaint=c).score == 4
    deliver(messaging(text_event(psid="u9", mid="m_3", text="빨리 와 주셔서 고맙습니다")))
    answer = Satisfaction.objects.get(complaint=c)
    assert answer.comment == "빨리 와 주셔서 고맙습니다" and answer.channel == "messenger"
    assert Complaint.objects.count() == 1  # the comment did not open a new complaint
    replies = list(
        c.messages.filter(direction="out", purpose="reply").values_list("body", flat=True)
    )
    assert any("감사합니다" in r for r in replies)


def test_not_solved_in_the_chat_flags_the_case(deliver, staff):  # noqa: F811
    c = notified_case(deliver, staff)
    deliver(
        messaging(
            text_event(
                psid="u9",
                mid="m_2",
                text="아직 해결 안 됨",
                quick_reply={"payload": "SURVEY_UNRESOLVED"},
            )
        )
    )
    assert Satisfaction.objects.get(complaint=c).unresolved
    assert Notification.objects.filter(user=staff["road_mgr"], kind="unresolved").exists()


def test_a_new_problem_instead_of_an_answer_opens_a_new_complaint(deliver, staff):  # noqa: F811
    notified_case(deliver, staff)
    deliver(messaging(text_event(psid="u9", mid="m_2", text="이번엔 가로등이 꺼졌어요")))
    assert Complaint.objects.count() == 2 and not Satisfaction.objects.exists()
