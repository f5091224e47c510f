"""Images people send us — complaint photos, photos fetched from Meta, the desk's post photos.

Every one is opened by Pillow, refused unless it is a JPEG, PNG, WEBP or GIF within the pixel cap
(`ONTONG_IMAGE_MAX_PIXELS`, counted over all frames of an animation), then re-encoded: what we
store is only the pixels Pillow decoded, under a name we choose with the extension of the verified
format. Re-encoding drops everything else the file carried — EXIF (the GPS position of a phone
photo, the camera), XMP, comments, bytes after the end of the image — so a file that is also an HTML
page keeps only the image. Serving answers with the Content-Type of what Pillow sees in the stored
file (files stored before re-encoding included), `nosniff` and a sandboxing CSP, never text/html.
"""

import io
import warnings

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "GIF": ("image/gif", "gif"),
}
# For a user's file opened on our origin: nothing in it may run, load or reach our cookies.
USER_CONTENT_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
# Only what shapes the picture survives re-encoding; metadata is dropped.
KEPT_INFO = {"transparency", "duration", "loop", "background", "icc_profile", "dpi"}
# Pillow on hostile bytes raises these and, from some decoders and the EXIF parser, also
# IndexError, struct.error and the like: any failure to read the file means "not an image".
BROKEN = Exception


class ImageRefused(Exception):
    """Why a file is not kept, in the active language, as a predicate: "'a.png'은(는) {reason}."."""


class ImageTooBig(ImageRefused):
    pass


class CleanImage(ContentFile):
    """A verified, re-encoded image ready for a FileField."""

    name: str  # always given, unlike a File's

    def __init__(self, data: bytes, stem: str, image_format: str, original_name: str):
        self.content_type, extension = FORMATS[image_format]
        super().__init__(data, name=f"{stem}.{extension}")
        self.original_name = original_name


def max_pixels() -> int:
    return settings.ONTONG_IMAGE_MAX_PIXELS


def too_big() -> ImageRefused:
    cap = max_pixels()
    return ImageTooBig(
        _("너무 큽니다 (가로×세로 %(man)s만 화소까지, 움직이는 사진은 모든 장면을 합쳐서)")
        % {"man": f"{cap / 10_000:,.0f}", "pixels": f"{cap:,}"}
    )


def not_an_image() -> ImageRefused:
    return ImageRefused(_("사진 파일이 아닙니다 (JPEG, PNG, WEBP, GIF만 가능)"))


def open_image(data) -> Image.Image:
    """Open without decoding: Pillow reads the header only, so the size is known before any
    memory is spent on pixels."""
    try:
        with warnings.catch_warnings():
            # Our own cap is lower than Pillow's warning threshold and is checked next.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(data)
    except Image.DecompressionBombError as exc:
        raise too_big() from exc
    except BROKEN as exc:
        raise not_an_image() from exc


def clean_image(data: bytes, stem: str = "photo", original_name: str = "") -> CleanImage:
    """The image in `data`, verified and re-encoded, or ImageRefused."""
    with open_image(io.BytesIO(data)) as image:
        image_format = verified_format(image)
        if image_format is None:
            raise not_an_image()
        try:
            # A JPEG with extra pictures (MPO: phones' depth or HDR maps) keeps its first only.
            frames = 1 if image.format == "MPO" else getattr(image, "n_frames", 1)
        except BROKEN as exc:
            raise not_an_image() from exc
        if image.width * image.height * frames > max_pixels():
            raise too_big()
        try:
            encoded = reencode(image, image_format, frames)
        except BROKEN as exc:
            raise not_an_image() from exc
        return CleanImage(encoded, stem, image_format, original_name)


def verified_format(image: Image.Image) -> str | None:
    image_format = "JPEG" if image.format == "MPO" else image.format
    return image_format if image_format in FORMATS else None


def reencode(image: Image.Image, image_format: str, frames: int) -> bytes:
    buffer = io.BytesIO()
    if frames > 1:  # animated GIF or WEBP: every frame and its timing, nothing else
        image.info = {k: v for k, v in image.info.items() if k in KEPT_INFO}
        image.save(buffer, image_format, save_all=True, comment=b"", exif=b"")
        return buffer.getvalue()
    image.load()
    picture = upright(image)
    picture.info = {k: v for k, v in image.info.items() if k in KEPT_INFO}
    if image_format == "JPEG":
        if picture.mode not in {"RGB", "L", "CMYK"}:
            picture = picture.convert("RGB")
        picture.save(buffer, "JPEG", quality=90, comment=b"", exif=b"")
    else:
        picture.save(
            buffer, image_format, exif=b"", **({"comment": b""} if image_format == "GIF" else {})
        )
    return buffer.getvalue()


def upright(image: Image.Image) -> Image.Image:
    """The photo turned as it was taken; with unreadable EXIF, as its pixels lie."""
    try:
        return ImageOps.exif_transpose(image)
    except BROKEN:
        return image.copy()


def stored_format(handle) -> str | None:
    """The verified format of a stored file, from its header; None if it is no image we serve."""
    try:
        with open_image(handle) as image:
            return verified_format(image)
    except ImageRefused:
        return None
    finally:
        handle.seek(0)


def serve(stored, stem: str) -> FileResponse:
    """A stored user file as the image Pillow sees in it, or else only as a download; the name
    the browser sees is ours (`stem` + the verified extension), never the uploader's."""
    handle = stored.open("rb")
    image_format = stored_format(handle)
    if image_format:
        content_type, extension = FORMATS[image_format]
        response = FileResponse(handle, content_type=content_type, filename=f"{stem}.{extension}")
    else:
        response = FileResponse(
            handle,
            content_type="application/octet-stream",
            as_attachment=True,
            filename=f"{stem}.bin",
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = USER_CONTENT_CSP
    return response
