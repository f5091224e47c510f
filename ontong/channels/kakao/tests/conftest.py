import json

import pytest

from ontong.channels.kakao import skill
from ontong.channels.kakao.models import KakaoBot

BOT_ID, SECRET = "5ae9b76d7409b11ec845b746!", "skill-secret-1"


def skill_payload(
    utterance="가로등이 고장났어요",
    user="botuser-1",
    *,
    callback_url="",
    params=None,
    detail_params=None,
    client_extra=None,
    properties=None,
    surface="Kakaotalk.plusfriend",
    lang="ko",
    **extra,
):
    """A SkillPayload v2 as the 오픈빌더 sends it (channel-contracts §5.1), unknown keys included."""
    request = {
        "timezone": "Asia/Seoul",
        "params": {"surface": surface, "ignoreMe": "true"},
        "block": {"id": "blk-1", "name": "민원 접수"},
        "utterance": utterance,
        "lang": lang,
        "user": {
            "id": user,
            "type": "botUserKey",
            "properties": {"plusfriendUserKey": f"pf-{user}", "isFriend": True}
            if properties is None
            else properties,
        },
        "isInSlotFilling": False,
    }
    if callback_url:
        request["callbackUrl"] = callback_url
    return {
        "intent": {"id": "blk-1", "name": "민원 접수", "extra": {"reason": {"code": 1}}},
        "userRequest": request,
        "bot": {"id": BOT_ID, "name": "서산시"},
        "action": {
            "id": "act-1",
            "name": "ontong",
            "params": params or {},
            "detailParams": detail_params or {},
            "clientExtra": client_extra or {},
        },
        "contexts": [],
        "flow": {"trigger": {"type": "TEXT_INPUT"}, "lastBlock": {"id": "x", "name": "y"}},
        **extra,
    }


@pytest.fixture
def bot(city, settings):
    settings.ONTONG_KAKAO_MEDIA_HOSTS = [*settings.ONTONG_KAKAO_MEDIA_HOSTS, "127.0.0.1"]
    settings.ONTONG_KAKAO_CALLBACK_HOSTS = [*settings.ONTONG_KAKAO_CALLBACK_HOSTS, "127.0.0.1"]
    # The first case of a test process loads the Korean analyser and the routing model (seconds
    # on a shared machine): the answers are checked here, the time budget in test_deadline.py.
    settings.ONTONG_KAKAO_SKILL_BUDGET = 60
    return KakaoBot.objects.create(name="서산시", bot_id=BOT_ID, skill_secret=SECRET)


@pytest.fixture
def post_skill(client):
    """POST a skill request to the view and wait for its processing thread to finish."""

    def post(
        payload=None, *, raw=None, secret=SECRET, header=False, bot_id=BOT_ID, wait=True, **kwargs
    ):
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        if header:
            url, headers = f"/channels/kakao/skill/{bot_id}/", {"X-Ontong-Skill-Secret": secret}
        else:
            url, headers = f"/channels/kakao/skill/{bot_id}/{secret}/", {}
        headers.update(kwargs.pop("headers", {}))
        response = client.post(
            url, data=body, content_type="application/json", headers=headers, **kwargs
        )
        if wait:
            skill.wait_for_threads()
        return response

    return post
