"""The conversation engine on a channel that is not Meta: a fake adapter with a KakaoTalk-like
profile (1,000 characters, with and without quick replies)."""

import dataclasses
import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

import pytest
from django.utils import timezone

from ontong.channels import conversation
from ontong.complaints import channel_profiles
from ontong.complaints.channel_profiles import ChannelProfile
from ontong.complaints.models import Complaint, Event, Message, Question, Satisfaction
from ontong.complaints.workflow import perform
from ontong.org.models import Department

pytestmark = pytest.mark.django_db

TEXT_ONLY = ChannelProfile(
    channel="kakao",
    images=True,
    max_text=1000,
    reply_window=dt.timedelta(hours=24),
    converses=True,
    chat_name="카카오톡",
)
WITH_QUICK_REPLIES = dataclasses.replace(TEXT_ONLY, quick_replies=True)


class FakeAdapter(conversation.ChannelAdapter):
    def __init__(self, profile: ChannelProfile):
        super().__init__(profile, account="fake-channel", follow_up_hours=24)
        self.photos: list[tuple[int, list[str]]] = []
        self.ids = itertools.count(1)

    def attach_images(self, complaint: Complaint, message: Message, urls: Sequence[str]) -> None:
        self.photos.append((complaint.pk, list(urls)))

    def says(self, text: str = "", sender: str = "k1", **fields: Any) -> None:
        """The citizen sends a message (a new platform id each time)."""
        message_id = str(fields.pop("message_id", f"k-{next(self.ids)}"))
        conversation.receive(
            self,
            conversation.Inbound(
                sender=sender, message_id=message_id, sent_at=timezone.now(), text=text, **fields
            ),
        )


@pytest.fixture(params=[TEXT_ONLY, WITH_QUICK_REPLIES], ids=["text-only", "quick-replies"])
def adapter(request, city, monkeypatch):
    monkeypatch.setitem(channel_profiles._PROFILES, "kakao", request.param)
    return FakeAdapter(request.param)


@pytest.fixture
def text_only(city, monkeypatch):
    monkeypatch.setitem(channel_profiles._PROFILES, "kakao", TEXT_ONLY)
    return FakeAdapter(TEXT_ONLY)


def answers(complaint: Complaint | None = None):
    out = Message.objects.filter(direction="out").order_by("pk")
    return out.filter(complaint=complaint) if complaint else out


def choose(adapter: FakeAdapter, title: str, payload: str, **fields: Any) -> None:
    """Tap a quick reply where the channel has them, else type its words."""
    if adapter.profile.quick_replies:
        adapter.says(title, payload=payload, **fields)
    else:
        adapter.says(title, **fields)


def test_first_message_is_acknowledged_with_receipt_number_due_date_and_the_menu(adapter):
    adapter.says("가로등이 고장났어요")
    complaint = Complaint.objects.get()
    assert (complaint.channel, complaint.identity.account) == ("kakao", "fake-channel")
    ack = answers(complaint).get(purpose="ack")
    assert complaint.receipt_no in ack.body and "예상 처리기한" in ack.body
    if adapter.profile.quick_replies:
        assert [title for title, _ in ack.extra["quick_replies"]] == MENU_TITLES
    else:
        assert "quick_replies" not in ack.extra
        assert ack.body.endswith("보내실 수 있는 말: 새 민원 · 처리현황 · 담당자 연결")


MENU_TITLES = ["새 민원", "처리현황", "담당자 연결"]


def test_every_message_fits_the_channel(adapter):
    adapter.says("가" * 990)
    adapter.says("처리현황")
    assert all(len(m.body) <= 1000 for m in answers().exclude(purpose="ack"))
    assert len(answers().get(purpose="ack").body) <= 1000


def test_follow_ups_join_the_open_case_until_a_new_one_is_chosen(adapter):
    adapter.says("가로등이 고장")
    adapter.says("위치는 시청 앞입니다")
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().messages.filter(direction="in").count() == 2
    choose(adapter, "새 민원", "NEW_COMPLAINT")
    assert answers().filter(body__startswith="새 민원 내용을 보내 주세요").exists()
    adapter.says("다른 문제: 쓰레기 무단투기")
    assert Complaint.objects.count() == 2
    assert Complaint.objects.order_by("-pk").first().body == "다른 문제: 쓰레기 무단투기"


def test_status_by_menu_and_by_receipt_number(adapter):
    adapter.says("가로등이 고장")
    complaint = Complaint.objects.get()
    choose(adapter, "처리현황", "STATUS")
    adapter.says(f"{complaint.receipt_no} 어떻게 됐나요")
    status = answers(complaint).filter(body__startswith=f"민원 {complaint.receipt_no}: 접수")
    assert status.count() == 2 and "처리기한: D-" in status.first().body
    adapter.says("2020-000001")
    assert answers(complaint).filter(body__contains="그 접수번호를 찾지 못했습니다").exists()


class SaysOutsideCases(FakeAdapter):
    def __init__(self, profile: ChannelProfile):
        super().__init__(profile)
        self.said: list[str] = []

    def answer_without_case(self, text: str) -> None:
        self.said.append(text)


def test_a_receipt_number_alone_answers_the_status_in_plain_words_and_opens_no_case(text_only):
    text_only.says("가로등이 고장")
    complaint = Complaint.objects.get()
    Complaint.objects.filter(pk=complaint.pk).update(state="drafted")
    for typed in (complaint.receipt_no, f"접수번호 {complaint.receipt_no}"):
        text_only.says(typed)
    assert Complaint.objects.count() == 1
    status = answers(complaint).filter(body__startswith=f"민원 {complaint.receipt_no}: ")
    assert status.count() == 2
    assert all("답변 검토 중" in m.body and "결재" not in m.body for m in status)


def test_another_systems_application_number_opens_a_case_not_a_status_look_up(text_only):
    for typed in (
        "신청번호 1AA-1908-207005 에 대한 처리결과 요구",
        "민원(1AA-1904-303930)건 추가 민원",
    ):
        text_only.says(typed, sender=typed[:4])
    assert Complaint.objects.count() == 2
    assert not answers().filter(body__contains="찾지 못했습니다").exists()


def test_the_citizen_is_answered_in_the_citys_language_whatever_the_request_was_in(text_only):
    from django.utils import translation

    text_only.says("가로등이 고장")
    complaint = Complaint.objects.get()
    Complaint.objects.filter(pk=complaint.pk).update(state="drafted")
    with translation.override("en"):  # e.g. a skill request with Accept-Language: en
        text_only.says(complaint.receipt_no)
    status = answers(complaint).get(body__startswith=f"민원 {complaint.receipt_no}: ")
    assert "답변 검토 중" in status.body and "Answer under review" not in status.body


def test_someone_elses_receipt_number_opens_no_case_and_reveals_nothing(city, monkeypatch):
    monkeypatch.setitem(channel_profiles._PROFILES, "kakao", TEXT_ONLY)
    adapter = SaysOutsideCases(TEXT_ONLY)
    adapter.says("쓰레기 무단투기 신고", sender="other")
    theirs = Complaint.objects.get()
    adapter.says(f"접수번호{theirs.receipt_no}", sender="k1")  # a citizen with no case yet
    adapter.says("2026-999999", sender="k1")
    assert Complaint.objects.count() == 1
    assert len(adapter.said) == 2 and adapter.said[0] == adapter.said[1]
    assert "/minwon/status/" in adapter.said[0] and "쓰레기" not in adapter.said[0]
    assert not answers(theirs).filter(body__contains="찾지 못했습니다").exists()


def test_asking_for_a_person_is_recorded_and_answered(adapter):
    adapter.says("가로등이 고장")
    choose(adapter, "담당자 연결", "AGENT")
    assert Event.objects.filter(action="agent_requested").exists()
    assert answers().filter(body__startswith="담당자에게 알렸습니다").exists()


def test_consent_and_a_phone_number_when_the_answer_outlasts_the_reply_window(adapter, monkeypatch):
    from ontong.complaints import services

    monkeypatch.setattr(
        services.deadlines, "due_at", lambda *a, **k: timezone.now() + dt.timedelta(days=5)
    )
    adapter.says("보도블록이 깨졌어요")
    question = answers().get(body__contains="문자나 이메일")
    assert "카카오톡은 24시간이 지나면" in question.body
    identity = Complaint.objects.get().identity
    assert identity.pending_question == Question.CONSENT
    choose(adapter, "문자로 받기", "CONSENT_SMS")
    adapter.says("010-12")
    adapter.says("010-1234-5678")
    identity.refresh_from_db()
    citizen = identity.citizen
    assert citizen.phone == "010-1234-5678" and citizen.contact_consent_at
    assert identity.pending_question == Question.NONE
    bodies = list(answers().values_list("body", flat=True))
    assert any(b.startswith("형식이 맞지 않아요") for b in bodies)
    assert any("처리 결과를 카카오톡으로 보낼 수 없을 때" in b for b in bodies)
    assert Complaint.objects.count() == 1


def test_no_consent_question_on_a_channel_without_a_reply_window(text_only, monkeypatch):
    from ontong.complaints import services

    monkeypatch.setitem(
        channel_profiles._PROFILES, "kakao", dataclasses.replace(TEXT_ONLY, reply_window=None)
    )
    text_only.profile = channel_profiles.profile_for("kakao")
    monkeypatch.setattr(
        services.deadlines, "due_at", lambda *a, **k: timezone.now() + dt.timedelta(days=5)
    )
    text_only.says("보도블록이 깨졌어요")
    assert not answers().filter(body__contains="문자나 이메일").exists()


def notified(staff) -> Complaint:
    c = Complaint.objects.get()
    c = perform(c, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    c = perform(c, "start", staff["road"])
    c = perform(c, "submit", staff["road"], answer="포트홀을 메웠습니다.")
    c = perform(c, "approve", staff["road_mgr"])
    return perform(c, "notify", staff["road"])


def test_the_survey_is_asked_in_the_chat_and_answered_there(adapter, staff):
    adapter.says("도로에 포트홀이 생겼어요")
    c = notified(staff)
    survey = c.messages.get(purpose=Message.Purpose.SURVEY)
    assert "http" not in survey.body  # answered in the chat, not on the status page
    identity = c.identity
    identity.refresh_from_db()
    assert (identity.pending_question, identity.pending_complaint) == (Question.SURVEY, c)
    if adapter.profile.quick_replies:
        assert survey.extra["quick_replies"][0] == ["5 매우 만족", "SURVEY_5"]
    else:
        assert "quick_replies" not in survey.extra and "4 만족" in survey.body
    choose(adapter, "4 만족", "SURVEY_4")
    assert Satisfaction.objects.get(complaint=c).score == 4
    adapter.says("빨리 와 주셔서 고맙습니다")
    answer = Satisfaction.objects.get(complaint=c)
    assert answer.comment == "빨리 와 주셔서 고맙습니다" and answer.channel == "kakao"
    assert Complaint.objects.count() == 1


def test_a_typed_score_counts_on_every_channel(adapter, staff):
    adapter.says("도로에 포트홀이 생겼어요")
    c = notified(staff)
    adapter.says("2")
    assert Satisfaction.objects.get(complaint=c).score == 2


def test_notices_held_for_the_citizen_go_when_they_write(text_only, staff):
    text_only.says("가로등이 고장")
    held = answers().get(purpose="ack")
    Message.objects.filter(pk=held.pk).update(delivery=Message.Delivery.HELD)
    text_only.says("아직인가요?")
    held.refresh_from_db()
    assert held.delivery == Message.Delivery.QUEUED


def test_a_start_without_a_message_releases_held_notices_without_opening_a_case(text_only):
    text_only.says("가로등이 고장")
    held = answers().get(purpose="ack")
    Message.objects.filter(pk=held.pk).update(delivery=Message.Delivery.HELD)
    conversation.greet(text_only, "k1", timezone.now())
    held.refresh_from_db()
    assert held.delivery == Message.Delivery.QUEUED and Complaint.objects.count() == 1


def test_photos_go_to_the_adapter_and_a_photo_alone_reads_as_its_count(text_only):
    text_only.says(image_urls=("https://cdn.example/a.jpg",))
    complaint = Complaint.objects.get()
    assert complaint.body == "[사진 1장]"
    assert text_only.photos == [(complaint.pk, ["https://cdn.example/a.jpg"])]


def test_the_same_message_delivered_twice_is_kept_once(text_only):
    text_only.says("가로등이 고장", message_id="same")
    text_only.says("가로등이 고장", message_id="same")
    assert Message.objects.filter(direction="in").count() == 1


def test_typed_menu_words_are_plain_text_where_quick_replies_exist(city, monkeypatch):
    """Meta's behaviour: with quick replies, only a tap is a choice; typed "새 민원" is content."""
    monkeypatch.setitem(channel_profiles._PROFILES, "kakao", WITH_QUICK_REPLIES)
    adapter = FakeAdapter(WITH_QUICK_REPLIES)
    adapter.says("가로등이 고장")
    adapter.says("새 민원")
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().messages.filter(direction="in").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_citizens_two_messages_in_two_workers_batches_are_both_kept(
    city, monkeypatch, held_open
):
    """Their first message's batch (another worker) has made their identity but not committed:
    the second message waits on the unique constraint, then joins that identity; before, the
    IntegrityError made the batch take the message for one already stored, and it was lost."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    monkeypatch.setitem(channel_profiles._PROFILES, "kakao", TEXT_ONLY)

    def first_message():
        FakeAdapter(TEXT_ONLY).says("가로등이 고장났어요", sender="new", message_id="k-a")

    # The other batch commits half a second later: the second message is waiting by then.
    with held_open(first_message, commit_after=0.5):
        FakeAdapter(TEXT_ONLY).says("사진도 보낼게요", sender="new", message_id="k-b")
    complaint = Complaint.objects.get()
    kept = complaint.messages.filter(direction="in").values_list("external_id", flat=True)
    assert sorted(kept) == ["k-a", "k-b"]
