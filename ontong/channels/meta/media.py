"""Photos sent by citizens are fetched from Meta's CDN only: https, an allowlisted host, a size
limit; then verified and re-encoded like every upload (ontong.images). No other URL is ever
fetched (a webhook body is not trusted to name one)."""

from django.conf import settings

from ontong.channels import media as shared
from ontong.channels.media import MediaRefused

__all__ = ["MediaRefused", "allowed", "download", "fetch_attachment"]


def allowed(url: str) -> bool:
    return shared.host_allowed(url, settings.ONTONG_MEDIA_HOSTS)


def download(url: str) -> bytes:
    return shared.download(url, settings.ONTONG_MEDIA_HOSTS, settings.ONTONG_GRAPH_TIMEOUT)


def fetch_attachment(attachment_id: int) -> str:
    return shared.fetch_attachment(attachment_id, download, "meta")
