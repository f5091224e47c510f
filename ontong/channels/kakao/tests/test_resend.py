"""Kakao resends a request it got no answer to, with no message id: the same message within
ONTONG_KAKAO_RESEND_SECONDS is answered with the first answer and opens nothing new."""

import datetime as dt

import pytest

from ontong.channels.kakao.models import SkillRequest
from ontong.complaints.models import Complaint, Message

from .conftest import skill_payload

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_resend_gets_the_first_answer_without_a_second_case_or_message(bot, post_skill):
    payload = skill_payload("동문동 가로등이 고장났어요")
    first = post_skill(payload).json()
    replies = list(Message.objects.filter(direction="out").values_list("pk", "route"))
    again = post_skill(payload).json()
    assert again == first
    assert Complaint.objects.count() == 1
    assert Message.objects.filter(direction="in").count() == 1
    assert list(Message.objects.filter(direction="out").values_list("pk", "route")) == replies
    original, resend = SkillRequest.objects.order_by("pk")
    assert resend.duplicate_of == original and resend.state == "answered"
    assert resend.dedupe_key == original.dedupe_key


def test_the_same_words_after_the_window_are_a_new_message(bot, post_skill, settings):
    payload = skill_payload("아직도 안 고쳐졌어요")
    post_skill(payload)
    SkillRequest.objects.update(
        received_at=SkillRequest.objects.get().received_at
        - dt.timedelta(seconds=settings.ONTONG_KAKAO_RESEND_SECONDS + 1)
    )
    post_skill(payload)
    assert SkillRequest.objects.filter(duplicate_of__isnull=True).count() == 2
    # It joins the open case as the citizen's second message.
    assert Complaint.objects.count() == 1
    assert Message.objects.filter(direction="in").count() == 2


def test_a_different_tap_or_another_citizen_is_not_a_resend(bot, post_skill):
    post_skill(skill_payload("가로등이 고장났어요"))
    post_skill(skill_payload("가로등이 고장났어요", user="botuser-2"))
    post_skill(skill_payload("처리현황", client_extra={"payload": "STATUS"}))
    post_skill(skill_payload("처리현황", client_extra={"payload": "NEW_COMPLAINT"}))
    assert not SkillRequest.objects.filter(duplicate_of__isnull=False).exists()
    assert Complaint.objects.count() == 2
