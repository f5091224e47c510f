"""The SkillResponse builder: every output type within Kakao's limits (channel-contracts §5.2)."""

import pytest

from ontong.channels.kakao import responses as r
from ontong.channels.kakao.responses import SkillResponseError


def test_simple_text_up_to_1000_characters():
    assert r.simple_text("가" * 1000) == {"simpleText": {"text": "가" * 1000}}
    with pytest.raises(SkillResponseError, match="1001"):
        r.simple_text("가" * 1001)
    with pytest.raises(SkillResponseError):
        r.simple_text("  ")


def test_simple_image_alt_text_up_to_50():
    image = r.simple_image("https://example.kr/a.png", "사진")
    assert image["simpleImage"]["altText"] == "사진"
    with pytest.raises(SkillResponseError):
        r.simple_image("https://example.kr/a.png", "가" * 51)
    with pytest.raises(SkillResponseError):
        r.simple_image("ftp://x/a.png", "사진")


def test_text_card_title_description_and_three_buttons():
    link = r.web_link("처리현황 보기", "https://ontong.example/s/1")
    card = r.text_card("접수번호 2026-000001", "설명", [link, link, link])
    assert card["textCard"]["buttons"][0] == {
        "label": "처리현황 보기",
        "action": "webLink",
        "webLinkUrl": "https://ontong.example/s/1",
    }
    with pytest.raises(SkillResponseError, match="4 buttons"):
        r.text_card("t", "d", [link] * 4)
    with pytest.raises(SkillResponseError):
        r.text_card("가" * 51, "d")
    with pytest.raises(SkillResponseError):
        r.text_card("t", "가" * 401)


def test_basic_card_needs_a_thumbnail_and_keeps_its_limits():
    card = r.basic_card(
        "https://example.kr/t.jpg", "제목", "설명", [r.button("전화", "phone", "0416601234")]
    )
    assert card["basicCard"]["thumbnail"] == {"imageUrl": "https://example.kr/t.jpg"}
    with pytest.raises(SkillResponseError):
        r.basic_card("", "제목")
    with pytest.raises(SkillResponseError):
        r.basic_card("https://example.kr/t.jpg", "제목", "가" * 231)


def test_button_labels_and_targets():
    with pytest.raises(SkillResponseError, match="14"):
        r.button("가" * 15, "message", "x")
    with pytest.raises(SkillResponseError):
        r.button("열기", "webLink")  # no URL
    with pytest.raises(SkillResponseError):
        r.button("열기", "teleport", "x")
    assert r.button("상담원", "operator") == {"label": "상담원", "action": "operator"}
    assert r.fit_label("카카오톡으로 충분해요 정말로요") == "카카오톡으로 충분해요 정…"
    assert len(r.fit_label("가" * 30)) == 14


def test_response_one_to_three_outputs_and_ten_quick_replies():
    text = r.simple_text("안녕하세요")
    replies = [r.quick_reply(f"선택 {i}", f"선택 {i}", {"payload": str(i)}) for i in range(10)]
    built = r.response([text, text, text], replies)
    assert built["version"] == "2.0" and len(built["template"]["quickReplies"]) == 10
    with pytest.raises(SkillResponseError):
        r.response([text] * 4)
    with pytest.raises(SkillResponseError):
        r.response([])
    with pytest.raises(SkillResponseError):
        r.response([text], [*replies, replies[0]])
    with pytest.raises(SkillResponseError):
        r.quick_reply("가" * 15, "x")


def test_validate_refuses_what_kakao_refuses():
    with pytest.raises(SkillResponseError):
        r.validate({"template": {"outputs": [{"simpleText": {"text": "a"}}]}})  # no version
    with pytest.raises(SkillResponseError):
        r.validate({"version": "2.0", "template": {"outputs": [{"carousel": {}}]}})
    with pytest.raises(SkillResponseError):
        r.validate({"version": "2.0", "useCallback": True, "template": {}})
    wait = r.callback_wait("접수하고 있습니다…")
    r.validate(wait)
    assert wait == {"version": "2.0", "useCallback": True, "data": {"text": "접수하고 있습니다…"}}
