"""Cleaning a photo: the original hashed, a copy upright and without any metadata; anything
that is not a readable image, or too large, refused with a reason to tell the person."""

from __future__ import annotations

import hashlib
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.core.checks import Allowed, Refused
from bot.core.photos import MAX_PIXELS, clean, photo_ids, thumbnail
from dialogs.messages import Upload
from dialogs.parsing import MAX_FILE_BYTES
from tests.hostile import PROFILE
from tests.photos import has_no_metadata, jpeg_with_exif, png, size_of


def upload(data: bytes, name: str = "IMG_1.jpg", mime: str = "image/jpeg") -> Upload:
    return Upload(name, mime, len(data), data)


def test_a_phone_jpeg_is_hashed_and_its_copy_upright_without_exif_or_gps():
    sent = jpeg_with_exif(width=40, height=20)

    cleaned = clean(upload(sent))

    assert isinstance(cleaned, Allowed)
    assert cleaned.value.sha256 == hashlib.sha256(sent).hexdigest()
    assert (cleaned.value.mime_type, cleaned.value.original_mime_type) == ("image/jpeg",) * 2
    assert has_no_metadata(cleaned.value.data) and not has_no_metadata(sent)
    assert size_of(cleaned.value.data) == (20, 40)


def test_png_text_chunks_and_webp_exif_do_not_survive():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Alex Sample, 12 Home Street")
    out = io.BytesIO()
    Image.new("RGBA", (4, 4)).save(out, "PNG", pnginfo=info)
    kept = clean(upload(out.getvalue(), "a.png", "image/png"))
    assert isinstance(kept, Allowed) and kept.value.mime_type == "image/png"
    assert has_no_metadata(kept.value.data)

    exif = Image.Exif()
    exif[0x010F] = "Phonecam"
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "WEBP", exif=exif)
    kept = clean(upload(out.getvalue(), "a.webp", "image/webp"))
    assert isinstance(kept, Allowed) and kept.value.mime_type == "image/webp"
    assert has_no_metadata(kept.value.data)


def test_other_images_are_kept_as_png():
    out = io.BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    kept = clean(upload(out.getvalue(), "a.gif", "image/gif"))
    assert isinstance(kept, Allowed)
    assert (kept.value.mime_type, kept.value.original_mime_type) == ("image/png", "image/gif")


def test_what_is_not_a_readable_image_or_too_big_is_refused_with_a_reason():
    # a channel does not fetch what the platform says is not an image
    assert clean(Upload("notes.pdf", "application/pdf", 8)) == Refused(
        "'notes.pdf' is not an image; only photos can be attached."
    )
    refused = clean(upload(b"%PDF-1.4", "notes.pdf", "application/pdf"))
    assert isinstance(refused, Refused) and "is not an image I can read" in refused.reason
    refused = clean(upload(b"\xff\xd8\xff broken", "wall.jpg"))
    assert (
        isinstance(refused, Refused) and "'wall.jpg' is not an image I can read" in refused.reason
    )
    assert isinstance(clean(upload(png()[:30], "cut.png", "image/png")), Refused)
    assert clean(Upload("big.jpg", "image/jpeg", MAX_FILE_BYTES + 1)) == Refused(
        "'big.jpg' is larger than 10 MB."
    )
    assert clean(Upload("lost.jpg", "image/jpeg", 100)) == Refused(
        "I couldn't fetch 'lost.jpg'. Please send it again."
    )


def test_a_decompression_bomb_is_refused_before_its_pixels_are_read():
    side = int(MAX_PIXELS**0.5) + 100
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")  # a few kilobytes, 60+ million pixels

    refused = clean(upload(out.getvalue(), "bomb.png", "image/png"))

    assert isinstance(refused, Refused)


@PROFILE
@given(st.binary(max_size=2000), st.sampled_from(["image/jpeg", "image/png", "text/plain"]))
def test_any_bytes_are_allowed_or_refused_never_raised(data: bytes, mime: str):
    checked = clean(upload(data, "x.jpg", mime))
    assert isinstance(checked, Allowed | Refused)


@PROFILE
@given(st.binary(max_size=200))
def test_a_truncated_or_corrupted_jpeg_never_raises(noise: bytes):
    sent = jpeg_with_exif()
    checked = clean(upload(sent[: len(sent) // 2] + noise))
    if isinstance(checked, Allowed):
        assert has_no_metadata(checked.value.data)


def test_only_hub_photo_ids_are_read_from_answers():
    assert photo_ids(["photo:3", "photo:x", "F123", "photo:", "photo:12"]) == [3, 12]


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "RGB"])
def test_a_thumbnail_is_a_small_jpeg_without_metadata(mode: str):
    out = io.BytesIO()
    Image.new(mode, (1000, 500)).save(out, "PNG")

    small = thumbnail(out.getvalue())

    with Image.open(io.BytesIO(small)) as image:
        assert (image.format, image.size) == ("JPEG", (320, 160))
    assert has_no_metadata(small)
