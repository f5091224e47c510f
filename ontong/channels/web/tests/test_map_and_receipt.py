"""The citizen's map pin and receipt: open reports near a pin (no personal data), following one
instead of a new report, the reverse geocoder adapter, and opening the receipt with the short
code or the phone's last 4 digits — with a limit on wrong guesses per 접수번호."""

import json
import re
from decimal import Decimal

import httpx
import pytest
from django.test import Client

from ontong import geo
from ontong.channels.alimtalk.models import AlimtalkConfig
from ontong.channels.alimtalk.tests.fakes import NHN_SEND, SMS_SEND, nhn_error, nhn_ok
from ontong.channels.web import nearby, progress, status_grants
from ontong.complaints import notices
from ontong.complaints.models import Complaint, Event, Follower, Message
from ontong.complaints.workflow import perform
from ontong.org.models import Area, Department

from .test_intake import photo, submit

pytestmark = pytest.mark.django_db

HAEMI = (Decimal("36.713500"), Decimal("126.548800"))  # 해미읍성 앞


def at(lat: Decimal, lng: Decimal, metres_north: float) -> tuple[Decimal, Decimal]:
    return Decimal(f"{float(lat) + metres_north / 111_195:.6f}"), lng


def test_distance_and_box_agree_on_a_known_distance():
    north = at(*HAEMI, 250)
    d = geo.distance_m(float(HAEMI[0]), float(HAEMI[1]), float(north[0]), float(north[1]))
    assert 245 < d < 255
    south, top, west, east = geo.box(float(HAEMI[0]), float(HAEMI[1]), 300)
    assert south < HAEMI[0] < north[0] < top and west < HAEMI[1] < east


def test_near_lists_open_cases_within_the_radius_nearest_first_without_personal_data(
    new_complaint, staff
):
    far = new_complaint("해미면 먼 곳 가로등", latitude=at(*HAEMI, 900)[0], longitude=HAEMI[1])
    close = new_complaint(
        "포트홀 신고합니다 010-1234-5678 홍길동",
        title="포트홀 010-1234-5678 홍길동씨 가게 앞",
        latitude=at(*HAEMI, 40)[0],
        longitude=HAEMI[1],
    )
    closer = new_complaint("읍성 앞 보도블록 깨짐", latitude=HAEMI[0], longitude=HAEMI[1])
    done = new_complaint("끝난 민원", latitude=HAEMI[0], longitude=HAEMI[1])
    perform(done, "withdraw", staff["triage"], reason="시민 요청")
    new_complaint("위치 없는 민원")

    found = nearby.near(float(HAEMI[0]), float(HAEMI[1]))
    assert [n.receipt_no for n in found] == [closer.receipt_no, close.receipt_no]
    assert far.receipt_no not in {n.receipt_no for n in found}
    assert found[1].title == "포트홀 홍*동씨 가게 앞"
    assert found[0].state == "접수됨" and 35 <= found[1].distance_m <= 45


def test_near_endpoint_answers_only_title_state_date_and_distance(client, new_complaint):
    new_complaint(
        "보도블록",
        latitude=HAEMI[0],
        longitude=HAEMI[1],
        name="홍길동",
        phone="010-1111-2222",
        contact_consent=True,
    )
    response = client.get("/minwon/map/near/", {"lat": str(HAEMI[0]), "lng": str(HAEMI[1])})
    cases = response.json()["cases"]
    assert response.status_code == 200 and len(cases) == 1
    assert set(cases[0]) == {"receipt_no", "title", "state", "received", "distance_m"}
    assert "홍" not in json.dumps(cases, ensure_ascii=False)
    assert client.get("/minwon/map/near/", {"lat": "1", "lng": "2"}).status_code == 400


def test_following_adds_the_words_to_the_case_and_shows_only_its_progress(
    client, new_complaint, staff
):
    case = new_complaint(
        "해미읍성 앞 포트홀 (민원인 010-9999-8888)",
        latitude=HAEMI[0],
        longitude=HAEMI[1],
    )
    perform(case, "assign", staff["triage"], department=Department.objects.get(name="도로과"))
    response = client.post(
        "/minwon/follow/",
        {
            "receipt_no": case.receipt_no,
            "latitude": str(at(*HAEMI, 60)[0]),
            "longitude": str(HAEMI[1]),
            "body": "저도 어제 봤어요. 구멍이 커요",
        },
    )
    assert response.status_code == 302
    assert response.url == f"/minwon/follow/{case.receipt_no}/"
    assert Complaint.objects.count() == 1  # no new case
    words = Message.objects.get(complaint=case, account="web-follow")
    assert words.direction == "in" and "구멍이 커요" in words.body
    assert Event.objects.filter(complaint=case, note__contains="같은 문제").exists()

    page = client.get(response.url).content.decode()
    assert "이 민원을 따라갑니다" in page and "담당 부서 배정" in page and "도로과" in page
    assert "9999" not in page and "010-" not in page
    # Another browser that did not follow it sees nothing, unless it has the signed bookmark.
    assert Client().get(response.url).status_code == 404
    bookmark = re.search(r'href="http://testserver([^"]+)" data-testid="follow-bookmark"', page)
    other = Client()
    assert (
        "이 민원을 따라갑니다"
        in other.get(bookmark.group(1).replace("&amp;", "&")).content.decode()
    )
    assert other.get(response.url).status_code == 200  # remembered in that browser
    forged = f"{response.url}?f={notices.follow_key('2026-999999')}"
    assert Client().get(forged).status_code == 404  # a key for another number


def test_following_refuses_a_case_far_from_the_pin_or_already_answered(
    client, new_complaint, staff
):
    case = new_complaint("포트홀", latitude=HAEMI[0], longitude=HAEMI[1])
    far = {"receipt_no": case.receipt_no, "latitude": "36.9", "longitude": str(HAEMI[1])}
    response = client.post("/minwon/follow/", far | {"body": "같은 문제"})
    assert response.status_code == 400 and "따라갈 수 없습니다" in response.content.decode()
    assert "같은 문제</textarea>" in response.content.decode()  # what they typed is kept
    perform(case, "withdraw", staff["triage"], reason="시민 요청")
    near = far | {"latitude": str(HAEMI[0])}
    assert client.post("/minwon/follow/", near).status_code == 400
    assert not Message.objects.filter(account="web-follow").exists()


def test_reverse_geocoder_is_off_by_default_and_reads_vworld(settings, monkeypatch):
    assert geo.reverse_geocode(36.7, 126.5) == ""
    settings.ONTONG_GEOCODER, settings.ONTONG_VWORLD_KEY = "vworld", "test-key"
    seen = {}

    def vworld(request: httpx.Request) -> httpx.Response:
        seen.update(request.url.params)
        return httpx.Response(
            200,
            json={
                "response": {
                    "status": "OK",
                    "result": [
                        {"type": "parcel", "text": "충청남도 서산시 해미면 읍내리 16"},
                        {"type": "road", "text": "충청남도 서산시 해미면 남문2로 143"},
                    ],
                }
            },
        )

    client = httpx.Client(transport=httpx.MockTransport(vworld))
    monkeypatch.setattr(geo, "http", lambda: client)
    assert geo.reverse_geocode(36.7135, 126.5488) == "충청남도 서산시 해미면 남문2로 143"
    assert seen["point"] == "126.548800,36.713500" and seen["key"] == "test-key"

    def down(request):
        raise httpx.ConnectTimeout("slow")

    monkeypatch.setattr(geo, "http", lambda: httpx.Client(transport=httpx.MockTransport(down)))
    assert geo.reverse_geocode(36.7135, 126.5488) == ""
    assert geo.address_from_vworld({"response": {"status": "NOT_FOUND"}}) == ""


def test_address_endpoint_uses_the_geocoder(client, settings, monkeypatch):
    monkeypatch.setattr(geo, "reverse_geocode", lambda lat, lng: f"주소 {lat:.1f},{lng:.1f}")
    response = client.get("/minwon/map/address/", {"lat": "36.7", "lng": "126.5"})
    assert response.json() == {"address": "주소 36.7,126.5"}


def test_form_offers_the_map_and_works_without_it(client, city):
    page = client.get("/minwon/").content.decode()
    assert 'id="pin-map"' in page and "leaflet.js" in page and "seosan-emd" in page
    assert 'data-tiles=""' in page  # the demo: boundaries, no tiles
    assert re.search(r'<input type="tel" name="phone"[^>]*inputmode="tel"', page)
    assert 'autocomplete="tel"' in page
    # No script: the same post with the address typed still makes a case.
    assert submit(client, address="해미면 읍내리 16").status_code == 302


def test_tile_host_joins_the_pages_image_policy():
    import subprocess
    import sys

    code = "import django,os;os.environ['DJANGO_SETTINGS_MODULE']='ontong.settings';django.setup();from django.conf import settings as s;print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **__import__("os").environ,
            "ONTONG_MAP_TILES": "https://api.vworld.kr/req/wmts/1.0.0/KEY/Base/{z}/{y}/{x}.png",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "https://api.vworld.kr" in out


def receipt(client, **fields):
    response = submit(client, **fields)
    complaint = Complaint.objects.latest("pk")
    return complaint, client.get(response.url).content.decode()


def test_receipt_shows_a_short_code_that_opens_the_status_page_elsewhere(client, city):
    complaint, page = receipt(
        client,
        photos=[photo()],
        latitude=str(HAEMI[0]),
        longitude=str(HAEMI[1]),
        address="해미읍성 앞",
    )
    code = status_grants.short_code(complaint)
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}", code)
    shown = re.search(r'data-testid="short-code">([^<]+)<', page).group(1)
    assert shown == f"{code[:4]}-{code[4:]}"
    # Photos and location come back on the receipt.
    assert 'data-testid="receipt-map"' in page and "해미읍성 앞" in page
    photo_url = re.search(r'src="(/minwon/status/[^"]+/photos/\d+/)"', page).group(1)
    assert client.get(photo_url).status_code == 200
    assert Client().get(photo_url).status_code == 404  # not without the grant

    other = Client()
    response = other.post(
        "/minwon/status/", {"receipt_no": complaint.receipt_no, "token": shown.lower()}
    )
    assert response.status_code == 302 and response.url == f"/minwon/status/{complaint.receipt_no}/"


def test_phone_last_four_digits_open_it_and_guessing_stops_after_ten(client, city):
    complaint, _page = receipt(client, name="홍길동", phone="010-1234-5678", consent="on")
    guesser = Client()
    for wrong in range(status_grants.MAX_FAILURES):
        response = guesser.post(
            "/minwon/status/", {"receipt_no": complaint.receipt_no, "token": f"{wrong:04d}"}
        )
        assert response.status_code == 404
    response = guesser.post(
        "/minwon/status/", {"receipt_no": complaint.receipt_no, "token": "5678"}
    )
    assert response.status_code == 429  # even the right digits, for this number, for an hour
    assert "여러 번" in response.content.decode()
    status_grants.cache.clear()
    response = Client().post(
        "/minwon/status/", {"receipt_no": complaint.receipt_no, "token": "5678"}
    )
    assert response.status_code == 302


def test_four_digits_do_not_open_a_case_without_a_phone(client, city):
    complaint, _page = receipt(client)
    assert status_grants.complaint_for_secret(complaint.receipt_no, "0000") is None
    assert status_grants.complaint_for_secret(complaint.receipt_no, "") is None


def test_short_code_ends_with_the_token(new_complaint):
    complaint = new_complaint()
    code = status_grants.short_code(complaint)
    assert status_grants.complaint_for_secret(complaint.receipt_no, code) == complaint
    Complaint.objects.filter(pk=complaint.pk).update(status_token="")
    assert status_grants.complaint_for_secret(complaint.receipt_no, code) is None


INTERNAL_TERMS = [
    "답변작성",
    "결재",
    "결재완료",
    "통보완료",
    "배정됨",
    "보완요청",
    "drafted",
    "approved",
]


@pytest.mark.parametrize(
    "path",
    [
        [],
        ["assign"],
        ["assign", "start"],
        ["assign", "start", "submit"],
        ["assign", "start", "submit", "approve"],
        ["assign", "start", "submit", "approve", "notify"],
    ],
)
def test_status_page_tells_the_story_in_plain_words(client, city, staff, path):
    complaint, _page = receipt(client)
    road = Department.objects.get(name="도로과")
    road.phone = "041-660-2345"
    road.save()
    params = {"assign": {"department": road}, "submit": {"answer": "메웠습니다."}}
    actor = {"assign": staff["triage"], "approve": staff["road_mgr"]}
    for action in path:
        complaint = perform(
            complaint, action, actor.get(action, staff["road"]), **params.get(action, {})
        )
    page = client.get(f"/minwon/status/{complaint.receipt_no}/").content.decode()
    visible = re.sub(r"<[^>]+>", " ", page)
    for term in INTERNAL_TERMS:
        assert term not in visible, (path, term)
    steps = progress.steps(complaint, complaint.events.filter(action__in=progress.PUBLIC_EVENTS))
    assert [s.label for s in steps] == ["접수", "담당 부서 배정", "처리 중", "답변 완료"]
    assert all(s.at is not None for s in steps if s.status == "done")
    if path:
        assert "도로과" in visible and "041-660-2345" in visible


@pytest.fixture
def sms_gateway(settings):
    """The local emulator's SMS gateway (ontong.devtools.meta_emulator), as in the demo."""
    from ontong.devtools.meta_emulator import Emulator

    emu = Emulator(
        page_id="1", app_secret="s", token="t", instagram_id="2", webhook_url="http://127.0.0.1:9/"
    ).start()
    settings.ONTONG_SMS_URL = f"{emu.base_url}/sms"
    yield emu
    emu.stop()


def test_sms_link_is_offered_only_where_configured_and_sent_through_the_gateway(
    client, city, settings, run_tasks, request
):
    complaint, page = receipt(client, name="홍길동", phone="010-1234-5678", consent="on")
    assert "문자로 링크 받기" not in page  # no gateway configured
    gateway = request.getfixturevalue("sms_gateway")
    page = client.get(f"/minwon/status/{complaint.receipt_no}/?new=1").content.decode()
    assert "문자로 링크 받기" in page
    url = f"/minwon/status/{complaint.receipt_no}/"
    response = client.post(url, {"send_link": "sms"})
    assert response.status_code == 302 and "link=sms" in response.url
    run_tasks()
    sent = gateway.sms[-1]
    code = status_grants.display_code(status_grants.short_code(complaint))
    assert sent["to"] == "010-1234-5678" and code in sent["text"]
    assert f"{url}?t={complaint.status_token}" in sent["text"]
    message = Message.objects.get(extra__route="sms")
    assert (message.delivery, message.route, message.purpose) == ("sent", "sms", "status_link")
    # Not in the citizen's own thread (it is only the link), and three a day at most.
    client.post(url, {"body": "추가로 알립니다: 구멍이 커졌어요"})
    page = client.get(url).content.decode()
    assert "처리 현황 보기" not in page and "구멍이 커졌어요" in page
    client.post(url, {"send_link": "sms"})
    client.post(url, {"send_link": "sms"})
    assert "link=many" in client.post(url, {"send_link": "sms"}).url
    assert Message.objects.filter(extra__route="sms").count() == 3


def test_no_sms_link_without_a_consented_phone(client, city, sms_gateway):
    complaint, page = receipt(client)
    assert "문자로 링크 받기" not in page
    client.post(f"/minwon/status/{complaint.receipt_no}/", {"send_link": "sms"})
    assert not Message.objects.filter(extra__route="sms").exists()


def test_kakao_link_goes_as_the_approved_alimtalk_template(client, city, kakao_link, run_tasks):
    complaint, page = receipt(client, name="홍길동", phone="010-1234-5678", consent="on")
    assert "카카오톡으로 받기" in page and "문자로 링크 받기" in page
    kakao_link.on("POST", NHN_SEND, nhn_ok())
    url = f"/minwon/status/{complaint.receipt_no}/"
    assert "link=alimtalk" in client.post(url, {"send_link": "alimtalk"}).url
    assert "카카오톡으로 링크를 보냈습니다" in client.get(f"{url}?link=alimtalk").content.decode()
    run_tasks()

    (sent,) = kakao_link.sent(NHN_SEND)
    assert sent["templateCode"] == "ONTONG_STATUS_LINK"
    (recipient,) = sent["recipientList"]
    code = status_grants.display_code(status_grants.short_code(complaint))
    text = recipient["templateParameter"]["알림내용"]
    assert recipient["recipientNo"] == "01012345678"
    assert code in text and f"{url}?t={complaint.status_token}" in text
    message = Message.objects.get(extra__route="alimtalk")
    assert (message.delivery, message.route, message.purpose) == ("sent", "alimtalk", "status_link")
    assert kakao_link.sent(SMS_SEND) == []
    assert not Event.objects.filter(complaint=complaint, action="delivery_fallback").exists()
    assert "처리 현황 보기" not in client.get(url).content.decode()  # not in the thread


def test_kakao_link_falls_back_to_sms_when_alimtalk_refuses_and_staff_see_why(
    client, city, kakao_link, run_tasks
):
    complaint, _ = receipt(client, name="홍길동", phone="010-1234-5678", consent="on")
    kakao_link.on("POST", NHN_SEND, nhn_error(-3006, "Invalid template"))
    client.post(f"/minwon/status/{complaint.receipt_no}/", {"send_link": "alimtalk"})
    run_tasks()

    message = Message.objects.get(extra__route="alimtalk")
    assert (message.delivery, message.route) == ("sent", "sms")
    (sms,) = kakao_link.sent(SMS_SEND)
    assert sms["to"] == "010-1234-5678" and complaint.receipt_no in sms["text"]
    note = Event.objects.get(complaint=complaint, action="delivery_fallback").note
    assert note.startswith("처리 현황 링크: 요청한 수단 → 문자로 보냄 (실패한 수단: 알림톡:")
    assert not kakao_link.sent("/mail")  # the chain is the asked routes only: no e-mail


def test_kakao_link_that_no_route_takes_fails_visibly(client, city, kakao_link, run_tasks):
    complaint, _ = receipt(client, name="홍길동", phone="010-1234-5678", consent="on")
    kakao_link.on("POST", NHN_SEND, nhn_error(-3006, "Invalid template"))
    kakao_link.routes.insert(0, ("POST", SMS_SEND, [(400, {"error": "blocked number"})]))
    client.post(f"/minwon/status/{complaint.receipt_no}/", {"send_link": "alimtalk"})
    run_tasks()

    message = Message.objects.get(extra__route="alimtalk")
    assert message.delivery == "failed" and "알림톡" in message.last_error
    assert "문자" in message.last_error
    assert Event.objects.filter(complaint=complaint, action="delivery_failed").exists()


def test_kakao_and_sms_links_share_the_daily_limit_and_need_alimtalk_on(
    client, city, kakao_link, alimtalk_on
):
    complaint, _ = receipt(client, name="홍길동", phone="010-1234-5678", consent="on")
    url = f"/minwon/status/{complaint.receipt_no}/"
    kakao_link.on("POST", NHN_SEND, nhn_ok())
    client.post(url, {"send_link": "alimtalk"})
    client.post(url, {"send_link": "sms"})
    client.post(url, {"send_link": "alimtalk"})
    assert "link=many" in client.post(url, {"send_link": "sms"}).url
    assert Message.objects.filter(purpose="status_link").count() == 3
    config = AlimtalkConfig.current()
    config.enabled = False
    config.save()
    page = client.get(f"{url}?new=1").content.decode()
    assert "카카오톡으로 받기" not in page and "문자로 링크 받기" in page
    assert client.post(url, {"send_link": "alimtalk"}).url == url  # not offered: nothing sent
    assert client.post(url, {"send_link": "nonsense"}).url == url


def test_boundary_file_finds_the_읍면동_of_a_point_and_the_form_uses_it(client, city):
    assert geo.area_name_at(36.7135, 126.5488) == "해미면"  # 해미읍성
    assert geo.area_name_at(36.9, 126.1) == ""  # the sea
    assert submit(client, latitude="36.713500", longitude="126.548800").status_code == 302
    assert Complaint.objects.get().area.name == "해미면"
    chosen = Area.objects.get(name="대산읍")
    submit(client, area=chosen.pk, latitude="36.713500", longitude="126.548800")
    assert Complaint.objects.latest("pk").area == chosen  # the citizen's choice wins


def test_reverse_geocoder_through_the_local_emulator(settings):
    """The same adapter against the local VWorld stand-in (ontong.devtools.meta_emulator), over HTTP."""
    from ontong.devtools.meta_emulator import Emulator

    emu = Emulator(
        page_id="1", app_secret="s", token="t", instagram_id="2", webhook_url="http://127.0.0.1:9/"
    ).start()
    try:
        settings.ONTONG_GEOCODER, settings.ONTONG_VWORLD_KEY = "vworld", "demo-key"
        settings.ONTONG_VWORLD_URL = f"{emu.base_url}/req/address"
        assert geo.reverse_geocode(36.7135, 126.5488) == "충청남도 서산시 해미면 일대"
        assert geo.reverse_geocode(36.9, 126.1) == ""  # the sea: NOT_FOUND
        settings.ONTONG_VWORLD_KEY = "x"
        settings.ONTONG_VWORLD_URL = f"{emu.base_url}/no-such-path"
        assert geo.reverse_geocode(36.7135, 126.5488) == ""  # an error answer is no address
    finally:
        emu.stop()


def answer(staff, complaint, text="포트홀을 메웠습니다. 민원인 홍길동님 감사합니다."):
    road = Department.objects.get(name="도로과")
    c = perform(complaint, "assign", staff["triage"], department=road)
    c = perform(c, "start", staff["road"])
    c = perform(c, "submit", staff["road"], answer=text)
    c = perform(c, "approve", staff["road_mgr"])
    return c if c.state == "notified" else perform(c, "notify", staff["road"])


def follow_with(client, case, **fields):
    return client.post(
        "/minwon/follow/",
        {
            "receipt_no": case.receipt_no,
            "latitude": str(HAEMI[0]),
            "longitude": str(HAEMI[1]),
            "body": "저도 봤어요",
            **fields,
        },
    )


def test_a_follower_who_left_a_phone_is_told_once_when_the_case_is_answered(
    client, new_complaint, staff, kakao_link, run_tasks
):
    case = new_complaint(
        "해미읍성 앞 포트홀",
        title="김철수씨 가게 앞 포트홀",
        latitude=HAEMI[0],
        longitude=HAEMI[1],
        name="김철수",
        phone="010-9999-8888",
        contact_consent=True,
    )
    assert follow_with(client, case, phone="010-2222-3333", consent="on").status_code == 302
    follow_with(client, case, phone="010-2222-3333", consent="on")  # pressed twice: one follower
    follower = Follower.objects.get(complaint=case)
    assert follower.citizen.phone == "010-2222-3333" and follower.citizen.contact_consent_at
    assert not Event.objects.filter(complaint=case, note__contains="2222").exists()
    kakao_link.on("POST", NHN_SEND, nhn_ok())

    case = answer(staff, case)
    run_tasks()

    told = Message.objects.get(complaint=case, purpose="followed_result")
    assert (told.recipient, told.delivery, told.route) == (follower.citizen, "sent", "alimtalk")
    (sent,) = [s for s in kakao_link.sent(NHN_SEND) if s["templateCode"] == "ONTONG_FOLLOWED"]
    (recipient,) = sent["recipientList"]
    text = recipient["templateParameter"]["알림내용"]
    assert recipient["recipientNo"] == "01022223333"
    assert case.receipt_no in text and "김*수씨 가게 앞 포트홀" in text
    assert f"/minwon/follow/{case.receipt_no}/?f=" in text
    for private in ("메웠습니다", "홍길동", "김철수", "9999"):
        assert private not in text
    assert Event.objects.filter(complaint=case, action="followers_told").count() == 1
    # The case's own citizen does not see it in their thread.
    assert "따라가신 민원" not in status_page(case)

    # Re-sent result, a second result notice after 다시 처리: the follower is not told again.
    result = Message.objects.get(complaint=case, purpose="result")
    Message.objects.filter(pk=result.pk).update(delivery="failed")
    notices.resend(result)
    assert notices.tell_followers(case) == 0
    run_tasks()
    assert Message.objects.filter(purpose="followed_result").count() == 1
    assert (
        len([s for s in kakao_link.sent(NHN_SEND) if s["templateCode"] == "ONTONG_FOLLOWED"]) == 1
    )


def status_page(case):
    other = Client()
    other.post(
        "/minwon/status/",
        {"receipt_no": case.receipt_no, "token": status_grants.short_code(case)},
    )
    return other.get(f"/minwon/status/{case.receipt_no}/").content.decode()


def test_a_follow_phone_needs_consent_and_a_follower_is_not_told_without_a_route(
    client, new_complaint, staff
):
    case = new_complaint("포트홀", latitude=HAEMI[0], longitude=HAEMI[1])
    refused = follow_with(client, case, phone="010-2222-3333")
    assert refused.status_code == 400 and "동의해 주세요" in refused.content.decode()
    assert not Follower.objects.exists()
    assert follow_with(client, case, phone="010-2222-3333", consent="on").status_code == 302
    answer(staff, case)  # no 알림톡, no SMS gateway: nothing to send it by
    assert not Message.objects.filter(purpose="followed_result").exists()
    assert Follower.objects.get().told_at is not None


def test_a_followers_phone_is_destroyed_with_the_cases_personal_data(client, new_complaint):
    from ontong.complaints.retention import purge_complaint

    case = new_complaint("포트홀", latitude=HAEMI[0], longitude=HAEMI[1])
    follow_with(client, case, phone="010-2222-3333", consent="on")
    purge_complaint(case)
    citizen = Follower.objects.get().citizen
    citizen.refresh_from_db()
    assert (citizen.phone, citizen.contact_consent_at) == ("", None)


def test_followers_of_a_case_grouped_into_another_are_told_with_its_result(
    client, new_complaint, staff, kakao_link, run_tasks
):
    followed = new_complaint("포트홀", latitude=HAEMI[0], longitude=HAEMI[1])
    follow_with(client, followed, phone="010-2222-3333", consent="on")
    original = new_complaint("같은 포트홀")
    perform(followed, "mark_duplicate", staff["triage"], duplicate_of=original)
    kakao_link.on("POST", NHN_SEND, nhn_ok())
    answer(staff, original)
    run_tasks()
    told = Message.objects.get(purpose="followed_result")
    assert told.complaint == followed and told.delivery == "sent"
    assert followed.receipt_no in told.body
