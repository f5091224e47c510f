"""Whatever bytes arrive as a photo, ontong.images either keeps a clean image or refuses it with
a reason; it never raises anything else (which would be a 500 on a form or a stuck task)."""

import io
import random

import pytest
from PIL import Image

from ontong.images import ImageRefused, clean_image

from .hostile_images import animated_gif, jpeg_with_gps


def seeds() -> list[bytes]:
    found = [animated_gif(), jpeg_with_gps()]
    for image_format in ("JPEG", "PNG", "WEBP", "GIF"):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (10, 200, 30)).save(buffer, image_format)
        found.append(buffer.getvalue())
    return found


def mutated(rng: random.Random, originals: list[bytes]) -> bytes:
    data = bytearray(rng.choice(originals))
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data[: rng.randrange(len(data))] if rng.random() < 0.3 else data)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_corrupted_images_are_refused_never_crash(settings):
    rng, originals = random.Random(1), seeds()
    for _ in range(1500):
        try:
            clean_image(mutated(rng, originals))
        except ImageRefused:
            pass


def test_a_turned_phone_photo_is_stored_upright_without_its_exif():
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° to display
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30)).save(buffer, "JPEG", exif=exif)
    clean = clean_image(buffer.getvalue())
    with Image.open(clean) as image:
        assert image.size == (30, 40) and not image.getexif()
    assert clean.name == "photo.jpg" and clean.content_type == "image/jpeg"
