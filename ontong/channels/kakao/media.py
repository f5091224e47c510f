"""Photos citizens send through Kakao's 이미지 보안전송 플러그인: fetched only over https from
Kakao's hosts (ONTONG_KAKAO_MEDIA_HOSTS; the emulator's loopback host only when listed, as in
DEBUG and tests), size-capped while streaming, then verified and re-encoded like every upload
(ontong.images). No other URL a skill request names is ever fetched."""

import datetime as dt

from django.conf import settings

from ontong.channels import media as shared
from ontong.channels.media import MediaRefused, refuse
from ontong.complaints.models import Channel

from .tasks import fetch_media

__all__ = [
    "MediaRefused",
    "allowed",
    "download",
    "fetch_attachment",
    "refuse",
    "sweep_lost_fetches",
]


def allowed(url: str, hosts: list[str] | None = None) -> bool:
    """https to one of `hosts` (default: Kakao's photo hosts); http only to a listed loopback host."""
    return shared.host_allowed(url, settings.ONTONG_KAKAO_MEDIA_HOSTS if hosts is None else hosts)


def download(url: str) -> bytes:
    return shared.download(
        url, settings.ONTONG_KAKAO_MEDIA_HOSTS, settings.ONTONG_KAKAO_HTTP_TIMEOUT
    )


def fetch_attachment(attachment_id: int) -> str:
    return shared.fetch_attachment(attachment_id, download, "kakao")


def sweep_lost_fetches(now: dt.datetime | None = None) -> int:
    """A fetch task again for each photo whose task died with its worker."""
    lost = shared.lost_fetches(fetch_media.module_path, [Channel.KAKAO], now)
    for attachment_id in lost:
        fetch_media.enqueue(attachment_id)
    return len(lost)
