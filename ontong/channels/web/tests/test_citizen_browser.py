"""The citizen's pages in Debian's chromium, on a phone: every form posts (no 403), nothing lost."""

import io
import os
import re

import pytest
from PIL import Image

from ontong.complaints.models import Complaint, Message, Satisfaction
from ontong.web.tests.browser import BROWSER_MARKS

from .test_citizen_pages import answered

pytestmark = BROWSER_MARKS
SHOTS = os.environ.get("ONTONG_SCREENSHOTS", "")  # a folder: save what the citizen saw there


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"citizen-{name}.png"), full_page=True)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def phone(browser, live_server):
    contexts = []

    def open_(path, width=390, height=844):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="ko-KR",
            is_mobile=width < 600,
            has_touch=width < 600,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + path)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width,height", [(390, 844), (1280, 900)], ids=["phone", "desktop"])
def test_citizen_journey_every_form_posts(phone, staff, width, height):
    name = "phone" if width < 600 else "desktop"
    page = phone("/minwon/", width, height)
    page.fill("#id_body", "해미읍성 서문 앞 도로에 포트홀이 생겼어요")
    page.select_option("#id_area", label="해미면")
    page.set_input_files(
        "#id_photos", files=[{"name": "pothole.png", "mimeType": "image/png", "buffer": png()}]
    )
    page.fill("#id_name", "홍길동")
    page.fill("#id_phone", "010-1234-5678")
    page.check("#id_consent")
    shot(page, f"{name}-1-form")
    page.click("#intake-submit")

    receipt_no = page.locator("[data-testid=receipt-no]").inner_text()
    page_token = page.locator("[data-testid=status-token]").text_content()  # as shown, in groups
    token = "".join(page.locator("[data-testid=status-token]").text_content().split())
    assert re.fullmatch(r"\d{4}-\d{6}", receipt_no) and token
    assert "t=" not in page.url and token not in page.url
    assert page.locator("[data-testid=state]").inner_text() == "접수됨"
    assert page.locator("[data-testid=photo-count]").inner_text() == "1장"
    shot(page, f"{name}-2-receipt")

    page.fill("[data-testid=follow-up] textarea", "서문 주차장 입구 쪽입니다")
    page.click("[data-testid=follow-up] button[type=submit]")
    page.locator("[data-testid=follow-up-sent]").wait_for()
    complaint = Complaint.objects.get(receipt_no=receipt_no)
    assert complaint.messages.filter(
        direction=Message.Direction.IN, body__contains="서문 주차장"
    ).exists()
    assert "서문 주차장 입구 쪽입니다" in page.content()

    answered(staff, complaint)
    page.reload()
    assert page.locator("[data-testid=state]").inner_text() == "답변 완료"
    assert "포트홀을 메웠습니다" in page.locator("[data-testid=answer]").inner_text()
    shot(page, f"{name}-3-answered")
    page.locator("[data-testid=survey] input[name=score][value='5']").check()
    page.click("[data-testid=survey] button[type=submit]")
    page.locator("[data-testid=survey-thanks]").wait_for()
    assert Satisfaction.objects.get(complaint=complaint).score == 5

    page.click(".lang button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert receipt_no in page.locator("h1").inner_text()
    shot(page, f"{name}-4-english")

    lookup = phone(f"/minwon/status/{receipt_no}/", width, height)  # a bookmark, elsewhere
    assert lookup.locator("#id_receipt_no").input_value() == receipt_no
    shot(lookup, f"{name}-5-lookup")
    lookup.fill("#id_receipt_no", receipt_no)
    lookup.fill("#id_token", page_token)
    lookup.click("#lookup-submit")
    assert lookup.locator("[data-testid=state]").inner_text() == "답변 완료"
    assert token not in lookup.url


@pytest.mark.django_db(transaction=True)
def test_a_too_large_photo_is_refused_before_sending_and_nothing_typed_is_lost(phone, city):
    page = phone("/minwon/")
    page.fill("#id_body", "가로등이 꺼졌어요")
    big = {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (10 * 1024 * 1024 + 1)}
    page.set_input_files("#id_photos", files=[big])
    warning = page.locator("[data-testid=photos-warning]")
    assert "10MB를 넘는 사진은 올릴 수 없습니다" in warning.inner_text()
    assert "huge.jpg" in warning.inner_text()
    assert page.locator("#id_photos").evaluate("e => e.files.length") == 0
    assert page.locator("#id_body").input_value() == "가로등이 꺼졌어요"
    page.click("#intake-submit")
    page.locator("[data-testid=receipt-no]").wait_for()
