"""Photos sent by citizens are fetched from Meta's CDN only: https, an allowlisted host, an image
type, a size limit. No other URL is ever fetched (a webhook body is not trusted to name one)."""

from urllib.parse import urlparse

import httpx
from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

from ontong.complaints.models import Attachment
from ontong.outbound import http

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}


class MediaRefused(Exception):
    pass


def allowed(url: str) -> bool:
    parts = urlparse(url)
    host = (parts.hostname or "").lower()
    scheme_ok = parts.scheme == "https" or (
        parts.scheme == "http"
        and host in {"127.0.0.1", "localhost"}
        and host in settings.ONTONG_MEDIA_HOSTS
    )
    return scheme_ok and any(
        host == h or host.endswith("." + h) for h in settings.ONTONG_MEDIA_HOSTS
    )


def download(url: str) -> bytes:
    if not allowed(url):
        raise MediaRefused(f"허용되지 않은 주소입니다: {urlparse(url).hostname}")
    limit = settings.ONTONG_MEDIA_MAX_BYTES
    with http().stream("GET", url, timeout=settings.ONTONG_GRAPH_TIMEOUT) as response:
        if response.status_code != 200:
            raise MediaRefused(f"사진을 받지 못했습니다 (HTTP {response.status_code})")
        if int(response.headers.get("content-length") or 0) > limit:
            raise MediaRefused("사진이 너무 큽니다")
        data = bytearray()
        for chunk in response.iter_bytes():
            data.extend(chunk)
            if len(data) > limit:
                raise MediaRefused("사진이 너무 큽니다")
    return bytes(data)


def image_type(data: bytes) -> str:
    import io

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise MediaRefused("사진 파일이 아닙니다") from exc
    if kind not in IMAGE_TYPES:
        raise MediaRefused(f"지원하지 않는 사진 형식입니다 ({kind})")
    return IMAGE_TYPES[kind]


def fetch_attachment(attachment_id: int) -> str:
    item = Attachment.objects.select_related("complaint").get(pk=attachment_id)
    if item.file or not item.source_url:
        return "nothing to fetch"
    try:
        data = download(item.source_url)
        content_type = image_type(data)
    except (MediaRefused, httpx.HTTPError) as exc:
        item.fetch_error = str(exc)[:500]
        item.save(update_fields=["fetch_error"])
        return "refused"
    extension = content_type.split("/")[1].replace("jpeg", "jpg")
    item.file.save(f"meta-{item.pk}.{extension}", ContentFile(data), save=False)
    item.content_type, item.size, item.source_url = content_type, len(data), ""
    item.save()
    return "stored"
