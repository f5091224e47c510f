"""NHN Cloud KakaoTalk Bizmessage, 알림톡 API v2.3 (docs.nhncloud.com, Notification >
KakaoTalk Bizmessage > 알림톡 > API v2.3 Guide; codes from its 오류 코드 page).

Send: `POST {base}/alimtalk/v2.3/appkeys/{appKey}/messages`, header `X-Secret-Key`, body
`{"senderKey", "templateCode", "recipientList": [{"recipientNo", "templateParameter",
"resendParameter", "recipientGroupingKey"}]}` → `{"header": {"resultCode", "resultMessage",
"isSuccessful"}, "message": {"requestId", "sendResults": [{"recipientSeq", "resultCode", …}]}}`.
Our id for it is `requestId:recipientSeq`, what the single-message query takes:
`GET …/messages/{requestId}/{recipientSeq}` → `messageStatus` (COMPLETED/FAILED/…),
`resultCode` (1000: received), `resendStatus` (RSC01 none … RSC04 대체문자 delivered, RSC05 failed).

The header `X-NC-API-IDEMPOTENCY-KEY` (our notice and attempt) makes NHN refuse the same request
for 10 minutes with -1005, so a request repeated after a lost answer cannot send twice. -1005 is
not taken as success (the earlier request may have been refused): it is an unknown outcome, which
stops the chain for a person to check.
"""

from typing import Any

import httpx
from django.conf import settings

from ontong.channels.base import PermanentError, TemporaryError, UnknownOutcome
from ontong.outbound import http

from ..models import NHN_BASE_URL
from . import AlimtalkRequest, Provider, ProviderNotConfigured, ProviderStatus, TemplateRejected

# API result codes (header.resultCode / sendResults[].resultCode), 오류 코드 page.
ALREADY_TAKEN = -1005  # same X-NC-API-IDEMPOTENCY-KEY within 10 minutes
TEMPLATE_CODES = {
    -3003: "존재하지 않는 템플릿",
    -3004: "템플릿 파라미터 오류",
    -3005: "템플릿 상태 오류(승인 전 발송)",
    -3010: "등록한 템플릿 본문과 일치하지 않음",
    -3049: "템플릿 파라미터가 템플릿과 일치하지 않음",
    -3324: "템플릿 변수값이 잘못됨",
    -2019: "치환한 본문이 1,300자를 넘음",
    -3048: "템플릿 파라미터가 1,300자를 넘음",
    -1028: "변수 치환 차이가 14자를 넘음(최초 사용자 제한)",
    # Kakao's delivery result codes, which NHN passes through
    3015: "템플릿을 찾을 수 없음",
    3016: "메시지 내용이 템플릿과 일치하지 않음",
    3025: "변수 글자 수 제한 초과",
}
CONFIG_CODES = {
    -1000: "유효하지 않은 앱키",
    -1001: "유효하지 않은 비밀 키",
    -1003: "유효하지 않은 대체문자 발신번호",
    -1006: "발신 프로필에 발신 키가 없음",
    -1027: "발신 프로필이 차단 상태",
    -2017: "존재하지 않는 발신 프로필",
    -2502: "대체 발송 설정이 되어 있지 않음",
    -4004: "존재하지 않는 앱키",
    -4005: "사용 종료된 앱키",
}
RECIPIENT_CODES = {-5000: "유효하지 않은 수신 번호", -4019: "유효하지 않은 수신자 번호"}
TEMPORARY_CODES = {-9999: "NHN Cloud 시스템 오류", -7000: "카카오(벤더) 요청 실패"}
DELIVERED = "1000"
RESEND_DELIVERED, RESEND_PENDING = "RSC04", {"RSC02", "RSC03"}


def sms_type(text: str) -> str:
    """SMS holds 90 bytes (EUC-KR: a Hangul syllable is 2); longer goes as LMS."""
    return "SMS" if len(text.encode("euc-kr", errors="replace")) <= 90 else "LMS"


def error_for(code: int, message: str) -> Exception:
    text = f"NHN Cloud 알림톡 {code}: {message}".strip()
    if code in TEMPLATE_CODES:
        return TemplateRejected(f"{TEMPLATE_CODES[code]} ({text})")
    if code in CONFIG_CODES:
        return ProviderNotConfigured(f"{CONFIG_CODES[code]} ({text}) — 알림톡 설정을 확인하세요")
    if code in RECIPIENT_CODES:
        return PermanentError(f"{RECIPIENT_CODES[code]} ({text})")
    if code in TEMPORARY_CODES:
        return TemporaryError(f"{TEMPORARY_CODES[code]} ({text})")
    return PermanentError(text)


class NhnCloudProvider(Provider):
    name = "nhn"

    @property
    def base(self) -> str:
        return (self.config.base_url or NHN_BASE_URL).rstrip("/")

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        config = self.config
        if not (config.app_key and config.secret_key and config.sender_key):
            raise ProviderNotConfigured("알림톡 앱키·비밀 키·발신 키가 설정되지 않았습니다.")
        headers = {"X-Secret-Key": config.secret_key, **kwargs.pop("headers", {})}
        try:
            response = http().request(
                method,
                f"{self.base}/alimtalk/v2.3/appkeys/{config.app_key}{path}",
                headers=headers,
                timeout=settings.ONTONG_GRAPH_TIMEOUT,
                **kwargs,
            )
        except httpx.TimeoutException as exc:
            if isinstance(exc, (httpx.ConnectTimeout, httpx.PoolTimeout)):
                raise TemporaryError(f"NHN Cloud에 연결하지 못했습니다: {exc}") from exc
            raise UnknownOutcome(f"NHN Cloud 응답 시간 초과: {exc}") from exc
        except httpx.TransportError as exc:
            raise TemporaryError(f"NHN Cloud에 연결하지 못했습니다: {exc}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TemporaryError(f"NHN Cloud 알림톡 HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("header"), dict):
            raise PermanentError(
                f"NHN Cloud 알림톡 HTTP {response.status_code}: 알 수 없는 응답 {response.text[:200]}"
            )
        return body

    def send(self, request: AlimtalkRequest) -> str:
        recipient: dict[str, Any] = {
            "recipientNo": request.recipient_no,
            "templateParameter": request.variables,
            "recipientGroupingKey": request.reference[:100],
        }
        if request.fallback_text and self.config.resend_sender_no:
            recipient["resendParameter"] = {
                "isResend": True,
                "resendType": sms_type(request.fallback_text),
                "resendContent": request.fallback_text,
                "resendSendNo": self.config.resend_sender_no,
            }
        else:
            recipient["resendParameter"] = {"isResend": False}
        body = self.request(
            "POST",
            "/messages",
            json={
                "senderKey": self.config.sender_key,
                "templateCode": request.template_code,
                "recipientList": [recipient],
            },
            headers={"X-NC-API-IDEMPOTENCY-KEY": request.reference},
        )
        header = body["header"]
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        results = (message or {}).get("sendResults") or []
        first = results[0] if results and isinstance(results[0], dict) else {}
        if not header.get("isSuccessful"):
            code = int(header.get("resultCode") or 0)
            if code == ALREADY_TAKEN:
                raise UnknownOutcome(
                    "NHN Cloud가 10분 안에 같은 요청을 이미 받았다고 합니다(-1005): 앞선 요청이 "
                    "전달되었는지 NHN Cloud 콘솔에서 확인하세요"
                )
            if first and int(first.get("resultCode") or 0) != 0:
                raise error_for(int(first["resultCode"]), str(first.get("resultMessage", "")))
            raise error_for(code, str(header.get("resultMessage", "")))
        if first and int(first.get("resultCode") or 0) != 0:
            raise error_for(int(first["resultCode"]), str(first.get("resultMessage", "")))
        request_id = str((message or {}).get("requestId") or "")
        if not request_id:
            raise UnknownOutcome("NHN Cloud가 요청 아이디 없이 성공이라고 답했습니다.")
        return f"{request_id}:{first.get('recipientSeq', 1)}"

    def status(self, message_id: str) -> ProviderStatus:
        request_id, _, seq = message_id.rpartition(":")
        if not request_id:
            return ProviderStatus("pending", detail="요청 아이디를 모름")
        try:
            body = self.request("GET", f"/messages/{request_id}/{seq}")
        except (PermanentError, UnknownOutcome) as exc:
            raise TemporaryError(str(exc)) from exc
        message = body.get("message") if isinstance(body.get("message"), dict) else None
        if not body["header"].get("isSuccessful") or message is None:
            return ProviderStatus("pending", detail=str(body["header"].get("resultMessage", "")))
        state = str(message.get("messageStatus") or "")
        code = str(message.get("resultCode") or "")
        resend = str(message.get("resendStatus") or "")
        detail = str(message.get("resultCodeName") or code)
        if resend == RESEND_DELIVERED:
            return ProviderStatus("delivered", via_resend=True, detail=detail)
        if state == "COMPLETED" and code in ("", DELIVERED):
            return ProviderStatus("delivered", detail=detail)
        if state in ("COMPLETED", "FAILED", "CANCEL"):
            if resend in RESEND_PENDING:
                return ProviderStatus("pending", detail=detail)
            return ProviderStatus("failed", detail=f"{detail} (대체문자: {resend or '없음'})")
        return ProviderStatus("pending", detail=state)
