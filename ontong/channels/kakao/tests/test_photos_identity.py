"""Photos through the 이미지 보안전송 플러그인 (Kakao hosts only, verified, capped), the location
plugin, and one citizen across bots (appUserId) and channels (a consented phone number)."""

import io
import json

import pytest
from PIL import Image

from ontong.channels.kakao import media
from ontong.channels.kakao.models import KakaoBot, KakaoUser
from ontong.complaints.models import Attachment, ChannelIdentity, Citizen, Complaint, Question

from .conftest import skill_payload
from .helpers import FakeKakao

pytestmark = pytest.mark.django_db(transaction=True)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 50, 50)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def fake_kakao():
    kakao = FakeKakao().start()
    yield kakao
    kakao.stop()


def plugin_value(*urls):
    return json.dumps({"privacyAgreement": "Y", "secureUrls": f"List({', '.join(urls)})"})


def test_secure_image_photos_are_fetched_verified_and_kept(bot, post_skill, fake_kakao, run_tasks):
    fake_kakao.files["/dna/a.png"] = ("image/png", png())
    fake_kakao.files["/dna/not-image"] = ("image/png", b"<html>nope</html>")
    good, bad = f"{fake_kakao.base_url}/dna/a.png", f"{fake_kakao.base_url}/dna/not-image"
    elsewhere = "https://evil.example.com/x.png"
    value = plugin_value(good, bad, elsewhere)
    post_skill(
        skill_payload(
            "도로 파손 사진입니다",
            params={"photo": value},
            detail_params={"photo": {"origin": value, "value": value}},
        )
    )
    run_tasks()
    complaint = Complaint.objects.get()
    items = {a.source_url or a.file.name: a for a in Attachment.objects.filter(complaint=complaint)}
    stored = [a for a in items.values() if a.file]
    assert len(stored) == 1 and stored[0].content_type == "image/png" and stored[0].size > 0
    refused = [a for a in items.values() if not a.file]
    assert len(refused) == 2
    assert any("허용되지 않은 주소" in a.fetch_error for a in refused)
    assert any(a.fetch_error and "허용되지 않은" not in a.fetch_error for a in refused)


def test_only_https_from_kakao_hosts_is_fetched(settings):
    settings.ONTONG_KAKAO_MEDIA_HOSTS = ["kakaocdn.net"]
    assert media.allowed("https://secure.kakaocdn.net/dna/a.jpg")
    assert not media.allowed("http://secure.kakaocdn.net/dna/a.jpg")
    assert not media.allowed("https://kakaocdn.net.evil.example/a.jpg")
    assert not media.allowed("http://127.0.0.1:8000/a.jpg")  # loopback only when listed


def test_a_photo_over_the_size_cap_is_refused(bot, post_skill, fake_kakao, run_tasks, settings):
    settings.ONTONG_MEDIA_MAX_BYTES = 100
    fake_kakao.files["/big.png"] = ("image/png", png() + b"\0" * 500)
    value = plugin_value(f"{fake_kakao.base_url}/big.png")
    post_skill(skill_payload("사진", params={"photo": value}))
    run_tasks()
    item = Attachment.objects.get()
    assert not item.file and "너무 큽니다" in item.fetch_error
    complaint = item.complaint
    told = complaint.messages.filter(direction="out", body__contains="사진을 받지 못했습니다")
    assert told.count() == 1 and "사진이 너무 큽니다" in told.get().body
    assert "/minwon/" in told.get().body
    assert complaint.events.filter(action="photo_refused", note__contains="너무 큽니다").exists()


def test_photos_from_a_host_not_allowed_are_refused_in_the_answer_once(bot, post_skill):
    value = plugin_value("https://evil.example.com/x.png", "https://evil.example.com/y.png")
    answer = post_skill(skill_payload("사진", params={"photo": value})).json()
    complaint = Complaint.objects.get()
    assert Attachment.objects.filter(complaint=complaint, fetch_error__contains="허용").count() == 2
    assert complaint.events.filter(action="photo_refused").count() == 2
    said = json.dumps(answer, ensure_ascii=False)
    assert said.count("사진을 받지 못했습니다: 사진을 가져오지 못했습니다") == 1


def test_the_location_plugin_place_is_kept_with_the_message(bot, post_skill):
    place = json.dumps(
        {"address": "충남 서산시 읍내동 100", "latitude": 36.78, "longitude": 126.45}
    )
    post_skill(
        skill_payload(
            "여기 쓰레기 무단투기", detail_params={"loc": {"origin": place, "value": place}}
        )
    )
    complaint = Complaint.objects.get()
    body = complaint.messages.get(direction="in").body
    assert "여기 쓰레기 무단투기" in body and "[위치: 충남 서산시 읍내동 100 (36.780000" in body


def test_one_citizen_across_bots_by_app_user_id(bot, post_skill, city):
    other = KakaoBot.objects.create(name="서산시 교통", bot_id="traffic-bot", skill_secret="s2")
    props = {"plusfriendUserKey": "pf", "appUserId": "kakao-login-42", "isFriend": True}
    post_skill(skill_payload("가로등이 고장났어요", user="key-on-bot-1", properties=props))
    post_skill(
        skill_payload("버스 정류장이 파손됐어요", user="key-on-bot-2", properties=props),
        bot_id="traffic-bot",
        secret="s2",
    )
    first, second = KakaoUser.objects.order_by("pk")
    assert (first.bot, second.bot) == (bot, other)
    assert first.identity != second.identity
    assert first.identity.citizen_id == second.identity.citizen_id
    assert Citizen.objects.count() == 1
    assert {c.citizen_id for c in Complaint.objects.all()} == {first.identity.citizen_id}


def test_a_consented_phone_number_joins_the_citizen_of_another_channel(bot, post_skill):
    from django.utils import timezone

    known = Citizen.objects.create(phone="010-1234-5678", contact_consent_at=timezone.now())
    ChannelIdentity.objects.create(
        citizen=known, channel="web", account="web", external_user_id="w1"
    )
    post_skill(skill_payload("가로등이 고장났어요"))
    identity = ChannelIdentity.objects.get(channel="kakao")
    assert identity.citizen != known
    identity.ask(Question.PHONE)
    post_skill(skill_payload("01012345678"))
    identity.refresh_from_db()
    assert identity.citizen == known
    assert Complaint.objects.get().citizen == known
    assert Citizen.objects.count() == 1  # the one left behind had nothing else: deleted
