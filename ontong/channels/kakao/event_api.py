"""The chatbot Event API (channel-contracts §5.4 A): the bot writes first, days later.

`POST {bot_api_url}/v2/bots/{bot_id}/talk` with `Authorization: KakaoAK <REST API key>` answers
`{"taskId", "status": "SUCCESS", "timestamp"}`: Kakao has *accepted* the task, not delivered it.
`GET {bot_api_url}/v1/tasks/{taskId}` then says per user whether it arrived
(`{"status": "ALL SUCCESS", "allRequestCount": 1, "successCount": 1, "fail": {"count": 0,
"list": []}}`). Each message costs 15원 (VAT 별도) from the bot's wallet.

Errors are told the way every transport tells them (channels/base.py): nothing sent and trying
again can help → TemporaryError; Kakao refuses this citizen or this bot (401/403 key or wallet,
unknown user, blocked channel, no such event) → WindowClosed, so the notice takes the fallback
chain at once; a timeout after the request went out → UnknownOutcome (Kakao may have sent it:
never sent again blindly).
"""

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings

from ontong.channels.base import TemporaryError, UnknownOutcome, WindowClosed
from ontong.outbound import http

from .models import KakaoBot, KakaoUser

log = logging.getLogger(__name__)

USER_TYPES = ("botUserKey", "plusfriendUserKey", "appUserId")
DONE = {"SUCCESS", "ALL SUCCESS"}


class EventApiRefused(WindowClosed):
    """Kakao will not carry this notice (key, wallet, user, event): use the fallback."""


@dataclass(frozen=True)
class EventUser:
    type: str  # botUserKey | plusfriendUserKey | appUserId
    id: str


def user_for(kakao_user: KakaoUser | None) -> EventUser | None:
    """Whom to address: the botUserKey (this bot's own key for the citizen), else the channel's
    plusfriendUserKey, else the Kakao Login appUserId — what the skill requests told us."""
    if kakao_user is None:
        return None
    for kind, value in (
        ("botUserKey", kakao_user.bot_user_key),
        ("plusfriendUserKey", kakao_user.plusfriend_user_key),
        ("appUserId", kakao_user.app_user_id),
    ):
        if value:
            return EventUser(kind, value)
    return None


@dataclass(frozen=True)
class TaskResult:
    task_id: str
    status: str
    requested: int = 0
    succeeded: int = 0
    failed: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """'delivered', 'failed' or 'pending' for a task sent to one user."""
        status = self.status.upper()
        if self.failed or (("FAIL" in status or "ERROR" in status) and not self.succeeded):
            return "failed"
        if self.succeeded and self.succeeded >= max(self.requested, 1):
            return "delivered"
        if status in DONE and not self.requested:  # a result without counts
            return "delivered"
        return "pending"


def parse_task(body: dict[str, Any], task_id: str) -> TaskResult:
    fail = body.get("fail") if isinstance(body.get("fail"), dict) else {}
    reasons = []
    for item in (fail or {}).get("list") or []:
        if isinstance(item, dict):
            reason = item.get("errorMsg") or item.get("message") or item.get("reason") or ""
            reasons.append(str(reason))
        else:
            reasons.append(str(item))
    message = str(body.get("message") or "")
    if message and not reasons and "FAIL" in str(body.get("status", "")).upper():
        reasons.append(message)
    return TaskResult(
        task_id=str(body.get("taskId") or task_id),
        status=str(body.get("status") or ""),
        requested=_int(body.get("allRequestCount")),
        succeeded=_int(body.get("successCount")),
        failed=_int((fail or {}).get("count")),
        reasons=reasons,
    )


def _int(value: object) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0


def error_from(status: int, body: dict[str, Any]) -> Exception:
    detail = str(body.get("message") or body.get("msg") or body.get("status") or "").strip()
    text = f"카카오 Event API {status}" + (f": {detail}" if detail else "")
    if status in (401, 403):
        return EventApiRefused(f"{text} — REST API 키·월렛 연결·챗봇 권한을 확인하세요")
    if status == 429 or status >= 500:
        return TemporaryError(text)
    # 400/404: unknown or blocking user, no block with this event name, malformed user key.
    return EventApiRefused(text)


class EventApiClient:
    def __init__(self, base_url: str, bot_id: str, rest_api_key: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.bot_id = bot_id
        self.rest_api_key = rest_api_key
        self.timeout = timeout

    @classmethod
    def for_bot(cls, bot: KakaoBot) -> "EventApiClient":
        return cls(bot.api_base, bot.bot_id, bot.rest_api_key, settings.ONTONG_GRAPH_TIMEOUT)

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            # The key goes in a header, never the URL, so it stays out of access logs.
            response = http().request(
                method,
                f"{self.base_url}{path}",
                headers={"Authorization": f"KakaoAK {self.rest_api_key}"},
                timeout=self.timeout,
                **kwargs,
            )
        except httpx.TimeoutException as exc:
            if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
                raise TemporaryError(f"카카오 Event API에 연결하지 못했습니다: {exc}") from exc
            raise UnknownOutcome(
                f"카카오 Event API 응답 시간 초과: 전달 여부를 알 수 없습니다 ({exc})"
            ) from exc
        except httpx.TransportError as exc:
            raise TemporaryError(f"카카오 Event API에 연결하지 못했습니다: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code >= 400:
            raise error_from(response.status_code, body)
        return body

    def send(
        self, event_name: str, user: EventUser, text: str, params: dict[str, str] | None = None
    ) -> str:
        """Ask Kakao to run the event block for one user; the task id to poll."""
        payload = {
            "event": {"name": event_name, "data": {"text": text}},
            "user": [{"type": user.type, "id": user.id}],
            "params": params or {},
        }
        body = self.request("POST", f"/v2/bots/{self.bot_id}/talk", json=payload)
        task_id = str(body.get("taskId") or "")
        status = str(body.get("status") or "").upper()
        if not task_id or (status and "SUCCESS" not in status):
            raise EventApiRefused(
                f"카카오 Event API가 요청을 받지 않았습니다 ({status or '응답 없음'}"
                f"{': ' + str(body.get('message')) if body.get('message') else ''})"
            )
        return task_id

    def task(self, task_id: str) -> TaskResult:
        """The task's result so far. Any error here is temporary: the poll asks again later."""
        try:
            body = self.request("GET", f"/v1/tasks/{task_id}")
        except (UnknownOutcome, WindowClosed) as exc:
            raise TemporaryError(str(exc)) from exc
        return parse_task(body, task_id)
