"""A local stand-in for Meta's Graph API, for tests and the offline demo.

It speaks the contract of ../shared/docs/channel-contracts.md: the Send API (RESPONSE, HUMAN_AGENT,
retired tags refused), Private Replies (once, within 7 days), media URLs, the 24 h / 7 day
windows, and Meta's real error bodies on demand (window closed, rate limit, expired token, 5xx,
slow answers). It also plays the citizen: /_emulator/user_message signs and POSTs a Messenger
webhook to Ontong, and / is a small Messenger-like page for a person to do the same.
What it does not reproduce: Meta's rate-limit accounting, delivery/read receipts, handover,
Instagram's separate host, and App Review.
"""

import base64
import calendar
import datetime
import hashlib
import hmac
import itertools
import json
import random
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from ontong import geo
from ontong.devtools.demo_mail import mail_page
from ontong.devtools.emulator_http import LocalHandler, LocalServer

BOUNDARY_FILE = Path(__file__).resolve().parents[1] / "web/static/maps/seosan-emd.geojson"


def city_boundaries() -> list:
    return geo.read_boundaries(BOUNDARY_FILE)  # read once (cached)


ERRORS = {
    "window": (
        400,
        {
            "message": "(#10) This message is sent outside of allowed window.",
            "type": "OAuthException",
            "code": 10,
            "error_subcode": 2018278,
        },
    ),
    "window_ig": (
        400,
        {
            "message": "(#10) This message is sent outside of allowed window.",
            "type": "OAuthException",
            "code": 10,
            "error_subcode": 2534022,
        },
    ),
    "rate_limit": (
        400,
        {
            "message": "(#613) Calls to this api have exceeded the rate limit.",
            "type": "OAuthException",
            "code": 613,
        },
    ),
    "token": (
        400,
        {
            "message": "Error validating access token: Session has expired.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        },
    ),
    "unavailable": (
        400,
        {
            "message": "(#551) This person isn't available right now.",
            "type": "OAuthException",
            "code": 551,
            "error_subcode": 1545041,
        },
    ),
    "invalid": (
        400,
        {
            "message": "Invalid parameter",
            "type": "FacebookApiException",
            "code": 100,
            "error_data": "No matching user found.",
        },
    ),
    "already_replied": (
        400,
        {
            "message": "(#10900) Activity already replied to",
            "type": "OAuthException",
            "code": 10900,
        },
    ),
    "server": (
        500,
        {
            "message": "An unexpected error has occurred. Please retry your request later.",
            "type": "OAuthException",
            "code": 2,
            "is_transient": True,
        },
    ),
}
RETIRED_TAGS = {"ACCOUNT_UPDATE", "CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE"}
# A 1x1 red PNG, the "photo" every media URL serves.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
SIMULATOR = Path(__file__).parent / "templates" / "devtools" / "simulator.html"


class Emulator(LocalServer):
    def __init__(
        self,
        *,
        page_id: str,
        app_secret: str,
        token: str,
        webhook_url: str,
        instagram_id: str = "",
        echoes: bool = False,
        fetches_media: bool = False,
        mail_dir: Path | None = None,
        answer_seconds: float = 0.0,
    ):
        # How long the Send API takes to answer (Graph's usual 0.1–0.3 s; bench/e2e.py).
        self.answer_seconds = answer_seconds
        self.mail_dir = mail_dir  # the demo's e-mails (demo_mail), shown at /_emulator/mail
        self.echoes = echoes  # post message_echoes back to the webhook, as Meta does
        # Download a post's photo from the URL it names, as Meta does when it is given one (off
        # where the URLs are never served); what was fetched is kept in `fetched`.
        self.fetches_media = fetches_media
        self.fetched: list[dict] = []
        # One client for every webhook POST: a new one per call builds an SSL context each time.
        self.http = httpx.Client()
        self.page_id, self.app_secret, self.token = page_id, app_secret, token
        self.instagram_id = instagram_id
        self.webhook_url = webhook_url
        self.lock = threading.Lock()
        self.last_user_message: dict[str, float] = {}
        self.comments: dict[str, dict] = {}
        self.sent: list[dict] = []
        self.sms: list[dict] = []
        self.failures: list[dict] = []
        self.ids = itertools.count(1)
        # Publishing: posts per node (page or Instagram account), Instagram containers.
        self.posts: dict[str, list[dict]] = {}
        self.containers: dict[str, dict] = {}
        self.publish_requests: list[tuple[str, str]] = []  # (node, edge) of every publishing call
        self.container_script: list[str] = []  # statuses the next container goes through
        self.container_script_skip = (
            0  # containers made before the script applies (a carousel's nth photo)
        )
        self.photos: dict[
            str, dict
        ] = {}  # Facebook photos uploaded unpublished, for attached_media
        self.retired_extra: set[str] = set()  # metrics to refuse on top of Meta's retired ones
        # Facebook Reels upload sessions (video_reels start → upload host → finish)
        self.reels: dict[str, dict] = {}
        # Instagram's `status` for a scripted ERROR container (why it failed)
        self.container_error_reason = (
            "Error: Media upload has failed with error code 2207026 (unsupported video format)"
        )

    # --- the citizen's side -------------------------------------------------
    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()

    def post_webhook(self, payload: dict) -> int:
        # ensure_ascii: Meta sends non-ASCII \\uXXXX-escaped and signs those exact bytes.
        body = json.dumps(payload, ensure_ascii=True).encode()
        response = self.http.post(
            self.webhook_url,
            content=body,
            timeout=20,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": self.sign(body)},
        )
        return response.status_code

    def user_message(
        self,
        psid: str,
        text: str = "",
        quick_reply: str = "",
        image: bool = False,
        platform: str = "messenger",
    ) -> dict:
        now_ms = int(time.time() * 1000)
        mid = f"m_{psid}_{next(self.ids)}_{now_ms}"
        message: dict[str, Any] = {"mid": mid}
        if text:
            message["text"] = text
        if quick_reply:
            message["quick_reply"] = {"payload": quick_reply}
        if image:
            message["attachments"] = [
                {"type": "image", "payload": {"url": f"{self.base_url}/media/{mid}.png"}}
            ]
        account = self.instagram_id if platform == "instagram" else self.page_id
        payload = {
            "object": "instagram" if platform == "instagram" else "page",
            "entry": [
                {
                    "id": account,
                    "time": now_ms,
                    "messaging": [
                        {
                            "sender": {"id": psid},
                            "recipient": {"id": account},
                            "timestamp": now_ms,
                            "message": message,
                        }
                    ],
                }
            ],
        }
        with self.lock:
            self.last_user_message[psid] = time.time()
        status = self.post_webhook(payload)
        return {"mid": mid, "status": status}

    def comment(self, user_id: str, text: str, name: str = "시민") -> dict:
        now = int(time.time())
        comment_id = f"{self.page_id}_{next(self.ids)}"
        with self.lock:
            self.comments[comment_id] = {"created": now, "replied": False}
        value = {
            "item": "comment",
            "verb": "add",
            "comment_id": comment_id,
            "post_id": f"{self.page_id}_1",
            "parent_id": f"{self.page_id}_1",
            "from": {"id": user_id, "name": name},
            "created_time": now,
            "message": text,
        }
        status = self.post_webhook(
            {
                "object": "page",
                "entry": [
                    {
                        "id": self.page_id,
                        "time": now,
                        "changes": [{"field": "feed", "value": value}],
                    }
                ],
            }
        )
        return {"comment_id": comment_id, "status": status}

    def age(self, psid: str, hours: float) -> None:
        with self.lock:
            self.last_user_message[psid] = (
                self.last_user_message.get(psid, time.time()) - hours * 3600
            )

    # --- the Send API ---------------------------------------------------------
    def send(self, account_id: str, token: str, payload: dict) -> tuple[int, dict]:
        if token != self.token:
            return error("token")
        if self.answer_seconds:
            time.sleep(self.answer_seconds)
        if failure := self.next_failure():
            if failure["error"] == "slow":
                time.sleep(failure.get("seconds", 15))
            else:
                return error(failure["error"])
        recipient = payload.get("recipient") or {}
        message = payload.get("message") or {}
        text = message.get("text", "")
        if payload.get("tag") in RETIRED_TAGS:
            return error("invalid")
        if len(text) >= 2000:
            return error("invalid")
        if "comment_id" in recipient:
            return self.private_reply(recipient["comment_id"], payload)
        psid = str(recipient.get("id", ""))
        last = self.last_user_message.get(psid)
        if last is None:
            return error("invalid")
        age = time.time() - last
        instagram = account_id == self.instagram_id and bool(self.instagram_id)
        human_agent = (
            payload.get("messaging_type") == "MESSAGE_TAG" and payload.get("tag") == "HUMAN_AGENT"
        )
        if age > 24 * 3600 and not (human_agent and age <= 7 * 24 * 3600):
            return error("window_ig" if instagram else "window")
        return 200, self.record(psid, payload)

    def private_reply(self, comment_id: str, payload: dict) -> tuple[int, dict]:
        with self.lock:
            comment = self.comments.get(comment_id)
            if comment is None:
                return error("invalid")
            if comment["replied"]:
                return error("already_replied")
            if time.time() - comment["created"] > 7 * 24 * 3600:
                return error("invalid")
            comment["replied"] = True
        return 200, self.record(f"comment:{comment_id}", payload)

    def record(self, recipient: str, payload: dict) -> dict:
        mid = f"m_page_{next(self.ids)}"
        with self.lock:
            self.sent.append({**payload, "to": recipient, "message_id": mid, "at": time.time()})
        if self.echoes and self.webhook_url and not recipient.startswith("comment:"):
            threading.Thread(target=self.echo, args=(recipient, mid, payload), daemon=True).start()
        return {"recipient_id": recipient, "message_id": mid}

    def echo(self, recipient: str, mid: str, payload: dict) -> None:
        message = payload.get("message") or {}
        event = {
            "sender": {"id": self.page_id},
            "recipient": {"id": recipient},
            "timestamp": int(time.time() * 1000),
            "message": {
                "mid": mid,
                "is_echo": True,
                "app_id": 1,
                "metadata": message.get("metadata", ""),
                "text": message.get("text", ""),
            },
        }
        for attempt in range(5):  # Meta retries a webhook that failed
            try:
                if (
                    self.post_webhook(
                        {
                            "object": "page",
                            "entry": [
                                {
                                    "id": self.page_id,
                                    "time": int(time.time() * 1000),
                                    "messaging": [event],
                                }
                            ],
                        }
                    )
                    == 200
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5 * 2**attempt)

    def next_failure(self) -> dict | None:
        with self.lock:
            if not self.failures:
                return None
            failure = self.failures[0]
            failure["times"] = failure.get("times", 1) - 1
            if failure["times"] <= 0:
                self.failures.pop(0)
            return failure

    # --- publishing (channel-contracts §6) ---------------------------------------
    def publish(self, node: str, edge: str, token: str, body: dict) -> tuple[int, dict]:
        if token != self.token:
            return error("token")
        with self.lock:
            self.publish_requests.append((node, edge))
        failure = self.next_failure()
        if failure and failure["error"] != "slow":
            return error(failure["error"])
        if edge == "media":
            result = self.new_container(node, body)
        elif edge == "video_reels":
            result = self.video_reel(node, body)
        elif edge == "threads":
            result = self.threads_container(node, body)
        elif edge == "threads_publish":
            result = self.threads_publish(node, str(body.get("creation_id", "")))
        elif edge == "media_publish":
            result = self.publish_container(node, str(body.get("creation_id", "")))
        else:
            result = self.new_post(node, edge, body)
        if failure:  # done, but the answer comes too late: the caller cannot know
            time.sleep(failure.get("seconds", 15))
        return result

    def new_post(self, node: str, edge: str, body: dict) -> tuple[int, dict]:
        published = body.get("published", True) not in (False, "false", "0")
        number = next(self.ids)
        post = {
            "id": f"{node}_{number}",
            "message": body.get("message") or body.get("caption") or "",
            "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
            "link": body.get("link", ""),
            "attached_media": body.get("attached_media", []),
            "kind": edge,
        }
        if edge == "videos":
            if not str(body.get("file_url", "")).split("?")[0].endswith((".mp4", ".mov")):
                return error("invalid")
            post["message"] = body.get("description", "")
            post["thumb_offset"] = body.get("thumb_offset", 0)
            with self.lock:
                self.posts.setdefault(node, []).insert(0, post)
            return 200, {"id": f"video_{number}"}
        if edge == "photos":
            photo_id = f"photo_{number}"
            if not str(body.get("url", "")).startswith("http"):
                return error("invalid")
            if not self.fetch_photo(body["url"]):
                return 400, {
                    "error": {
                        "message": "(#324) Missing or invalid image file",
                        "type": "OAuthException",
                        "code": 324,
                        "fbtrace_id": "emu",
                    }
                }
            if not published:
                with self.lock:
                    self.photos[photo_id] = {
                        "node": node,
                        "url": body["url"],
                        "caption": body.get("caption", ""),
                    }
                return 200, {"id": photo_id}
            with self.lock:
                self.posts.setdefault(node, []).insert(0, post)
            return 200, {"id": photo_id, "post_id": post["id"]}
        with self.lock:
            self.posts.setdefault(node, []).insert(0, post)
        return 200, {"id": post["id"]}

    def video_reel(self, node: str, body: dict) -> tuple[int, dict]:
        """Facebook's Reels Publishing API: start → (file fetched on the upload host) → finish."""
        phase = body.get("upload_phase")
        with self.lock:
            if phase == "start":
                video_id = f"reel_{next(self.ids)}"
                self.reels[video_id] = {"node": node, "file_url": "", "published": False}
                return 200, {"video_id": video_id, "upload_url": f"/video-upload/{video_id}"}
            reel = self.reels.get(str(body.get("video_id", "")))
            if phase != "finish" or reel is None or reel["node"] != node:
                return error("invalid")
            if not reel["file_url"]:
                return 400, {
                    "error": {
                        "message": "Video upload is not complete",
                        "type": "OAuthException",
                        "code": 6000,
                        "fbtrace_id": "emu",
                    }
                }
            if not reel["published"]:  # finishing twice does not make two reels
                reel["published"] = True
                self.posts.setdefault(node, []).insert(
                    0,
                    {
                        "id": f"{node}_{body['video_id']}",
                        "message": body.get("description", ""),
                        "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
                        "kind": "video_reels",
                        "video_state": body.get("video_state", ""),
                    },
                )
        return 200, {"success": True}

    def reel_upload(self, video_id: str, token: str, file_url: str) -> tuple[int, dict]:
        if token != self.token:
            return error("token")
        with self.lock:
            reel = self.reels.get(video_id)
            if reel is None or not file_url.split("?")[0].endswith((".mp4", ".mov")):
                return error("invalid")
            reel["file_url"] = file_url
        return 200, {"success": True}

    # --- Threads (graph.threads.net: same container → publish flow, its own field names) ---
    def threads_container(self, node: str, body: dict) -> tuple[int, dict]:
        kind = str(body.get("media_type", ""))
        text = str(body.get("text", ""))
        if kind not in {"TEXT", "IMAGE", "VIDEO", "CAROUSEL"}:
            return error("invalid")
        if sum(4 if ord(c) > 0xFFFF else 1 for c in text) > 500:
            return 400, {
                "error": {
                    "message": "Text exceeds 500 characters",
                    "code": 100,
                    "type": "THApiException",
                }
            }
        children: list[str] = []
        if kind == "CAROUSEL":
            raw = body.get("children", "")
            children = [c for c in (raw.split(",") if isinstance(raw, str) else raw) if c]
            with self.lock:
                items = [self.containers.get(c) for c in children]
            if not 2 <= len(children) <= 20 or any(
                i is None
                or i["node"] != node
                or not i["carousel_item"]
                or i["status"] != "FINISHED"
                for i in items
            ):
                return error("invalid")
        if kind == "IMAGE" and not str(body.get("image_url", "")).split("?")[0].endswith(".jpg"):
            return error("invalid")
        if kind == "VIDEO" and not str(body.get("video_url", "")).split("?")[0].endswith(
            (".mp4", ".mov")
        ):
            return error("invalid")
        container_id = self.make_container(
            node,
            {**body, "caption": text},
            children,
            default=["IN_PROGRESS", "FINISHED"] if kind in {"IMAGE", "VIDEO"} else ["FINISHED"],
        )
        with self.lock:
            self.containers[container_id]["network"] = "threads"
        return 200, {"id": container_id}

    def threads_publish(self, node: str, container_id: str) -> tuple[int, dict]:
        with self.lock:
            container = self.containers.get(container_id)
            if (
                container is None
                or container.get("network") != "threads"
                or container["node"] != node
                or container["carousel_item"]
            ):
                return error("invalid")
            if container["status"] != "FINISHED":
                return 400, {
                    "error": {"message": "Media not ready", "code": 24, "error_subcode": 4279009}
                }
            container["status"] = "PUBLISHED"
            thread = {
                "id": f"1792{next(self.ids):08d}",
                "text": container["caption"],
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
                "media_type": {"CAROUSEL": "CAROUSEL_ALBUM", "TEXT": "TEXT_POST"}.get(
                    container["media_type"], container["media_type"]
                ),
                "alt_texts": [self.containers[c]["alt_text"] for c in container["children"]]
                or [container["alt_text"]],
            }
            self.posts.setdefault(node, []).insert(0, thread)
        return 200, {"id": thread["id"]}

    def new_container(self, node: str, body: dict) -> tuple[int, dict]:
        if body.get("media_type") == "CAROUSEL":
            return self.new_carousel(node, body)
        if body.get("media_type") == "REELS":
            if not str(body.get("video_url", "")).split("?")[0].endswith((".mp4", ".mov")):
                return error("invalid")
            # Video takes longer than a photo: two IN_PROGRESS answers before FINISHED.
            return 200, {
                "id": self.make_container(
                    node, body, default=["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
                )
            }
        url = str(body.get("image_url", ""))
        if not url.lower().split("?")[0].endswith((".jpg", ".jpeg")):
            return 400, {
                "error": {
                    "message": "Only JPEG images are supported.",
                    "type": "OAuthException",
                    "code": 36003,
                    "fbtrace_id": "emu",
                }
            }
        if not self.fetch_photo(url):
            return 400, {
                "error": {
                    "message": "The media could not be fetched from this uri",
                    "type": "OAuthException",
                    "code": 9004,
                    "error_subcode": 2207052,
                    "fbtrace_id": "emu",
                }
            }
        return 200, {"id": self.make_container(node, body)}

    def fetch_photo(self, url: str) -> bool:
        """Whether the photo at url could be fetched as an image (always, when not fetching)."""
        if not self.fetches_media:
            return True
        try:
            response = self.http.get(url, timeout=10)
        except httpx.HTTPError:
            return False
        content_type = response.headers.get("content-type", "")
        with self.lock:
            self.fetched.append(
                {
                    "url": url,
                    "status": response.status_code,
                    "type": content_type,
                    "body": response.content,
                }
            )
        return response.status_code == 200 and content_type.startswith("image/")

    def make_container(
        self,
        node: str,
        body: dict,
        children: list[str] | None = None,
        default: list[str] | None = None,
    ) -> str:
        container_id = f"1790{next(self.ids):08d}"
        with self.lock:
            script = default or ["IN_PROGRESS", "FINISHED"]
            if self.container_script and self.container_script_skip > 0:
                self.container_script_skip -= 1
            elif self.container_script:
                script, self.container_script = self.container_script, []
            self.containers[container_id] = {
                "node": node,
                "caption": body.get("caption", ""),
                "alt_text": body.get("alt_text", ""),
                "carousel_item": body.get("is_carousel_item") in (True, "true", "1"),
                "children": children or [],
                "media_type": str(body.get("media_type") or "IMAGE"),
                "thumb_offset": body.get("thumb_offset"),
                "error_reason": self.container_error_reason,
                "script": list(script),
                "status": script[0],
                "answers": [],  # the statuses a status check was given, in order
            }
        return container_id

    def new_carousel(self, node: str, body: dict) -> tuple[int, dict]:
        """A CAROUSEL container: 2–10 finished item containers of this account, in order."""
        raw = body.get("children", [])
        children = [c for c in (raw.split(",") if isinstance(raw, str) else raw) if c]
        with self.lock:
            items = [self.containers.get(str(c)) for c in children]
        problem = ""
        if not 2 <= len(children) <= 10:
            problem = "The carousel must have between 2 and 10 children"
        elif any(
            i is None or i["node"] != node or not i["carousel_item"] or i["status"] != "FINISHED"
            for i in items
        ):
            problem = "Invalid children: each must be a finished carousel item of this account"
        if problem:
            return 400, {
                "error": {
                    "message": problem,
                    "type": "OAuthException",
                    "code": 100,
                    "error_subcode": 2207028,
                    "fbtrace_id": "emu",
                }
            }
        return 200, {"id": self.make_container(node, body, [str(c) for c in children])}

    def container_status(self, container_id: str) -> tuple[int, dict]:
        with self.lock:
            container = self.containers.get(container_id)
            if container is None:
                return error("invalid")
            status = container["status"]
            if container["script"] and status != "PUBLISHED":
                container["status"] = container["script"].pop(0)
                status = container["status"]
            container["answers"].append(status)
        if container.get("network") == "threads":  # Threads: `status`, `error_message`
            answer = {"status": status, "id": container_id}
            if status == "ERROR":
                answer["error_message"] = container["error_reason"]
            return 200, answer
        answer = {"status_code": status, "id": container_id}
        if status == "ERROR":  # Instagram's `status` field says why
            answer["status"] = container["error_reason"]
        return 200, answer

    def publish_container(self, node: str, container_id: str) -> tuple[int, dict]:
        with self.lock:
            container = self.containers.get(container_id)
            if container is None or container["node"] != node or container["carousel_item"]:
                return error("invalid")  # a carousel's item is published only through its carousel
            if container["status"] != "FINISHED":
                return 400, {
                    "error": {
                        "message": "The media is not ready for publishing, please wait for a moment",
                        "type": "OAuthException",
                        "code": 9007,
                        "error_subcode": 2207027,
                        "fbtrace_id": "emu",
                    }
                }
            container["status"] = "PUBLISHED"
            media = {
                "id": f"1791{next(self.ids):08d}",
                "caption": container["caption"],
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
                "media_type": "CAROUSEL_ALBUM"
                if container["children"]
                else "VIDEO"
                if container["media_type"] == "REELS"
                else "IMAGE",
                "media_product_type": "REELS" if container["media_type"] == "REELS" else "FEED",
                "thumb_offset": container["thumb_offset"],
                "alt_texts": [self.containers[c]["alt_text"] for c in container["children"]]
                or [container["alt_text"]],
            }
            self.posts.setdefault(node, []).insert(0, media)
        return 200, {"id": media["id"]}

    def vworld_address(self, query: dict) -> dict:
        """VWorld's reverse geocoder (GET /req/address), answered from the shipped 읍면동 boundary
        file: "충청남도 서산시 <읍면동> 일대", or NOT_FOUND outside the city. A missing key is
        refused as VWorld does."""
        if not query.get("key", [""])[0]:
            return {"response": {"status": "ERROR", "error": {"code": "INVALID_KEY"}}}
        try:
            lng, lat = (float(v) for v in query.get("point", [""])[0].split(","))
        except ValueError:
            return {"response": {"status": "ERROR", "error": {"code": "INVALID_RANGE"}}}
        for name, polygons in city_boundaries():
            for outer, *holes in polygons:
                if geo.inside(outer, lng, lat) and not any(geo.inside(h, lng, lat) for h in holes):
                    text = f"충청남도 서산시 {name} 일대"
                    return {
                        "response": {"status": "OK", "result": [{"type": "parcel", "text": text}]}
                    }
        return {"response": {"status": "NOT_FOUND"}}

    def recent(self, node: str) -> dict:
        with self.lock:
            return {"data": list(self.posts.get(node, []))[:25]}

    def publishing_limit(self, node: str) -> dict:
        day_ago = time.time() - 86400
        with self.lock:
            used = sum(
                1
                for m in self.posts.get(node, [])
                if "timestamp" in m
                and calendar.timegm(time.strptime(m["timestamp"][:19], "%Y-%m-%dT%H:%M:%S"))
                > day_ago
            )
        return {
            "data": [{"quota_usage": used, "config": {"quota_total": 50, "quota_duration": 86400}}]
        }

    # --- insights (generated history, retired metrics) ---------------------------
    RETIRED_METRICS = {
        "page_impressions_unique",
        "page_fans",
        "page_engaged_users",
        "post_impressions_unique",
        "impressions",
    }

    def audience(self, node: str, day: datetime.date) -> dict:
        """A city account growing from ~3,000 to ~30,000 followers over a year, with weekly
        rhythm and noise; the same numbers every time for the same day."""
        rng = random.Random(f"{node}:{day.isoformat()}")
        start = datetime.date.today() - datetime.timedelta(days=365)
        age = max(0, (day - start).days)
        followers = int(3000 * (10 ** (min(age, 365) / 365)))
        weekday_boost = 1.3 if day.weekday() in (1, 3) else (0.7 if day.weekday() >= 5 else 1.0)
        follows = max(0, int(followers * 0.0065 * weekday_boost * rng.uniform(0.6, 1.4)))
        reach = int(followers * rng.uniform(0.25, 0.6) * weekday_boost)
        return {
            "followers": followers,
            "follows": follows,
            "reach": reach,
            "views": int(reach * rng.uniform(1.6, 2.4)),
        }

    THREADS_MEDIA_METRICS = {"views", "likes", "replies", "reposts", "quotes", "shares"}
    THREADS_USER_METRICS = {
        "views",
        "likes",
        "replies",
        "reposts",
        "quotes",
        "clicks",
        "followers_count",
    }

    def is_thread(self, node: str) -> bool:
        with self.lock:
            return any(
                p["id"] == node and "text" in p for posts in self.posts.values() for p in posts
            )

    def threads_insights(self, node: str, query: dict) -> tuple[int, dict]:
        """Threads' /{user}/threads_insights: `views` (profile views) a day between the Unix
        `since` and `until`; the others are totals (`total_value`), followers_count today's."""
        metrics = [m for m in query.get("metric", [""])[0].split(",") if m]
        if not metrics or any(m not in self.THREADS_USER_METRICS for m in metrics):
            return 400, {
                "error": {
                    "message": "(#100) Param metric must be one of "
                    + ", ".join(sorted(self.THREADS_USER_METRICS)),
                    "type": "THApiException",
                    "code": 100,
                }
            }
        now = time.time()
        since = int(query.get("since", [str(int(now) - 86400)])[0])
        until = int(query.get("until", [str(int(now))])[0])
        first = datetime.date.fromtimestamp(since)
        last = datetime.date.fromtimestamp(until)
        data: list[dict] = []
        for metric in metrics:
            if metric == "views":
                values, day = [], first
                while day < last:
                    end = datetime.datetime.combine(
                        day + datetime.timedelta(days=1), datetime.time(7)
                    )
                    values.append(
                        {
                            "value": self.audience(node, day)["views"] // 20,
                            "end_time": end.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                        }
                    )
                    day += datetime.timedelta(days=1)
                data.append({"name": "views", "period": "day", "values": values, "id": node})
                continue
            if metric == "followers_count":
                total = self.audience(node, datetime.date.today())["followers"] // 10
            else:
                with self.lock:
                    posts = list(self.posts.get(node, []))
                total = sum(self.post_metric(p["id"], metric)["values"][0]["value"] for p in posts)
            data.append(
                {"name": metric, "period": "day", "total_value": {"value": total}, "id": node}
            )
        return 200, {"data": data}

    def insights(self, node: str, query: dict) -> tuple[int, dict]:
        metrics = [m for m in query.get("metric", [""])[0].split(",") if m]
        if self.is_thread(node):  # a Threads post: lifetime numbers, its own metric names
            if not metrics or any(m not in self.THREADS_MEDIA_METRICS for m in metrics):
                return 400, {
                    "error": {
                        "message": "(#100) The value must be a valid insights metric",
                        "type": "THApiException",
                        "code": 100,
                    }
                }
            return 200, {"data": [self.post_metric(node, m) for m in metrics]}
        bad = [m for m in metrics if m in self.RETIRED_METRICS or m in self.retired_extra]
        if bad:
            return 400, {
                "error": {
                    "message": "(#100) The value must be a valid insights metric",
                    "type": "OAuthException",
                    "code": 100,
                    "fbtrace_id": "emu",
                }
            }
        if query.get("period", [""])[0] == "lifetime":
            return 200, {"data": [self.post_metric(node, m) for m in metrics]}
        since = datetime.date.fromisoformat(
            query.get("since", [datetime.date.today().isoformat()])[0]
        )
        until = datetime.date.fromisoformat(
            query.get("until", [datetime.date.today().isoformat()])[0]
        )
        names = {
            "page_follows": "followers",
            "page_daily_follows_unique": "follows",
            "follower_count": "follows",
            "page_total_media_view_unique": "reach",
            "reach": "reach",
            "page_media_view": "views",
            "views": "views",
        }
        data = []
        for metric in metrics:
            values = []
            day = since
            while day < until:
                end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(8))
                values.append(
                    {
                        "value": self.audience(node, day)[names.get(metric, "views")],
                        "end_time": end.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                    }
                )
                day += datetime.timedelta(days=1)
            data.append({"name": metric, "period": "day", "values": values})
        return 200, {"data": data}

    def post_metric(self, post_id: str, metric: str) -> dict:
        rng = random.Random(f"{post_id}:{metric}")
        base = rng.randint(800, 9000)
        value = {"reach": base, "post_total_media_view_unique": base}.get(metric)
        if value is None:
            value = {
                "views": int(base * 1.9),
                "post_media_view": int(base * 1.9),
                "likes": int(base * rng.uniform(0.01, 0.06)),
                "comments": int(base * rng.uniform(0.001, 0.01)),
                "shares": int(base * rng.uniform(0.001, 0.008)),
                "replies": int(base * rng.uniform(0.001, 0.01)),
                "reposts": int(base * rng.uniform(0.001, 0.006)),
                "quotes": int(base * rng.uniform(0.0005, 0.003)),
            }.get(metric, 0)
        return {"name": metric, "period": "lifetime", "values": [{"value": value}]}

    def node_fields(self, node: str, fields: str) -> dict:
        if "followers_count" in fields:
            return {
                "id": node,
                "followers_count": self.audience(node, datetime.date.today())["followers"],
            }
        rng = random.Random(f"{node}:fields")
        base = rng.randint(800, 9000)
        return {
            "id": node,
            "shares": {"count": int(base * 0.004)},
            "comments": {"data": [], "summary": {"total_count": int(base * 0.006)}},
            "reactions": {"data": [], "summary": {"total_count": int(base * 0.035)}},
        }

    # --- serving ----------------------------------------------------------------
    def handler(self) -> type[LocalHandler]:
        return make_handler(self)


def error(name: str) -> tuple[int, dict]:
    status, body = ERRORS[name]
    return status, {"error": {**body, "fbtrace_id": f"emu{int(time.time() * 1000) % 10**8}"}}


def make_handler(emulator: Emulator):
    class Handler(LocalHandler):
        def do_GET(self):
            if not self.from_this_machine(posting=False):
                return self.reply(403, {"error": {"message": "Host not allowed", "code": 10}})
            url = urlparse(self.path)
            query = parse_qs(url.query)
            if url.path == "/":
                return self.reply(200, SIMULATOR.read_bytes(), "text/html; charset=utf-8")
            if url.path.startswith("/media/"):
                return self.reply(200, PIXEL, "image/png")
            if url.path == "/_emulator/sent":
                psid = query.get("psid", [""])[0]
                with emulator.lock:
                    sent = [s for s in emulator.sent if not psid or s["to"] == psid]
                return self.reply(200, {"data": sent})
            if url.path == "/_emulator/sms":
                return self.reply(200, {"data": emulator.sms})
            if url.path == "/_emulator/mail" and emulator.mail_dir is not None:
                page = mail_page(emulator.mail_dir)
                return self.reply(200, page, "text/html; charset=utf-8")
            if url.path == "/_emulator/posts":
                return self.reply(200, {"data": emulator.posts})
            if url.path == "/req/address":
                return self.reply(200, emulator.vworld_address(query))
            parts = [p for p in url.path.split("/") if p]
            if len(parts) == 3 and parts[2] in {"feed", "media", "threads"}:
                return self.reply(200, emulator.recent(parts[1]))
            if len(parts) == 3 and parts[2] == "content_publishing_limit":
                return self.reply(200, emulator.publishing_limit(parts[1]))
            if len(parts) == 2 and parts[1] in emulator.containers:
                return self.reply(*emulator.container_status(parts[1]))
            if len(parts) == 3 and parts[2] == "threads_insights":
                return self.reply(*emulator.threads_insights(parts[1], query))
            if len(parts) == 3 and parts[2] == "insights":
                return self.reply(*emulator.insights(parts[1], query))
            if len(parts) == 2 and "fields" in query:
                return self.reply(200, emulator.node_fields(parts[1], query["fields"][0]))
            return self.reply(404, {"error": {"message": "Unknown path", "code": 803}})

        def do_POST(self):
            if not self.from_this_machine(posting=True):
                return self.reply(403, {"error": {"message": "Cross-site request", "code": 10}})
            url = urlparse(self.path)
            parts = [p for p in url.path.split("/") if p]
            body = self.read_json({})
            if len(parts) == 3 and parts[2] == "messages":
                bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                token = bearer or parse_qs(url.query).get("access_token", [""])[0]
                status, answer = emulator.send(parts[1], token, body)
                return self.reply(status, answer)
            if len(parts) == 3 and parts[0] == "video-upload":  # rupload.facebook.com
                bearer = self.headers.get("Authorization", "").split(" ", 1)[-1]
                return self.reply(
                    *emulator.reel_upload(parts[2], bearer, self.headers.get("file_url", ""))
                )
            if len(parts) == 3 and parts[2] in {
                "feed",
                "photos",
                "media",
                "media_publish",
                "videos",
                "video_reels",
                "threads",
                "threads_publish",
            }:
                bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                return self.reply(*emulator.publish(parts[1], parts[2], bearer, body))
            if url.path == "/_emulator/retire":
                with emulator.lock:
                    emulator.retired_extra.add(str(body.get("metric", "")))
                return self.reply(200, {"ok": True})
            if url.path == "/_emulator/container":
                with emulator.lock:
                    emulator.container_script = [str(s) for s in body.get("statuses", [])]
                    emulator.container_script_skip = int(body.get("skip", 0))
                    emulator.container_error_reason = str(
                        body.get("reason")
                        or "Error: Media upload has failed with error code 2207026 (unsupported video format)"
                    )
                return self.reply(200, {"ok": True})
            if url.path == "/sms":
                with emulator.lock:
                    emulator.sms.append({**body, "at": time.time()})
                return self.reply(200, {"id": f"sms-{len(emulator.sms)}"})
            if url.path == "/_emulator/user_message":
                return self.reply(
                    200,
                    emulator.user_message(
                        str(body.get("psid", "")),
                        str(body.get("text", "")),
                        str(body.get("quick_reply", "")),
                        bool(body.get("image")),
                        str(body.get("platform", "messenger")),
                    ),
                )
            if url.path == "/_emulator/comment":
                return self.reply(
                    200, emulator.comment(str(body.get("user_id", "")), str(body.get("text", "")))
                )
            if url.path == "/_emulator/fail":
                with emulator.lock:
                    emulator.failures.append(body)
                return self.reply(200, {"queued": len(emulator.failures)})
            if url.path == "/_emulator/age":
                emulator.age(str(body.get("psid", "")), float(body.get("hours", 25)))
                return self.reply(200, {"ok": True})
            return self.reply(404, {"error": {"message": "Unknown path", "code": 803}})

    return Handler
