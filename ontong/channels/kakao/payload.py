"""SkillPayload v2 (Kakao i 오픈빌더 → our skill server), parsed into types (channel-contracts §5.1).

Only what we use is read; every other key is ignored (real payloads carry many). A body that is
not a JSON object, or has no `userRequest.user.id`, is refused (`PayloadError`): nothing of it
is stored.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ontong.complaints.privacy import remove_rrns


class PayloadError(ValueError):
    pass


TEST_SURFACE = "BuilderBotTest"
LANGS = {"ko", "kr"}  # the guide says "ko", older and callback examples "kr"


@dataclass(frozen=True)
class DetailParam:
    origin: str
    value: str
    group_name: str = ""


@dataclass(frozen=True)
class SkillPayload:
    bot_user_key: str
    utterance: str = ""
    plusfriend_user_key: str = ""
    app_user_id: str = ""
    is_friend: bool | None = None  # absent unless the citizen added the channel
    lang: str = ""
    surface: str = ""
    callback_url: str = ""
    bot_id: str = ""
    block_id: str = ""
    block_name: str = ""
    intent_id: str = ""
    intent_name: str = ""
    action_name: str = ""
    trigger_type: str = ""  # flow.trigger.type: TEXT_INPUT, QUICKREPLY_BUTTON_MESSAGE, …
    params: dict[str, str] = field(default_factory=dict)
    detail_params: dict[str, DetailParam] = field(default_factory=dict)
    client_extra: dict[str, Any] = field(default_factory=dict)
    media: dict[str, str] = field(default_factory=dict)  # userRequest.params.media {type, url}

    @property
    def is_test(self) -> bool:
        """The 오픈빌더's 봇테스트 chat: answered, but marked (it is not a citizen)."""
        return self.surface == TEST_SURFACE

    @property
    def is_korean(self) -> bool:
        return not self.lang or self.lang.lower() in LANGS

    def secure_image_urls(self) -> list[str]:
        """Photos sent through the 이미지 보안전송 플러그인, in order, each once."""
        found: list[str] = []
        values = [*self.params.values(), *(d.value for d in self.detail_params.values())]
        for value in values:
            for url in secure_urls(value):
                if url not in found:
                    found.append(url)
        if self.media.get("type") == "image" and self.media.get("url"):
            url = self.media["url"]
            if url not in found:
                found.append(url)
        return found

    def location(self) -> str:
        """The place the location plugin sent ("주소 (위도, 경도)"), or ""."""
        values = [*self.params.values(), *(d.value for d in self.detail_params.values())]
        for value in values:
            if text := location_text(value):
                return text
        return ""


def text(value: object, limit: int = 1000) -> str:
    return str(value)[:limit] if isinstance(value, str | int | float) else ""


def mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse(body: bytes) -> SkillPayload:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise PayloadError("malformed JSON") from None
    if not isinstance(data, dict):
        raise PayloadError("not a SkillPayload")
    request = mapping(data.get("userRequest"))
    user = mapping(request.get("user"))
    user_key = text(user.get("id"), 200).strip()
    if not user_key:
        raise PayloadError("userRequest.user.id is missing")
    props = mapping(user.get("properties"))
    request_params = mapping(request.get("params"))
    block = mapping(request.get("block"))
    intent = mapping(data.get("intent"))
    action = mapping(data.get("action"))
    trigger = mapping(mapping(data.get("flow")).get("trigger"))
    friend = props.get("isFriend")
    details = {
        str(name): DetailParam(
            origin=text(mapping(item).get("origin"), 5000),
            value=text(mapping(item).get("value"), 5000),
            group_name=text(mapping(item).get("groupName"), 200),
        )
        for name, item in mapping(action.get("detailParams")).items()
        if isinstance(item, dict)
    }
    return SkillPayload(
        bot_user_key=user_key,
        utterance=text(request.get("utterance"), 5000),
        plusfriend_user_key=text(props.get("plusfriendUserKey"), 200),
        app_user_id=text(props.get("appUserId"), 200),
        is_friend=friend if isinstance(friend, bool) else None,
        lang=text(request.get("lang"), 10),
        surface=text(request_params.get("surface"), 50),
        callback_url=text(request.get("callbackUrl"), 1000),
        bot_id=text(mapping(data.get("bot")).get("id"), 64),
        block_id=text(block.get("id") or intent.get("id"), 100),
        block_name=text(block.get("name") or intent.get("name"), 200),
        intent_id=text(intent.get("id"), 100),
        intent_name=text(intent.get("name"), 200),
        action_name=text(action.get("name"), 200),
        trigger_type=text(trigger.get("type"), 50),
        params={
            str(k): text(v, 5000)
            for k, v in mapping(action.get("params")).items()
            if isinstance(v, str | int | float)
        },
        detail_params=details,
        client_extra=mapping(action.get("clientExtra")),
        media={
            str(k): text(v)
            for k, v in mapping(request_params.get("media")).items()
            if isinstance(v, str)
        },
    )


def without_rrns(body: bytes) -> bytes:
    """The body as it may be stored: every 주민등록번호 in what the citizen wrote or entered (the
    utterance, params, detailParams) replaced by the marker, before anything is written. Other
    fields (ids, keys, URLs) are left as they came. A body that is not a JSON object is returned
    as it is (it is refused by `parse` and never stored)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return body
    if not isinstance(data, dict):
        return body
    removed = 0

    def clean(value: object) -> object:
        nonlocal removed
        if isinstance(value, str):
            kept, count = remove_rrns(value)
            removed += count
            return kept
        return value

    request = mapping(data.get("userRequest"))
    if "utterance" in request:
        request["utterance"] = clean(request["utterance"])
    action = mapping(data.get("action"))
    params = mapping(action.get("params"))
    for name in list(params):
        params[name] = clean(params[name])
    for item in mapping(action.get("detailParams")).values():
        if isinstance(item, dict):
            for name in ("origin", "value"):
                if name in item:
                    item[name] = clean(item[name])
    if not removed:
        return body
    return json.dumps(data, ensure_ascii=False).encode()


LIST_STRING = re.compile(r"List\((.*)\)", re.DOTALL)


def secure_urls(value: str) -> list[str]:
    """`secureUrls` from a plugin's value: a JSON string holding "List(url1, url2)" (a Scala list
    written out), or that list string itself."""
    value = value.strip()
    listed = value
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except (ValueError, RecursionError):
            return []
        listed = text(mapping(data).get("secureUrls"), 20000) if isinstance(data, dict) else ""
    match = LIST_STRING.fullmatch(listed.strip())
    if not match:
        return []
    return [url.strip() for url in match.group(1).split(",") if url.strip().startswith("http")]


def location_text(value: str) -> str:
    """The location plugin's value (a JSON object with an address and/or coordinates)."""
    if not value.strip().startswith("{"):
        return ""
    try:
        data = json.loads(value)
    except (ValueError, RecursionError):
        return ""
    data = mapping(data)
    address = text(
        data.get("address") or data.get("roadAddress") or data.get("addressName"), 300
    ).strip()
    lat, lng = data.get("latitude", data.get("lat")), data.get("longitude", data.get("lng"))
    coords = ""
    try:
        if lat is not None and lng is not None:
            coords = f"{float(lat):.6f}, {float(lng):.6f}"
    except (TypeError, ValueError):
        coords = ""
    if address and coords:
        return f"{address} ({coords})"
    return address or coords
