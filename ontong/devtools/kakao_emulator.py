"""A local stand-in for KakaoTalk, for tests and the offline demo.

It plays three Kakao-side parties (../shared/docs/channel-contracts.md §5):

- **Kakao i 오픈빌더** (the chatbot platform): for each thing a citizen does it builds a SkillPayload v2 as the
  platform does (block and intent, `flow.trigger`, `user.properties` with `plusfriendUserKey`, `appUserId` and
  `isFriend` present only for friends, the extras real payloads carry, `callbackUrl` pointing back here when the
  block has callback on, the 이미지 보안전송 플러그인's `secureUrls: "List(url1, url2)"` and the location plugin) and
  POSTs it to Ontong's skill URL with the bot's secret header. It keeps Kakao's rules: an answer later than 5 s is
  a timeout (the citizen sees error 1001) and the same request is sent again; the answer must be a valid
  SkillResponse 2.0 within the limits (1–3 outputs, ≤ 10 quick replies, simpleText ≤ 1,000 characters, labels) or
  the citizen sees an error; a callback URL takes one POST within 60 s, a second or late use gets Kakao's error.
- **The chatbot Event API** (`POST /v2/bots/{botId}/talk`, `GET /v1/tasks/{taskId}`, `Authorization: KakaoAK`).
- **NHN Cloud 알림톡 v2.3** (`POST /alimtalk/v2.3/appkeys/{appKey}/messages`, `X-Secret-Key`), with approved and
  unapproved templates, `#{변수}` checks and the SMS/LMS 대체문자 for phones without KakaoTalk.

`fail_next(name)` makes the next call fail with a real error body; `delivered(user)` lists what reached a
citizen (skill answers, callback answers, Event API messages, 알림톡 and 대체문자, errors). / is a KakaoTalk-like
page for a person to play the citizen.

What it does not reproduce: the 오픈빌더's own NLU (a block is chosen by what the citizen pressed, everything
typed goes to the fallback block), Kakao's exact resend timing, billing and the wallet, 알림톡 template review,
the Event API's rate limits and group chats, and https (the demo serves photos over http on 127.0.0.1).
"""

import base64
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from ontong.devtools.emulator_http import LocalHandler, LocalServer
from ontong.devtools.meta_emulator import PIXEL

SIMULATOR = Path(__file__).parent / "templates" / "devtools" / "kakao_simulator.html"
SKILL_TIMEOUT = 5.0  # Kakao's skill SLA
CALLBACK_SECONDS = 60.0  # a callbackUrl's validity for a channel bot
SECRET_HEADER = "X-Ontong-Skill-Secret"  # noqa: S105 - a header name

# The demo bot's blocks: (id, name, callback on). Typed text goes to the fallback block.
BLOCKS = {
    "fallback": ("64f0000000000000000000f1", "폴백 블록", True),
    "welcome": ("64f0000000000000000000a1", "웰컴 블록", False),
    "photo": ("64f0000000000000000000b2", "사진 보내기", True),
    "location": ("64f0000000000000000000c3", "위치 보내기", True),
    "event": ("64f0000000000000000000d4", "결과 알림 (이벤트)", False),
}
SKILL = ("64f0000000000000000000e5", "온통 민원 스킬")

# The Kakao errors a citizen can see in the chat room (the codes developers report).
CITIZEN_ERRORS = {
    "timeout": "스킬 서버 응답 시간 초과 (1001)",
    "invalid": "스킬 응답 형식 오류 (2003)",
    "unreachable": "스킬 서버에 연결할 수 없습니다 (1002)",
    "http": "스킬 서버 오류 응답 (1003)",
}

# The callback API's error bodies (AI 챗봇 콜백 개발 가이드).
CALLBACK_EXPIRED = "Invalid callback token. Please check the callback token. (1분이내 요청 필요)"
CALLBACK_INVALID_JSON = "Invalid json response from bot-skill."
CALLBACK_NOT_ENABLED = "Use callback true setting required."

# Event API errors (Kakao REST API error body: {"msg","code"}).
EVENT_ERRORS = {
    "bad_key": (401, {"msg": "wrong appKey format or unregistered appKey", "code": -401}),
    "server": (500, {"msg": "internal server error", "code": -500}),
    "bot": (400, {"msg": "bot not found", "code": -400}),
    "wallet": (403, {"msg": "wallet is not connected to the bot", "code": -403}),
}

# NHN Cloud 알림톡 API result codes (NHN's 알림톡 오류 코드 table).
NHN_CODES = {
    "bad_appkey": (-1000, "유효하지 않은 appkey"),
    "bad_key": (-1001, "유효하지 않은 secretKey"),
    "already_taken": (-1005, "이미 처리된 요청 (같은 X-NC-API-IDEMPOTENCY-KEY, 10분)"),
    "sender": (-2017, "존재하지 않는 발신 프로필"),
    "template_missing": (-3003, "존재하지 않는 템플릿"),
    "template_params": (-3049, "템플릿 파라미터가 템플릿과 일치하지 않음"),
    "template_not_approved": (-3005, "템플릿 상태 오류 (승인 전 발송 요청)"),
    "recipient": (-5000, "유효하지 않은 수신 번호"),
    "no_recipients": (-5001, "수신자 리스트가 없음"),
    "server": (-9999, "시스템 에러"),
}
# Per-recipient delivery results (the ATA 전송 결과 코드).
NOT_KAKAO_USER = ("3027", "카카오톡을 사용하지 않는 사용자 (전화번호 오류 / 050 안심번호)")
TOO_LONG = ("3032", "메시지 길이 제한 오류 (공백 포함 1000자)")
DELIVERED = ("1000", "성공")

# fail_next names, and which API each may apply to.
FAILURES = {
    "bad_key": {"event", "alimtalk"},
    "server": {"event", "alimtalk"},
    "slow": {"event", "alimtalk"},
    "unknown_user": {"event", "alimtalk"},
    "template_not_approved": {"alimtalk"},
    "resend_failed": {"alimtalk"},
    "wallet": {"event"},
}
PHONE = re.compile(r"01[016789]-?\d{3,4}-?\d{4}")
TEMPLATE_VARIABLE = re.compile(r"#\{([^}]+)\}")


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def fill_template(content: str, values: dict) -> str:
    return TEMPLATE_VARIABLE.sub(lambda m: str(values.get(m.group(1), "")), content)


def flatten(response: dict) -> str:
    """The words a SkillResponse shows, one line per component (what the citizen reads)."""
    lines: list[str] = []
    for output in (response.get("template") or {}).get("outputs") or []:
        for kind, body in output.items():
            if kind == "simpleText":
                lines.append(str(body.get("text", "")))
            elif kind in {"textCard", "basicCard"}:
                lines.extend(str(body[k]) for k in ("title", "description") if body.get(k))
            elif kind == "simpleImage":
                lines.append(f"[사진] {body.get('altText', '')}".strip())
            elif kind == "carousel":
                for item in body.get("items") or []:
                    lines.extend(str(item[k]) for k in ("title", "description") if item.get(k))
            else:
                lines.append(f"[{kind}]")
    return "\n".join(lines)


def check_response(response: Any) -> str:
    """Why Kakao would refuse this SkillResponse, or "" when it is valid (answer_json_format)."""
    if not isinstance(response, dict):
        return "JSON 객체가 아닙니다"
    if response.get("version") != "2.0":
        return "version이 2.0이 아닙니다"
    if response.get("useCallback") is True:
        return ""
    template = response.get("template")
    if not isinstance(template, dict):
        return "template이 없습니다"
    outputs = template.get("outputs")
    if not isinstance(outputs, list) or not 1 <= len(outputs) <= 3:
        return "outputs는 1~3개여야 합니다"
    quick_replies = template.get("quickReplies") or []
    if len(quick_replies) > 10:
        return "quickReplies는 10개 이하여야 합니다"
    for reply in quick_replies:
        if not reply.get("label") or reply.get("action") not in {"message", "block"}:
            return "quickReply에 label과 action(message|block)이 있어야 합니다"
        if len(reply["label"]) > 14:
            return "quickReply label은 14자 이하여야 합니다"
    for output in outputs:
        if len(output) != 1:
            return "output 하나에 컴포넌트 하나여야 합니다"
        ((kind, body),) = output.items()
        if kind == "simpleText" and not 0 < len(str(body.get("text", ""))) <= 1000:
            return "simpleText는 1~1,000자여야 합니다"
        if kind == "simpleImage" and not body.get("imageUrl"):
            return "simpleImage에 imageUrl이 없습니다"
        if kind in {"textCard", "basicCard"}:
            if len(str(body.get("title", ""))) > 50:
                return "카드 title은 50자 이하여야 합니다"
            if len(str(body.get("description", ""))) > 400:
                return "카드 description은 400자 이하여야 합니다"
            buttons = body.get("buttons") or []
            if len(buttons) > 3:
                return "카드 버튼은 3개 이하여야 합니다"
            for button in buttons:
                if not button.get("label") or len(button["label"]) > 14:
                    return "버튼 label은 1~14자여야 합니다"
                action = button.get("action")
                needs = {
                    "webLink": "webLinkUrl",
                    "message": "messageText",
                    "phone": "phoneNumber",
                    "block": "blockId",
                }
                if action not in {*needs, "share", "operator"}:
                    return f"알 수 없는 버튼 action: {action}"
                if action in needs and not button.get(needs[action]):
                    return f"버튼 {action}에 {needs[action]}이 없습니다"
    return ""


class KakaoEmulator(LocalServer):
    def __init__(
        self,
        *,
        bot_id: str,
        skill_url: str,
        skill_secret: str = "",
        bot_name: str = "서산시 민원 챗봇",
        channel_name: str = "서산시",
        rest_api_key: str = "",
        event_name: str = "ontong_notice",
        alimtalk_app_key: str = "",
        alimtalk_secret_key: str = "",
        sender_key: str = "",
        templates: dict[str, dict] | None = None,
        callback_enabled: bool = True,
        skill_timeout: float = SKILL_TIMEOUT,
        callback_seconds: float = CALLBACK_SECONDS,
        resends: int = 1,
    ):
        self.bot_id, self.bot_name, self.channel_name = bot_id, bot_name, channel_name
        self.skill_url, self.skill_secret = skill_url, skill_secret
        self.rest_api_key, self.event_name = rest_api_key, event_name
        self.alimtalk_app_key, self.alimtalk_secret_key = alimtalk_app_key, alimtalk_secret_key
        self.sender_key = sender_key
        # templateCode -> {"content": "…#{변수}…", "approved": bool}
        self.templates: dict[str, dict] = dict(templates or {})
        self.callback_enabled = callback_enabled  # the bot is an approved AI 챗봇
        self.skill_timeout, self.callback_seconds = skill_timeout, callback_seconds
        self.resends = resends  # how many times a timed-out request is sent again
        self.http = httpx.Client()
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.users: dict[str, dict] = {}  # botUserKey -> keys, friend, phones
        self.log: list[dict] = []  # what each citizen did and received, in order
        self.requests: list[dict] = []  # every skill request sent: body, headers, outcome
        self.callbacks: dict[str, dict] = {}  # token -> user, issued, used
        self.tasks: dict[str, dict] = {}  # Event API tasks
        self.alimtalk_requests: list[dict] = []
        self.idempotency: dict[str, float] = {}  # X-NC-API-IDEMPOTENCY-KEY -> first use
        self.alimtalk_results: dict[tuple[str, int], dict] = {}
        self.no_kakaotalk: set[str] = set()  # phones (digits) that have no KakaoTalk
        self.uploads: dict[str, tuple[bytes, str]] = {}  # secure image id -> bytes, type
        self.failures: list[dict] = []

    # --- the citizens -----------------------------------------------------------------
    def user(
        self, key: str, *, is_friend: bool | None = None, app_user_id: str | None = None
    ) -> dict:
        """The citizen with this botUserKey (created on first use, as a friend of the channel)."""
        with self.lock:
            user = self.users.get(key)
            if user is None:
                user = self.users[key] = {
                    "bot_user_key": key,
                    "plusfriend_user_key": "pf" + uuid.uuid5(uuid.NAMESPACE_URL, key).hex[:12],
                    "app_user_id": None,
                    "is_friend": True,
                    "phones": set(),
                }
            if is_friend is not None:
                user["is_friend"] = is_friend
            if app_user_id is not None:
                user["app_user_id"] = app_user_id or None
            return user

    def record(self, user: str, kind: str, **fields: Any) -> dict:
        entry = {"id": next(self.ids), "user": user, "kind": kind, "at": time.time(), **fields}
        with self.lock:
            self.log.append(entry)
        return entry

    def delivered(self, user: str) -> list[dict]:
        """What reached this citizen (by botUserKey, or by a phone number for 알림톡/문자): skill answers,
        callback answers, Event API messages, 알림톡, 대체문자, and the errors Kakao showed."""
        with self.lock:
            known = self.users.get(user)
            names = {user, digits(user)} - {""}
            if known:
                names |= known["phones"] | {known["plusfriend_user_key"]}
            return [e for e in self.log if e["user"] in names and e["kind"] != "user"]

    def conversation(self, user: str) -> list[dict]:
        """The citizen's whole chat room: their own messages too, as the simulator shows it."""
        with self.lock:
            mine = [e for e in self.log if e["user"] == user and e["kind"] == "user"]
        return sorted([*mine, *self.delivered(user)], key=lambda e: e["id"])

    # --- 오픈빌더: skill requests ------------------------------------------------------------
    def secure_image(self, data: bytes = PIXEL, content_type: str = "image/png") -> str:
        """Keep an uploaded photo as the 보안전송 plugin does, and return its (demo: http) URL."""
        name = secrets.token_hex(8)
        with self.lock:
            self.uploads[name] = (data, content_type)
        extension = "jpg" if "jpeg" in content_type else "png"
        return f"{self.base_url}/secure/{name}.{extension}"

    def payload(
        self,
        user: dict,
        text: str,
        *,
        block: str,
        trigger: str,
        params: dict[str, str],
        detail_params: dict[str, dict],
        client_extra: dict,
        callback_token: str | None,
    ) -> dict:
        block_id, block_name, _ = BLOCKS[block]
        properties: dict[str, Any] = {
            "plusfriendUserKey": user["plusfriend_user_key"],
            "botUserKey": user["bot_user_key"],  # an extra seen in captured payloads
            "bot_user_key": user["bot_user_key"],
            "plusfriend_user_key": user["plusfriend_user_key"],
        }
        if user["app_user_id"]:
            properties["appUserId"] = user["app_user_id"]
            properties["app_user_id"] = user["app_user_id"]
        if user["is_friend"]:
            properties["isFriend"] = True  # absent (not false) for a citizen who is not a friend
        user_request: dict[str, Any] = {
            "timezone": "Asia/Seoul",
            "params": {"surface": "Kakaotalk.plusfriend", "ignoreMe": "false"},
            "block": {"id": block_id, "name": block_name},
            "utterance": text,
            "lang": "ko",
            "user": {"id": user["bot_user_key"], "type": "botUserKey", "properties": properties},
            "isInSlotFilling": False,
        }
        if callback_token:
            user_request["callbackUrl"] = (
                f"{self.base_url}/v1/bots/{self.bot_id}/callback/{callback_token}"
            )
        return {
            "intent": {
                "id": block_id,
                "name": block_name,
                "extra": {"reason": {"code": 1, "message": "OK"}},
            },
            "userRequest": user_request,
            "bot": {"id": self.bot_id, "name": self.bot_name},
            "action": {
                "id": SKILL[0],
                "name": SKILL[1],
                "params": params,
                "detailParams": detail_params,
                "clientExtra": client_extra,
            },
            "contexts": [],
            "flow": {
                "lastBlock": {"id": BLOCKS["welcome"][0], "name": BLOCKS["welcome"][1]},
                "trigger": {
                    "type": trigger,
                    "referrerBlock": {"id": block_id, "name": block_name},
                },
            },
        }

    def user_message(
        self,
        user: str,
        text: str = "",
        *,
        block: str | None = None,
        extra: dict | None = None,
        trigger: str | None = None,
        images: list[tuple[bytes, str]] | int = 0,
        location: dict | None = None,
        is_friend: bool | None = None,
        app_user_id: str | None = None,
    ) -> dict:
        """The citizen does something in the chat room; the 오픈빌더 calls Ontong's skill.

        `block` is the block the citizen's action reaches (a quick reply or button with `blockId`),
        else typed text goes to the fallback block, photos to "사진 보내기", a location to "위치 보내기".
        `extra` is the pressed button's `extra` (clientExtra). Returns what happened: the request,
        each attempt's outcome, and the answer the citizen saw."""
        citizen = self.user(user, is_friend=is_friend, app_user_id=app_user_id)
        for phone in PHONE.findall(text):
            with self.lock:
                citizen["phones"].add(digits(phone))
        params: dict[str, str] = {}
        detail_params: dict[str, dict] = {}
        photos = [(PIXEL, "image/png")] * images if isinstance(images, int) else list(images)
        if photos:
            block = block or "photo"
            urls = [self.secure_image(data, kind) for data, kind in photos]
            listed = f"List({', '.join(urls)})"
            value = json.dumps(
                {
                    "privacyAgreement": "Y",
                    "imageQuantity": str(len(urls)),
                    "secureUrls": listed,
                    "expire": time.strftime(
                        "%Y-%m-%dT%H:%M:%S", time.localtime(time.time() + 3600)
                    ),
                },
                ensure_ascii=False,
            )
            params["secureimage"] = value
            detail_params["secureimage"] = {"origin": listed, "value": value, "groupName": ""}
            text = text or urls[0]  # an upload's utterance is the image's URL (as seen in the wild)
        if location is not None:
            block = block or "location"
            value = json.dumps(
                {
                    "latitude": location.get("latitude", 36.7848),
                    "longitude": location.get("longitude", 126.4503),
                    "address": location.get("address", ""),
                },
                ensure_ascii=False,
            )
            params["location"] = value
            detail_params["location"] = {"origin": value, "value": value, "groupName": ""}
            text = text or str(location.get("address", "")) or "위치"
        block = block or "fallback"
        trigger = trigger or ("QUICKREPLY_BUTTON_BLOCK" if extra else "TEXT_INPUT")
        token = None
        if self.callback_enabled and BLOCKS[block][2]:
            token = secrets.token_urlsafe(16)
            with self.lock:
                self.callbacks[token] = {"user": user, "issued": time.time(), "used": False}
        body = self.payload(
            citizen,
            text,
            block=block,
            trigger=trigger,
            params=params,
            detail_params=detail_params,
            client_extra=extra or {},
            callback_token=token,
        )
        self.record(
            user,
            "user",
            text=text,
            images=[u for u in re.findall(r"https?://[^,\s)]+", params.get("secureimage", ""))],
            location=location,
        )
        return self.send_skill(user, body)

    def send_skill(self, user: str, body: dict) -> dict:
        """POST the request; a timeout is sent again (same body, a new X-Request-Id) up to `resends`."""
        raw = json.dumps(body, ensure_ascii=False).encode()
        attempts: list[dict] = []
        for _attempt in range(1 + self.resends):
            headers = {
                "Content-Type": "application/json;charset=UTF-8",
                "X-Request-Id": uuid.uuid4().hex,
                "User-Agent": "AHC/2.1",
            }
            if self.skill_secret:
                headers[SECRET_HEADER] = self.skill_secret
            started = time.monotonic()
            try:
                response = self.http.post(
                    self.skill_url, content=raw, headers=headers, timeout=self.skill_timeout
                )
            except httpx.TimeoutException:
                attempts.append({"outcome": "timeout", "seconds": time.monotonic() - started})
                continue
            except httpx.HTTPError as error:
                attempts.append({"outcome": "unreachable", "error": str(error)})
                break
            attempt = {
                "outcome": "answered",
                "status": response.status_code,
                "seconds": time.monotonic() - started,
            }
            attempts.append(attempt)
            if response.status_code != 200:
                attempt["outcome"] = "http"
                break
            try:
                answer = response.json()
            except ValueError:
                answer = None
            attempt["response"] = answer
            break
        with self.lock:
            self.requests.append({"user": user, "body": body, "attempts": attempts})
        callback = bool(body["userRequest"].get("callbackUrl"))
        return {"request": body, "attempts": attempts, **self.show_answer(user, attempts, callback)}

    def show_answer(self, user: str, attempts: list[dict], callback: bool) -> dict:
        last = attempts[-1]
        if last["outcome"] != "answered":
            error = CITIZEN_ERRORS[last["outcome"]]
            self.record(user, "error", text=error)
            return {"status": last.get("status", 0), "shown": "error", "error": error}
        answer = last.get("response")
        problem = check_response(answer)
        if problem or not isinstance(answer, dict):
            self.record(user, "error", text=CITIZEN_ERRORS["invalid"], reason=problem)
            return {"status": 200, "shown": "error", "error": problem}
        if answer.get("useCallback") is True and not callback:
            self.record(user, "error", text=CITIZEN_ERRORS["invalid"], reason=CALLBACK_NOT_ENABLED)
            return {"status": 200, "shown": "error", "error": CALLBACK_NOT_ENABLED}
        if answer.get("useCallback") is True:
            waiting = str((answer.get("data") or {}).get("text", ""))
            if waiting:
                self.record(user, "waiting", text=waiting)
            return {"status": 200, "shown": "waiting", "answer": answer}
        self.record(user, "skill", response=answer, text=flatten(answer))
        return {"status": 200, "shown": "answer", "answer": answer}

    # --- the callback URL ---------------------------------------------------------------
    def callback(self, bot_id: str, token: str, body: Any) -> tuple[int, dict]:
        now = time.time()
        task = {"taskId": str(uuid.uuid4()), "timestamp": int(now * 1000)}
        with self.lock:
            issued = self.callbacks.get(token) if bot_id == self.bot_id else None
            expired = (
                issued is None or issued["used"] or now - issued["issued"] > self.callback_seconds
            )
            if issued is not None and not expired:
                issued["used"] = True
        if expired or issued is None:
            return 400, {**task, "status": "FAIL", "message": CALLBACK_EXPIRED}
        problem = check_response(body)
        if problem or body.get("useCallback") is True:
            return 400, {**task, "status": "FAIL", "message": CALLBACK_INVALID_JSON}
        self.record(issued["user"], "callback", response=body, text=flatten(body))
        return 200, {**task, "status": "SUCCESS", "message": ""}

    # --- failures on demand -------------------------------------------------------------
    def fail_next(
        self, name: str, *, api: str | None = None, times: int = 1, seconds: float = 15
    ) -> None:
        """The next `times` calls fail: bad_key, server (5xx), slow (answer after `seconds`),
        unknown_user (Event API: the task fails for the user; 알림톡: the phone has no KakaoTalk),
        wallet (Event API: 403), template_not_approved (알림톡), resend_failed (알림톡: no KakaoTalk
        and the 대체문자 fails too). `api` ("event" or "alimtalk") limits it to one API."""
        if name not in FAILURES:
            raise ValueError(f"unknown failure {name!r}: one of {sorted(FAILURES)}")
        apis = FAILURES[name] if api is None else FAILURES[name] & {api}
        if not apis:
            raise ValueError(f"{name!r} does not apply to {api!r}")
        with self.lock:
            self.failures.append({"name": name, "apis": apis, "times": times, "seconds": seconds})

    def next_failure(self, api: str) -> dict | None:
        with self.lock:
            for failure in self.failures:
                if api in failure["apis"]:
                    failure["times"] -= 1
                    if failure["times"] <= 0:
                        self.failures.remove(failure)
                    return failure
        return None

    # --- the Event API ------------------------------------------------------------------
    def event_talk(self, bot_id: str, authorization: str, body: Any) -> tuple[int, dict]:
        if authorization != f"KakaoAK {self.rest_api_key}" or not self.rest_api_key:
            return EVENT_ERRORS["bad_key"]
        failure = self.next_failure("event")
        if failure and failure["name"] == "bad_key":
            return EVENT_ERRORS["bad_key"]
        if failure and failure["name"] in {"server", "wallet"}:
            return EVENT_ERRORS[failure["name"]]
        if failure and failure["name"] == "slow":
            time.sleep(failure["seconds"])
        if bot_id != self.bot_id:
            return EVENT_ERRORS["bot"]
        if not isinstance(body, dict):
            return 400, {"msg": "invalid request body", "code": -400}
        event = body.get("event") or {}
        users = body.get("user") or []
        if not isinstance(users, list) or not 1 <= len(users) <= 100:
            return 400, {"msg": "user must have 1 to 100 entries", "code": -400}
        task_id = str(uuid.uuid4())
        fails: list[dict] = []
        for target in users:
            key = self.resolve(str(target.get("type", "")), str(target.get("id", "")))
            if failure and failure["name"] == "unknown_user":
                key = None
            if key is None:
                fails.append({"userID": target.get("id"), "errorMsg": "user not found"})
            elif not self.users[key]["is_friend"]:  # only friends of the channel get events
                fails.append({"userID": target.get("id"), "errorMsg": "user is not a friend"})
            elif event.get("name") != self.event_name:
                fails.append({"userID": target.get("id"), "errorMsg": "event not found"})
            else:
                text = str((event.get("data") or {}).get("text", ""))
                self.record(key, "event", text=text, event=event, params=body.get("params") or {})
        succeeded = len(users) - len(fails)
        status = (
            "ALL SUCCESS" if not fails else ("ALL FAIL" if not succeeded else "PARTIAL SUCCESS")
        )
        with self.lock:
            self.tasks[task_id] = {
                "taskId": task_id,
                "status": status,
                "allRequestCount": len(users),
                "successCount": succeeded,
                "fail": {"count": len(fails), "list": fails},
            }
        return 200, {"taskId": task_id, "status": "SUCCESS", "timestamp": int(time.time() * 1000)}

    def resolve(self, kind: str, key: str) -> str | None:
        with self.lock:
            for user in self.users.values():
                if (kind, key) in {
                    ("botUserKey", user["bot_user_key"]),
                    ("plusfriendUserKey", user["plusfriend_user_key"]),
                    ("appUserId", user["app_user_id"]),
                }:
                    return user["bot_user_key"]
        return None

    def task(self, task_id: str, authorization: str) -> tuple[int, dict]:
        if authorization != f"KakaoAK {self.rest_api_key}" or not self.rest_api_key:
            return EVENT_ERRORS["bad_key"]
        with self.lock:
            task = self.tasks.get(task_id)
        if task is None:
            return 404, {"msg": "task not found", "code": -404}
        return 200, dict(task)

    # --- NHN Cloud 알림톡 ---------------------------------------------------------------
    def add_template(self, code: str, content: str, *, approved: bool = True) -> None:
        with self.lock:
            self.templates[code] = {"content": content, "approved": approved}

    def alimtalk(
        self, app_key: str, secret_key: str, body: Any, idempotency_key: str = ""
    ) -> tuple[int, dict]:
        def refused(name: str, status: int = 200) -> tuple[int, dict]:
            code, message = NHN_CODES[name]
            return status, {
                "header": {"resultCode": code, "resultMessage": message, "isSuccessful": False},
                "message": None,
            }

        if not self.alimtalk_app_key or app_key != self.alimtalk_app_key:
            return refused("bad_appkey")
        if secret_key != self.alimtalk_secret_key:
            return refused("bad_key")
        failure = self.next_failure("alimtalk")
        name = failure["name"] if failure else ""
        if name == "slow":
            time.sleep(failure["seconds"])  # type: ignore[index]
        if name in {"bad_key", "template_not_approved"}:
            return refused(name)
        if name == "server":
            return refused("server", 500)
        if not isinstance(body, dict):
            return refused("template_params")
        if idempotency_key:
            with self.lock:
                seen = self.idempotency.get(idempotency_key)
                if seen is not None and time.time() - seen < 600:
                    return refused("already_taken")
                self.idempotency[idempotency_key] = time.time()
        if body.get("senderKey") != self.sender_key:
            return refused("sender")
        template = self.templates.get(str(body.get("templateCode", "")))
        if template is None:
            return refused("template_missing")
        if not template["approved"]:
            return refused("template_not_approved")
        recipients = body.get("recipientList") or []
        if not recipients:
            return refused("no_recipients")
        request_id = time.strftime("%Y%m%d%H%M%S") + secrets.token_hex(5)
        variables = set(TEMPLATE_VARIABLE.findall(template["content"]))
        results = []
        for seq, recipient in enumerate(recipients, start=1):
            number = digits(str(recipient.get("recipientNo", "")))
            parameters = recipient.get("templateParameter") or {}
            result = {
                "recipientSeq": seq,
                "recipientNo": recipient.get("recipientNo", ""),
                "resultCode": 0,
                "resultMessage": "SUCCESS",
                "recipientGroupingKey": recipient.get("recipientGroupingKey"),
            }
            if not re.fullmatch(r"01\d{8,9}", number):
                result["resultCode"], result["resultMessage"] = NHN_CODES["recipient"]
            elif missing := variables - set(parameters):
                result["resultCode"], result["resultMessage"] = NHN_CODES["template_params"]
                result["resultMessage"] += f": {', '.join(sorted(missing))}"
            else:
                content = fill_template(template["content"], parameters)
                self.deliver_alimtalk(request_id, seq, number, content, recipient, failure=name)
            results.append(result)
        with self.lock:
            self.alimtalk_requests.append({"requestId": request_id, "body": body})
        header = {"resultCode": 0, "resultMessage": "SUCCESS", "isSuccessful": True}
        return 200, {
            "header": header,
            "message": {
                "requestId": request_id,
                "senderGroupingKey": body.get("senderGroupingKey"),
                "sendResults": results,
            },
        }

    def deliver_alimtalk(
        self, request_id: str, seq: int, number: str, content: str, recipient: dict, failure: str
    ) -> None:
        """Accepted: the 알림톡 reaches the phone's KakaoTalk, or fails there; then the 대체문자, if asked."""
        resend = recipient.get("resendParameter") or {}
        if len(content) > 1000:
            code, message = TOO_LONG
        elif failure in {"unknown_user", "resend_failed"} or number in self.no_kakaotalk:
            code, message = NOT_KAKAO_USER
        else:
            code, message = DELIVERED
            self.record(
                number, "alimtalk", text=content, template=recipient.get("templateParameter")
            )
        resent = ""
        if code != DELIVERED[0] and resend.get("isResend") and failure == "resend_failed":
            resent = "RSC05"  # 대체 발송 실패
        elif code != DELIVERED[0] and resend.get("isResend"):
            kind = str(resend.get("resendType") or ("LMS" if len(content) > 90 else "SMS"))
            self.record(
                number,
                "sms",
                text=str(resend.get("resendContent") or content),
                resend_type=kind,
                sender=resend.get("resendSendNo", ""),
            )
            resent = "RSC04"  # 대체 발송 성공 (RSC01 none, RSC02/03 in progress, RSC05 failed)
        with self.lock:
            self.alimtalk_results[(request_id, seq)] = {
                "requestId": request_id,
                "recipientSeq": seq,
                "recipientNo": number,
                "content": content,
                "messageStatus": "COMPLETED" if code == DELIVERED[0] else "FAILED",
                "resultCode": code,
                "resultCodeName": message,
                "resendStatus": resent or "RSC01",
            }

    def alimtalk_result(
        self, app_key: str, secret_key: str, request_id: str, seq: int
    ) -> tuple[int, dict]:
        if app_key != self.alimtalk_app_key or secret_key != self.alimtalk_secret_key:
            code, message = NHN_CODES["bad_key"]
            return 200, {
                "header": {"resultCode": code, "resultMessage": message, "isSuccessful": False}
            }
        with self.lock:
            result = self.alimtalk_results.get((request_id, seq))
        header = {"resultCode": 0, "resultMessage": "SUCCESS", "isSuccessful": True}
        return 200, {"header": header, "message": result}

    # --- serving ----------------------------------------------------------------------
    def handler(self) -> type[LocalHandler]:
        return make_handler(self)

    def stop(self) -> None:
        super().stop()
        self.http.close()


def public(entry: dict) -> dict:
    return {k: (sorted(v) if isinstance(v, set) else v) for k, v in entry.items()}


def make_handler(emulator: KakaoEmulator):
    class Handler(LocalHandler):
        json_type = "application/json; charset=utf-8"

        def do_GET(self):
            if not self.from_this_machine(posting=False):
                return self.reply(403, {"msg": "Host not allowed", "code": -403})
            url = urlparse(self.path)
            query = parse_qs(url.query)
            parts = [p for p in url.path.split("/") if p]
            if url.path == "/":
                return self.reply(200, SIMULATOR.read_bytes(), "text/html; charset=utf-8")
            if len(parts) == 2 and parts[0] == "secure":
                with emulator.lock:
                    upload = emulator.uploads.get(parts[1].split(".")[0])
                if upload is None:
                    return self.reply(404, {"msg": "expired", "code": -404})
                return self.reply(200, upload[0], upload[1])
            if url.path == "/_emulator/profile":
                return self.reply(
                    200,
                    {
                        "channel": emulator.channel_name,
                        "bot": emulator.bot_name,
                        "botId": emulator.bot_id,
                    },
                )
            if url.path == "/_emulator/conversation":
                user = query.get("user", [""])[0]
                return self.reply(200, {"data": [public(e) for e in emulator.conversation(user)]})
            if url.path == "/_emulator/delivered":
                user = query.get("user", [""])[0]
                return self.reply(200, {"data": [public(e) for e in emulator.delivered(user)]})
            if len(parts) == 3 and parts[:2] == ["v1", "tasks"]:
                return self.reply(*emulator.task(parts[2], self.headers.get("Authorization", "")))
            if (
                len(parts) == 7
                and parts[:4] == ["alimtalk", "v2.3", "appkeys", parts[3]]
                and parts[4] == "messages"
                and parts[6].isdigit()
            ):
                return self.reply(
                    *emulator.alimtalk_result(
                        parts[3], self.headers.get("X-Secret-Key", ""), parts[5], int(parts[6])
                    )
                )
            return self.reply(404, {"msg": "Unknown path", "code": -404})

        def do_POST(self):
            if not self.from_this_machine(posting=True):
                return self.reply(403, {"msg": "Cross-site request", "code": -403})
            url = urlparse(self.path)
            parts = [p for p in url.path.split("/") if p]
            body = self.read_json(None)
            if len(parts) == 5 and parts[:2] == ["v1", "bots"] and parts[3] == "callback":
                return self.reply(*emulator.callback(parts[2], parts[4], body))
            if len(parts) == 4 and parts[:2] == ["v2", "bots"] and parts[3] == "talk":
                return self.reply(
                    *emulator.event_talk(parts[2], self.headers.get("Authorization", ""), body)
                )
            if (
                len(parts) == 5
                and parts[:3] == ["alimtalk", "v2.3", "appkeys"]
                and parts[4] == "messages"
            ):
                return self.reply(
                    *emulator.alimtalk(
                        parts[3],
                        self.headers.get("X-Secret-Key", ""),
                        body,
                        self.headers.get("X-NC-API-IDEMPOTENCY-KEY", ""),
                    )
                )
            body = body if isinstance(body, dict) else {}
            if url.path == "/_emulator/user_message":
                photos = []
                for photo in body.get("photos") or []:
                    try:
                        header, data = str(photo).split(",", 1)
                        kind = header.removeprefix("data:").split(";")[0] or "image/png"
                        photos.append((base64.b64decode(data), kind))
                    except ValueError:
                        return self.reply(400, {"msg": "bad photo", "code": -400})
                # A button or quick reply names a block by its id; unknown ids reach the fallback.
                by_id = {block_id: name for name, (block_id, _, _) in BLOCKS.items()}
                block = by_id.get(str(body.get("block_id") or ""))
                block = block or (body.get("block") if body.get("block") in BLOCKS else None)
                return self.reply(
                    200,
                    emulator.user_message(
                        str(body.get("user", "")),
                        str(body.get("text", "")),
                        block=block,
                        extra=body.get("extra") or None,
                        trigger=str(body.get("trigger") or "") or None,
                        images=photos,
                        location=body.get("location") or None,
                        is_friend=body.get("is_friend"),
                    ),
                )
            if url.path == "/_emulator/fail":
                try:
                    emulator.fail_next(
                        str(body.get("name", "")),
                        api=body.get("api"),
                        times=int(body.get("times", 1)),
                        seconds=float(body.get("seconds", 15)),
                    )
                except ValueError as error:
                    return self.reply(400, {"msg": str(error), "code": -400})
                return self.reply(200, {"queued": len(emulator.failures)})
            if url.path == "/_emulator/no_kakaotalk":
                with emulator.lock:
                    emulator.no_kakaotalk.add(digits(str(body.get("phone", ""))))
                return self.reply(200, {"ok": True})
            return self.reply(404, {"msg": "Unknown path", "code": -404})

    return Handler
