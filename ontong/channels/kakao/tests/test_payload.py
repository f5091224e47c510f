"""SkillPayload parsing (channel-contracts §5.1) and the 이미지 보안전송 플러그인's secureUrls."""

import json

import pytest

from ontong.channels.kakao.payload import PayloadError, parse, secure_urls

from .conftest import BOT_ID, skill_payload


def body(payload):
    return json.dumps(payload, ensure_ascii=False).encode()


def test_a_real_payload_is_read_and_unknown_keys_ignored():
    payload = skill_payload(
        "처리현황",
        params={"sys_text": "처리현황"},
        detail_params={"place": {"origin": "동문동", "value": "동문동", "groupName": ""}},
        client_extra={"payload": "STATUS"},
        properties={"plusfriendUserKey": "pf", "appUserId": "1234", "isFriend": True, "x": 1},
        unknown_top_level={"a": 1},
    )
    payload["flow"]["trigger"]["type"] = "QUICKREPLY_BUTTON_MESSAGE"
    parsed = parse(body(payload))
    assert parsed.bot_user_key == "botuser-1" and parsed.utterance == "처리현황"
    assert (parsed.plusfriend_user_key, parsed.app_user_id, parsed.is_friend) == (
        "pf",
        "1234",
        True,
    )
    assert parsed.bot_id == BOT_ID and parsed.block_name == "민원 접수"
    assert parsed.trigger_type == "QUICKREPLY_BUTTON_MESSAGE"
    assert parsed.params == {"sys_text": "처리현황"}
    assert parsed.detail_params["place"].origin == "동문동"
    assert parsed.client_extra == {"payload": "STATUS"}
    assert not parsed.is_test and parsed.is_korean


def test_is_friend_absent_means_unknown_and_lang_kr_is_korean():
    payload = skill_payload(properties={"plusfriendUserKey": "pf"}, lang="kr")
    parsed = parse(body(payload))
    assert parsed.is_friend is None and parsed.is_korean


def test_bot_test_surface_is_marked():
    assert parse(body(skill_payload(surface="BuilderBotTest"))).is_test


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1, 2]",
        b'{"userRequest": {"utterance": "hi"}}',
        b'{"userRequest": {"user": {"id": ""}}}',
        b'{"userRequest": {"user": "x"}}',
        b"[" * 50_000 + b"]" * 50_000,
    ],
)
def test_malformed_bodies_are_refused(raw):
    with pytest.raises(PayloadError):
        parse(raw)


def test_secure_urls_from_a_json_string_value_or_the_list_itself():
    value = json.dumps(
        {
            "privacyAgreement": "Y",
            "imageQuantity": "2",
            "secureUrls": "List(https://secure.kakaocdn.net/dna/a.jpg, https://secure.kakaocdn.net/dna/b.jpg)",
            "expire": "2026-12-02T10:00:00",
        }
    )
    assert secure_urls(value) == [
        "https://secure.kakaocdn.net/dna/a.jpg",
        "https://secure.kakaocdn.net/dna/b.jpg",
    ]
    assert secure_urls("List(https://x.kakaocdn.net/1.png)") == ["https://x.kakaocdn.net/1.png"]
    assert secure_urls("List()") == []
    assert secure_urls("그냥 글") == []
    assert secure_urls("{broken") == []


def test_photos_from_params_and_detail_params_each_once_and_location():
    listed = json.dumps({"secureUrls": "List(https://s.kakaocdn.net/a.jpg)"})
    payload = skill_payload(
        "",
        params={"photo": listed},
        detail_params={
            "photo": {"origin": listed, "value": listed},
            "loc": {
                "origin": "x",
                "value": json.dumps(
                    {"address": "충남 서산시 동문동 1", "latitude": 36.78, "longitude": 126.45}
                ),
            },
        },
    )
    parsed = parse(body(payload))
    assert parsed.secure_image_urls() == ["https://s.kakaocdn.net/a.jpg"]
    assert parsed.location() == "충남 서산시 동문동 1 (36.780000, 126.450000)"
