"""Photos a platform tells us about are fetched one way for every channel: https to an allowlisted
host only (http only to a listed loopback host: the emulator), size-capped while streaming, then
verified and re-encoded like every upload (ontong.images). No other URL is ever fetched."""

import datetime as dt
import time
from collections.abc import Callable, Collection, Iterable
from urllib.parse import urlparse

import httpx
from django.conf import settings
from django.utils import timezone, translation

from ontong.complaints import notices, wording
from ontong.complaints.models import Attachment, Event, EventAction, Message
from ontong.images import ImageRefused, ImageTooBig, clean_image
from ontong.outbound import PrivateAddress, http, pinned
from ontong.tasks_queue import waiting_ids

LOOPBACK = {"127.0.0.1", "localhost"}
# httpx's timeout bounds each read, not the download: a host sending a byte just inside it would
# hold a worker for hours. A photo gets this many timeouts in all.
WHOLE_DOWNLOAD_TIMEOUTS = 3


class MediaRefused(Exception):
    def __init__(self, reason: str, too_big: bool = False):
        super().__init__(reason)
        self.too_big = too_big


def host_allowed(url: str, hosts: Iterable[str]) -> bool:
    """https to one of `hosts` or a subdomain; http only to a loopback host that is listed."""
    parts = urlparse(url)
    host = (parts.hostname or "").lower()
    listed = [h.lower() for h in hosts]
    scheme_ok = parts.scheme == "https" or (
        parts.scheme == "http" and host in LOOPBACK and host in listed
    )
    return scheme_ok and any(host == h or host.endswith("." + h) for h in listed)


def download(url: str, hosts: Iterable[str], timeout: float) -> bytes:
    if not host_allowed(url, hosts):
        raise MediaRefused(f"허용되지 않은 주소입니다: {urlparse(url).hostname}")
    return capped_get(url, timeout)


def download_public(url: str, timeout: float) -> bytes:
    """A photo from a host the sender chose (an Open311 media_url): https to a host whose every
    address is public; never a private, loopback or link-local one (SSRF) unless
    ONTONG_MEDIA_URL_ALLOW_PRIVATE (development and tests, where http is allowed too)."""
    parts = urlparse(url)
    private_ok = settings.ONTONG_MEDIA_URL_ALLOW_PRIVATE
    if not parts.hostname or parts.scheme not in ({"https", "http"} if private_ok else {"https"}):
        raise MediaRefused("https 주소의 사진만 받습니다")
    if private_ok:
        return capped_get(url, timeout)
    try:
        address_url, headers, extensions = pinned(url)
    except PrivateAddress as exc:
        raise MediaRefused(f"허용되지 않은 주소입니다: {exc}") from exc
    return capped_get(address_url, timeout, headers, extensions)


def capped_get(
    url: str,
    timeout: float,
    headers: dict[str, str] | None = None,
    extensions: dict[str, str] | None = None,
) -> bytes:
    limit = settings.ONTONG_MEDIA_MAX_BYTES
    deadline = time.monotonic() + timeout * WHOLE_DOWNLOAD_TIMEOUTS
    with http().stream(
        "GET", url, timeout=timeout, headers=headers, extensions=extensions
    ) as response:
        if response.status_code != 200:
            raise MediaRefused(f"사진을 받지 못했습니다 (HTTP {response.status_code})")
        if int(response.headers.get("content-length") or 0) > limit:
            raise MediaRefused("사진이 너무 큽니다", too_big=True)
        data = bytearray()
        for chunk in response.iter_bytes():
            data.extend(chunk)
            if len(data) > limit:
                raise MediaRefused("사진이 너무 큽니다", too_big=True)
            if time.monotonic() > deadline:
                raise MediaRefused(
                    f"사진을 {timeout * WHOLE_DOWNLOAD_TIMEOUTS:g}초 안에 다 받지 못했습니다"
                )
    return bytes(data)


def fetch_attachment(
    attachment_id: int, fetch: Callable[[str], bytes], stem: str, tell_citizen: bool = True
) -> str:
    """Fetch an attachment's photo with `fetch`; a refusal is kept on the attachment and the
    case's timeline for staff, and the citizen is told (`refuse`)."""
    item = Attachment.objects.select_related("complaint").get(pk=attachment_id)
    if item.file or not item.source_url:
        return "nothing to fetch"
    try:
        with translation.override(settings.LANGUAGE_CODE):  # the record is in the city's language
            image = clean_image(fetch(item.source_url), f"{stem}-{item.pk}")
    except (MediaRefused, ImageRefused, httpx.HTTPError) as exc:
        refuse(item, str(exc), citizen_reason(exc), tell_citizen)
        return "refused"
    item.file.save(image.name, image, save=False)
    item.content_type, item.size, item.source_url = image.content_type, image.size, ""
    item.save()
    return "stored"


def lost_fetches(
    task_path: str, channels: Collection[str], now: dt.datetime | None = None
) -> list[int]:
    """Photos of these channels still to fetch whose fetch task is gone: a worker killed
    mid-fetch leaves its task "running" for ever and nothing else would fetch them (the kill
    test found one). Fetching is idempotent (a stored photo is not fetched again)."""
    grace = dt.timedelta(seconds=settings.ONTONG_STUCK_SECONDS)
    candidates = list(
        Attachment.objects.filter(
            file="",
            fetch_error="",
            complaint__channel__in=channels,
            created_at__lt=(now or timezone.now()) - grace,
        )
        .exclude(source_url="")
        .order_by()
        .values_list("pk", flat=True)[:1000]
    )
    if not candidates:
        return []
    waiting = waiting_ids(task_path, grace)
    return [pk for pk in candidates if pk not in waiting]


def citizen_reason(exc: Exception) -> str:
    if isinstance(exc, ImageTooBig) or getattr(exc, "too_big", False):
        return "too_big"
    return "not_image" if isinstance(exc, ImageRefused) else "unreachable"


def refuse(item: Attachment, error: str, reason: str, tell_citizen: bool = True) -> None:
    """A photo that was not kept: why, on the attachment and as a timeline entry staff see; and,
    once per message of theirs, the citizen is told what happened and what to do instead."""
    item.fetch_error = error[:500]
    item.save(update_fields=["fetch_error"])
    complaint = item.complaint
    Event.objects.create(
        complaint=complaint,
        action=EventAction.PHOTO_REFUSED,
        note=f"사진을 받지 못했습니다: {error}"[:500],
    )
    told_already = (
        item.message_id is not None
        and Attachment.objects.filter(message=item.message_id, pk__lt=item.pk)
        .exclude(fetch_error="")
        .exists()
    )
    if not tell_citizen or told_already:
        return
    text = wording.render(
        "photo_refused",
        complaint.channel,
        reason=reason,
        max_mb=settings.ONTONG_MEDIA_MAX_BYTES // (1024 * 1024),
        receipt_no=complaint.receipt_no,
        intake_url=notices.intake_url(),
    )
    notices.queue_notice(complaint, Message.Purpose.REPLY, text)
