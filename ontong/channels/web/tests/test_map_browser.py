"""The map in Debian's chromium: a citizen places a pin (a tap on the map, or "내 위치"), sees an
open report near it and follows it instead of reporting again; another reports with a pin and a
photo (previewed, one removed), keeps the 8-character code, has the link sent by 카카오톡 (알림톡)
and opens the receipt on another phone with it — the photo and the location come back; staff see
the pin on the case page and the case on 지도. Titles shown to others have names masked, and a
follower who left a phone hears once when the followed case is answered. Accessibility (axe) on every page; screenshots for docs/ when ONTONG_SCREENSHOTS is set."""

import io
import os
import re
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from ontong.channels.alimtalk.tests.fakes import NHN_SEND, nhn_ok
from ontong.complaints.models import Complaint, Follower, Message
from ontong.web.tests.a11y import check_accessibility, visit
from ontong.web.tests.browser import BROWSER_MARKS

from .test_map_and_receipt import answer

pytestmark = [*BROWSER_MARKS, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("ONTONG_SCREENSHOTS", "")
HAEMI = {"latitude": 36.7135, "longitude": 126.5488}


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"map-{name}.png"), full_page=True)


def image(name: str, colour) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, "JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


@pytest.fixture
def phone(browser, live_server):
    contexts = []

    def open_(path="/minwon/", geolocation=None):
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            locale="ko-KR",
            is_mobile=True,
            has_touch=True,
            geolocation=geolocation,
            permissions=["geolocation"] if geolocation else [],
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        visit(page, live_server.url + path, "민원 신청")
        return page

    yield open_
    for context in contexts:
        context.close()


def test_my_location_shows_an_open_report_nearby_and_the_citizen_follows_it(
    phone, new_complaint, staff, kakao_link, run_tasks
):
    existing = new_complaint(
        "해미읍성 앞 도로 포트홀 (연락처 010-2222-3333)",
        title="김철수씨 가게 앞 포트홀",
        latitude=Decimal("36.713700"),
        longitude=Decimal("126.548800"),
    )
    page = phone(geolocation=HAEMI)
    expect(page.locator("#pin-map .leaflet-overlay-pane path")).to_have_count(15)  # 읍면동 drawn
    page.get_by_label(re.compile(r"^내용")).fill("읍성 앞에 큰 구멍이 있어요")
    page.get_by_role("button", name="내 위치").tap()
    expect(page.get_by_test_id("location-note")).to_contain_text("지금 있는 위치")
    assert page.locator("#id_latitude").input_value() == "36.713500"
    nearby = page.get_by_test_id("nearby")
    expect(nearby.get_by_role("heading", name="이미 접수된 민원인가요?")).to_be_visible()
    expect(nearby).to_contain_text("김*수씨 가게 앞 포트홀")
    expect(nearby).to_contain_text("접수됨")
    expect(nearby).to_contain_text("처리가 끝날 때 카카오톡이나 문자로 알려 드립니다")
    expect(nearby).not_to_contain_text("3333")
    expect(nearby).not_to_contain_text("김철수")
    page.get_by_label("휴대전화 (선택)").fill("010-5555-6666")
    page.get_by_label(re.compile("수집·이용에 동의합니다")).check()
    check_accessibility(page, "지도에 위치 표시, 근처 민원")
    shot(page, "1-nearby")
    nearby.get_by_role("button", name=re.compile("이 민원 따라가기")).tap()
    expect(page.get_by_test_id("following")).to_contain_text("이 민원을 따라갑니다")
    expect(page.get_by_test_id("steps")).to_contain_text("접수")
    check_accessibility(page, "따라가는 민원")
    shot(page, "2-following")
    assert Complaint.objects.count() == 1
    assert "큰 구멍" in Message.objects.get(complaint=existing, account="web-follow").body
    assert Follower.objects.get(complaint=existing).citizen.phone == "010-5555-6666"

    # The case is answered: the follower hears it once on KakaoTalk, the page says 답변 완료.
    kakao_link.on("POST", NHN_SEND, nhn_ok())
    answer(staff, existing)
    run_tasks()
    (told,) = [s for s in kakao_link.sent(NHN_SEND) if s["templateCode"] == "ONTONG_FOLLOWED"]
    assert told["recipientList"][0]["recipientNo"] == "01055556666"
    page.reload()
    expect(page.get_by_test_id("steps")).to_contain_text("답변 완료")
    check_accessibility(page, "따라가는 민원, 답변 완료")


def test_pin_photo_preview_receipt_code_and_lookup_elsewhere(
    phone, staff, open_page, live_server, kakao_link, run_tasks
):
    page = phone()
    page.get_by_label("제목 (선택)").fill("이영희씨 가게 앞 가로등")
    page.get_by_label(re.compile(r"^내용")).fill("해미면 도로 가로등이 꺼졌어요")
    pin_map = page.locator("#pin-map")
    pin_map.tap(position={"x": 195, "y": 150})  # the middle of the map
    expect(page.get_by_test_id("location-note")).to_contain_text("지도에 위치를 표시했습니다")
    assert page.locator("#id_latitude").input_value()
    page.get_by_role("button", name="표시 지우기").tap()
    assert page.locator("#id_latitude").input_value() == ""
    page.get_by_role("button", name="지도 가운데에 표시").tap()  # the keyboard's way
    lat = float(page.locator("#id_latitude").input_value())
    assert 36.5 < lat < 37.1
    page.get_by_label("사진").set_input_files(
        [image("a.jpg", (200, 0, 0)), image("b.jpg", (0, 0, 200))]
    )
    previews = page.get_by_test_id("photo-previews")
    expect(previews.locator("img")).to_have_count(2)
    previews.get_by_role("button", name="빼기: a.jpg").tap()
    expect(previews.locator("img")).to_have_count(1)
    phone_box = page.get_by_label("휴대전화 (선택)")
    assert (
        phone_box.get_attribute("inputmode") == "tel"
        and phone_box.get_attribute("autocomplete") == "tel"
    )
    phone_box.fill("010-4321-8765")
    page.get_by_label(re.compile("수집·이용에 동의합니다")).check()
    check_accessibility(page, "사진 미리보기와 지도")
    shot(page, "3-form")
    page.get_by_role("button", name="접수하기").tap()
    expect(page.get_by_text("민원이 접수되었습니다.", exact=True)).to_be_visible(timeout=60_000)
    receipt_no = page.get_by_test_id("receipt-no").inner_text()
    code = page.get_by_test_id("short-code").inner_text()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
    complaint = Complaint.objects.get(receipt_no=receipt_no)
    assert complaint.attachments.count() == 1 and abs(float(complaint.latitude) - lat) < 1e-5
    expect(page.get_by_test_id("receipt-photos").locator("img")).to_have_count(1)
    expect(page.locator("#receipt-map").get_by_role("img", name="보낸 위치")).to_be_visible()
    check_accessibility(page, "접수증")
    shot(page, "4-receipt")
    kakao_link.on("POST", NHN_SEND, nhn_ok())
    page.get_by_role("button", name="카카오톡으로 받기").tap()
    expect(page.get_by_test_id("kakao-sent")).to_contain_text("카카오톡으로 링크를 보냈습니다")
    check_accessibility(page, "카카오톡으로 받기")
    run_tasks()
    (sent,) = kakao_link.sent(NHN_SEND)
    assert sent["templateCode"] == "ONTONG_STATUS_LINK"
    assert code in sent["recipientList"][0]["templateParameter"]["알림내용"]

    other = phone("/minwon/status/")
    other.get_by_label(re.compile(r"^접수번호")).fill(receipt_no)
    other.get_by_label(re.compile(r"^조회 코드")).fill(code.lower())
    other.get_by_role("button", name="조회").tap()
    expect(other.get_by_role("heading", name=f"민원 {receipt_no}")).to_be_visible()
    expect(other.get_by_test_id("receipt-photos").locator("img")).to_have_count(1)
    third = phone("/minwon/status/")
    third.get_by_label(re.compile(r"^접수번호")).fill(receipt_no)
    third.get_by_label(re.compile(r"^조회 코드")).fill("8765")
    third.get_by_role("button", name="조회").tap()
    expect(third.get_by_role("heading", name=f"민원 {receipt_no}")).to_be_visible()
    check_accessibility(third, "휴대전화 끝 4자리로 조회")

    desk = open_page(f"/complaints/{receipt_no}/", user="triage")
    expect(
        desk.locator("#case-map").get_by_role("img", name="민원인이 표시한 위치")
    ).to_be_visible()
    check_accessibility(desk, "민원 화면의 위치")
    desk.goto(live_server.url + "/map/")
    pin = desk.locator("#cases-map img.leaflet-marker-icon")
    expect(pin).to_have_count(1)
    pin.hover()
    expect(desk.locator(".leaflet-tooltip img")).to_be_visible()
    expect(desk.locator(".leaflet-tooltip")).to_contain_text("이*희씨 가게 앞 가로등")
    check_accessibility(desk, "민원 지도")
    shot(desk, "5-staff-map")
    desk.goto(live_server.url + "/map/?view=areas")
    expect(desk.locator(".emd-count", has_text="건").first).to_be_visible()
    shot(desk, "6-staff-map-areas")
