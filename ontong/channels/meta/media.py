"""Photos sent by citizens are fetched from Meta's CDN only: https, an allowlisted host, a size
limit; then verified and re-encoded like every upload (ontong.images). No other URL is ever
fetched (a webhook body is not trusted to name one)."""

import datetime as dt

from django.conf import settings

from ontong.channels import media as shared
from ontong.channels.media import MediaRefused
from ontong.complaints.models import Channel

from .tasks import fetch_media

__all__ = ["MediaRefused", "allowed", "download", "fetch_attachment", "sweep_lost_fetches"]
META_CHANNELS = (Channel.MESSENGER, Channel.INSTAGRAM, Channel.FB_COMMENT, Channel.IG_COMMENT)


def allowed(url: str) -> bool:
    return shared.host_allowed(url, settings.ONTONG_MEDIA_HOSTS)


def download(url: str) -> bytes:
    return shared.download(url, settings.ONTONG_MEDIA_HOSTS, settings.ONTONG_GRAPH_TIMEOUT)


def fetch_attachment(attachment_id: int) -> str:
    return shared.fetch_attachment(attachment_id, download, "meta")


def sweep_lost_fetches(now: dt.datetime | None = None) -> int:
    """A fetch task again for each photo whose task died with its worker."""
    lost = shared.lost_fetches(fetch_media.module_path, META_CHANNELS, now)
    for attachment_id in lost:
        fetch_media.enqueue(attachment_id)
    return len(lost)
