"""Videos for Facebook and Instagram: what a file is (container, duration, width, height, read
from its MP4/MOV boxes with hachoir, pure Python) and each platform's documented limits.

Limits (see docs/publishing.md for the sources):
- Instagram Reels (content publishing): MOV or MP4, 300 MB at most, 3 seconds to 15 minutes,
  1920 pixels wide at most, aspect ratio between 0.01:1 and 10:1 (9:16 recommended).
- Facebook Reels (Reels Publishing API): MP4, 9:16, at least 540 x 960, 3 to 90 seconds.
- Facebook video posts (`/{page}/videos` with `file_url`, a non-resumable upload): 1 GB and
  20 minutes at most.
- Threads video: MOV or MP4, 1 GB, 5 minutes, 1920 pixels wide at most.
"""

import io
from dataclasses import dataclass
from typing import IO

from hachoir.core import config as hachoir_config
from hachoir.metadata import extractMetadata
from hachoir.parser import guessParser
from hachoir.stream import InputIOStream

hachoir_config.quiet = True  # its parser warnings are ours to turn into one sentence

MB = 1024 * 1024
MAX_UPLOAD_BYTES = 1024 * MB  # the largest any of our targets takes
CONTAINERS = {"video/mp4": "mp4", "video/quicktime": "mov"}
REEL, FEED = "reel", "feed"

INSTAGRAM_REEL = {"bytes": 300 * MB, "min_seconds": 3, "max_seconds": 15 * 60, "max_width": 1920}
FACEBOOK_REEL = {"min_seconds": 3, "max_seconds": 90, "min_width": 540, "min_height": 960}
FACEBOOK_VIDEO = {"bytes": 1024 * MB, "max_seconds": 20 * 60}
THREADS_VIDEO = {"bytes": 1024 * MB, "max_seconds": 5 * 60, "max_width": 1920}
NINE_SIXTEEN = 9 / 16
ASPECT_TOLERANCE = 0.02  # 1080 x 1918 is still 9:16


class VideoRefused(ValueError):
    pass


@dataclass(frozen=True)
class VideoInfo:
    container: str  # "mp4" or "mov"
    duration: float  # seconds
    width: int
    height: int
    size: int  # bytes

    @property
    def aspect(self) -> float:
        return self.width / self.height

    @property
    def vertical_9_16(self) -> bool:
        return abs(self.aspect - NINE_SIXTEEN) <= ASPECT_TOLERANCE * NINE_SIXTEEN


def probe(handle: IO[bytes], size: int) -> VideoInfo:
    """Read the file's boxes; VideoRefused (in Korean) when it is not an MP4/MOV video with a
    duration and a picture size."""
    if size > MAX_UPLOAD_BYTES:
        raise VideoRefused(
            f"동영상은 {MAX_UPLOAD_BYTES // MB:,}MB까지입니다 (지금 {size / MB:,.0f}MB)"
        )
    handle.seek(0)
    head = handle.read(12)
    handle.seek(0)
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise VideoRefused("MP4나 MOV 동영상이 아닙니다")
    stream = InputIOStream(handle if isinstance(handle, io.IOBase) else io.BytesIO(handle.read()))
    try:
        parser = guessParser(stream)
        metadata = extractMetadata(parser) if parser else None
    except Exception as exc:  # hachoir raises many kinds on a broken file
        raise VideoRefused("동영상 파일을 읽지 못했습니다 (손상된 파일)") from exc
    if parser is None or metadata is None or parser.mime_type not in CONTAINERS:
        raise VideoRefused("MP4나 MOV 동영상이 아닙니다")
    # hachoir reads both with one parser: the file's major brand tells QuickTime (MOV) apart
    container = "mov" if head[8:12] == b"qt  " else "mp4"
    if not all(metadata.has(key) for key in ("duration", "width", "height")):
        raise VideoRefused("동영상의 길이나 화면 크기를 읽지 못했습니다")
    width, height = int(metadata.get("width")), int(metadata.get("height"))
    seconds = metadata.get("duration").total_seconds()
    if not width or not height or seconds <= 0:
        raise VideoRefused("동영상의 길이나 화면 크기를 읽지 못했습니다")
    return VideoInfo(container, seconds, width, height, size)


def minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}분 {whole % 60}초" if whole >= 60 else f"{seconds:.1f}초"


def problems(info: VideoInfo, kinds: set[str], video_format: str) -> list[str]:
    """Each target's documented limits, in the team's words; empty when every target takes it."""
    found = []
    if "instagram" in kinds:
        limit = INSTAGRAM_REEL
        if info.size > limit["bytes"]:
            found.append(
                f"인스타그램 릴스: 동영상이 {info.size / MB:,.0f}MB입니다 (최대 {limit['bytes'] // MB}MB)."
            )
        if not limit["min_seconds"] <= info.duration <= limit["max_seconds"]:
            found.append(f"인스타그램 릴스: 길이가 {minutes(info.duration)}입니다 (3초 ~ 15분).")
        if info.width > limit["max_width"]:
            found.append(
                f"인스타그램 릴스: 가로가 {info.width}픽셀입니다 (최대 {limit['max_width']}픽셀)."
            )
        if not 0.01 <= info.aspect <= 10:
            found.append("인스타그램 릴스: 화면 비율은 0.01:1 ~ 10:1이어야 합니다.")
    if "facebook" in kinds and video_format == REEL:
        limit = FACEBOOK_REEL
        if info.container != "mp4":
            found.append("페이스북 릴스: MP4 파일이어야 합니다.")
        if not limit["min_seconds"] <= info.duration <= limit["max_seconds"]:
            found.append(f"페이스북 릴스: 길이가 {minutes(info.duration)}입니다 (3초 ~ 90초).")
        if not info.vertical_9_16:
            found.append(
                f"페이스북 릴스: 세로 9:16 화면이어야 합니다 (지금 {info.width}×{info.height})."
            )
        if info.width < limit["min_width"] or info.height < limit["min_height"]:
            found.append(
                f"페이스북 릴스: 최소 540×960픽셀이어야 합니다 (지금 {info.width}×{info.height})."
            )
    if "threads" in kinds:
        limit = THREADS_VIDEO
        if info.size > limit["bytes"]:
            found.append(f"스레드: 동영상이 {info.size / MB:,.0f}MB입니다 (최대 1,024MB).")
        if info.duration > limit["max_seconds"]:
            found.append(f"스레드: 길이가 {minutes(info.duration)}입니다 (최대 5분).")
        if info.width > limit["max_width"]:
            found.append(f"스레드: 가로가 {info.width}픽셀입니다 (최대 1920픽셀).")
    if "facebook" in kinds and video_format == FEED:
        limit = FACEBOOK_VIDEO
        if info.size > limit["bytes"]:
            found.append(
                f"페이스북 동영상: {info.size / MB:,.0f}MB입니다 (최대 {limit['bytes'] // MB:,}MB)."
            )
        if info.duration > limit["max_seconds"]:
            found.append(f"페이스북 동영상: 길이가 {minutes(info.duration)}입니다 (최대 20분).")
    return found
