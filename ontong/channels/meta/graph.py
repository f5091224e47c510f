"""A small Graph API client (httpx, always with timeouts) and Meta's errors mapped to ours."""

import logging
from typing import TYPE_CHECKING, Any

import httpx
from django.conf import settings

from ontong.channels.base import PermanentError, TemporaryError, UnknownOutcome, WindowClosed
from ontong.outbound import http

if TYPE_CHECKING:
    from .models import MetaAccount

log = logging.getLogger(__name__)

WINDOW_CLOSED = {(10, 2018278), (10, 2534022)}
RETRYABLE_CODES = {1, 2, 4, 17, 32, 613, 80006, 80001}
RETIRED_TAGS = {"ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE"}


class TokenInvalid(WindowClosed):
    pass


class AlreadyReplied(PermanentError):
    pass


def error_from(status: int, body: object) -> Exception:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        if status >= 500:
            return TemporaryError(f"Graph API {status}")
        return PermanentError(f"Graph API {status}: 알 수 없는 응답")
    code, subcode = error.get("code"), error.get("error_subcode")
    text = f"({code}{'/' + str(subcode) if subcode else ''}) {error.get('message', '')}".strip()
    if (code, subcode) in WINDOW_CLOSED:
        return WindowClosed(f"메시지 가능 시간이 지났습니다 {text}")
    if code == 551:
        return WindowClosed(f"받는 사람에게 보낼 수 없습니다 {text}")
    if code == 190:
        return TokenInvalid(f"페이지 토큰이 무효입니다 {text}")
    if code == 10900:
        return AlreadyReplied(f"이미 비공개 답장을 보냈습니다 {text}")
    if code in RETRYABLE_CODES or status >= 500:
        return TemporaryError(text)
    return PermanentError(text)


class GraphClient:
    def __init__(self, base_url: str, token: str, timeout: float | None = None):
        self.base_url = (base_url or settings.ONTONG_GRAPH_URL).rstrip("/")
        self.token = token
        self.timeout = timeout or settings.ONTONG_GRAPH_TIMEOUT

    @classmethod
    def for_account(cls, account: "MetaAccount") -> "GraphClient":
        return cls(account.graph_url, account.page_token)

    def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", path, json=payload)

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params or {})

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        base_url: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """headers: extra ones (Facebook's video upload host takes the file's address in a
        `file_url` header); base_url: another Meta host than the account's Graph API one."""
        try:
            # The token goes in a header, never in the URL, so that it stays out of access logs.
            response = http().request(
                method,
                f"{(base_url or self.base_url).rstrip('/')}/{path.lstrip('/')}",
                headers={"Authorization": f"Bearer {self.token}", **(headers or {})},
                timeout=self.timeout,
                **kwargs,
            )
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise TemporaryError(f"Graph API에 연결하지 못했습니다: {exc}") from exc
            raise UnknownOutcome(f"Graph API 응답 시간 초과: 전달 여부 불명 ({exc})") from exc
        except httpx.TransportError as exc:
            raise TemporaryError(f"Graph API에 연결하지 못했습니다: {exc}") from exc
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400 or "error" in body:
            raise error_from(response.status_code, body)
        return body

    def send_message(
        self,
        sender_id: str,
        recipient: dict[str, str],
        text: str,
        *,
        messaging_type: str,
        tag: str | None = None,
        quick_replies: list[tuple[str, str]] | None = None,
        metadata: str = "",
    ) -> str:
        if tag in RETIRED_TAGS:
            raise PermanentError(f"{tag} 태그는 2026-04-27부터 쓸 수 없습니다.")
        message: dict[str, Any] = {"text": text}
        if quick_replies:
            message["quick_replies"] = [
                {"content_type": "text", "title": title[:20], "payload": payload}
                for title, payload in quick_replies
            ]
        if metadata:
            message["metadata"] = metadata[:999]
        payload: dict[str, Any] = {"recipient": recipient, "message": message}
        if messaging_type:
            payload["messaging_type"] = messaging_type
        if tag:
            payload["tag"] = tag
        body = self.post(f"{sender_id}/messages", payload)
        return str(body.get("message_id") or body.get("id") or "")
