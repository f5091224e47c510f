"""Files an attacker or a careless user would upload, built in memory for the tests."""

import io
import struct
import zlib

from PIL import Image

SCRIPT = b"<html><body><script>alert(document.domain)</script></body></html>"


def polyglot_gif() -> bytes:
    """A real GIF whose comment and trailing bytes carry a page with a script: served as
    text/html (a name ending .html) a browser runs it on our origin."""
    buffer = io.BytesIO()
    Image.new("P", (2, 2), 1).save(buffer, "GIF", comment=SCRIPT)
    return buffer.getvalue() + SCRIPT


def png_declaring(width: int, height: int) -> bytes:
    """A few hundred bytes whose header declares width × height pixels (a decompression bomb)."""
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, "PNG")
    data = bytearray(buffer.getvalue())
    ihdr = 8 + 4  # signature, then the first chunk's length; its type and data follow
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 4 + 13]))
    data[ihdr + 4 + 13 : ihdr + 4 + 13 + 4] = struct.pack(">I", crc)
    return bytes(data)


def jpeg_with_gps(size=(40, 30)) -> bytes:
    """A phone photo: EXIF with the place it was taken (서산시청) and a camera name."""
    exif = Image.Exif()
    exif[0x0110] = "Galaxy S24"  # Model
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (36.0, 47.0, 4.0), 3: "E", 4: (126.0, 27.0, 0.0)})
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def has_gps(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return bool(image.getexif().get_ifd(0x8825))


def animated_gif(frames: int = 3, size=(8, 8)) -> bytes:
    images = [Image.new("RGB", size, (i * 80 % 256, 0, 0)) for i in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return buffer.getvalue()
