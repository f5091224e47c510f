"""The skill server: `POST /channels/kakao/skill/<bot_id>/<secret>/`, or `…/skill/<bot_id>/` with
the secret in the `X-Ontong-Skill-Secret` header (a custom header set in the skill's settings).

Kakao does not sign its requests: the per-bot secret is compared in constant time, and the
source address may be limited to the bot's networks (the client address behind our proxies,
ontong.accounts.network). Unknown or inactive bot, bad secret or address → 403; a body that is
not a SkillPayload → 400 with nothing stored. Otherwise the raw request is stored (committed)
first, and the answer comes within ONTONG_KAKAO_SKILL_BUDGET seconds (skill.py)."""

import hmac
import ipaddress
import json
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ontong.accounts.network import client_ip

from . import skill
from .models import KakaoBot
from .payload import PayloadError, parse, without_rrns

KEPT_HEADERS = ("X-Request-Id", "User-Agent", "Content-Type", "X-Forwarded-For")
SECRET_HEADER = "X-Ontong-Skill-Secret"  # noqa: S105 (a header name, not a secret)


def secret_matches(bot: KakaoBot | None, given: str) -> bool:
    """Constant time; an unknown bot costs the same comparison as a known one."""
    expected = bot.skill_secret if bot is not None and bot.skill_secret else ""
    same = hmac.compare_digest(given.encode(), (expected or "\0unset").encode())
    return bool(expected) and same


def network_allowed(bot: KakaoBot, address: str | None) -> bool:
    """No networks listed: any source. Otherwise the client's address must be in one."""
    listed = [n.strip() for n in bot.allowed_networks.replace("\n", ",").split(",") if n.strip()]
    if not listed:
        return True
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    for network in listed:
        try:
            if client in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


@csrf_exempt
@require_POST
def skill_view(request: HttpRequest, bot_id: str, secret: str = "") -> HttpResponse:
    deadline = time.monotonic() + settings.ONTONG_KAKAO_SKILL_BUDGET
    bot = KakaoBot.objects.filter(bot_id=bot_id, is_active=True).first()
    if not secret_matches(bot, secret or request.headers.get(SECRET_HEADER, "")):
        return HttpResponseForbidden("unknown bot or bad secret")
    assert bot is not None
    if not network_allowed(bot, client_ip(request)):
        return HttpResponseForbidden("source address not allowed")
    limit = settings.ONTONG_WEBHOOK_MAX_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return HttpResponseBadRequest("bad Content-Length")
    if declared > limit:
        return HttpResponse("payload too large", status=413)
    raw = request.read(limit + 1)  # a chunked body has no Content-Length: read no further
    if len(raw) > limit:
        return HttpResponse("payload too large", status=413)
    body = without_rrns(raw)  # 주민등록번호 is never stored, not even in the raw body
    try:
        payload = parse(body)
    except PayloadError as error:
        return HttpResponseBadRequest(str(error))
    headers = {name: request.headers[name] for name in KEPT_HEADERS if name in request.headers}
    stored = skill.store(bot, body, headers, payload)
    answer = skill.answer(stored, payload, deadline)
    return HttpResponse(
        json.dumps(answer, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
