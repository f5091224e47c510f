"""Tiny but real MP4/MOV files for the tests: ftyp, then moov with mvhd (time scale, duration)
and one video trak whose tkhd carries the picture size, then a small mdat. ISO/IEC 14496-12
box layouts, version 0."""

import struct


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, flags: int, payload: bytes) -> bytes:
    return box(kind, bytes([0]) + flags.to_bytes(3, "big") + payload)


MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def mp4(
    width: int = 1080,
    height: int = 1920,
    seconds: float = 15.0,
    brand: bytes = b"isom",
    timescale: int = 1000,
) -> bytes:
    duration = int(seconds * timescale)
    mvhd = full_box(
        b"mvhd",
        0,
        struct.pack(">IIII", 0, 0, timescale, duration)
        + struct.pack(">IH", 0x00010000, 0x0100)
        + bytes(10)
        + MATRIX
        + bytes(24)
        + struct.pack(">I", 2),
    )
    tkhd = full_box(
        b"tkhd",
        3,
        struct.pack(">IIIII", 0, 0, 1, 0, duration)
        + bytes(8)
        + struct.pack(">hhhH", 0, 0, 0, 0)
        + MATRIX
        + struct.pack(">II", width << 16, height << 16),
    )
    mdhd = full_box(b"mdhd", 0, struct.pack(">IIII", 0, 0, timescale, duration) + bytes(4))
    hdlr = full_box(b"hdlr", 0, struct.pack(">I4s", 0, b"vide") + bytes(12) + b"Video\0")
    trak = box(b"trak", tkhd + box(b"mdia", mdhd + hdlr))
    ftyp = box(b"ftyp", brand + struct.pack(">I", 0x200) + brand + b"mp41")
    return ftyp + box(b"moov", mvhd + trak) + box(b"mdat", bytes(64))


def mov(**kwargs) -> bytes:
    return mp4(brand=b"qt  ", **kwargs)
