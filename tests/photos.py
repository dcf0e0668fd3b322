"""Real images for the photo tests: a phone-like JPEG carrying EXIF (camera, orientation, GPS)."""

from __future__ import annotations

import io
import random

from PIL import Image
from sqlalchemy import select

from bot.core import photos
from bot.core.checks import Allowed
from dialogs.messages import JsonValue, Upload
from storage.models import Person, Photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
# Near St Paul's, London: 51.5138 N, 0.0984 W, as a phone writes it (degrees, minutes, seconds)
# What Pillow reports of an image's encoding (not metadata about the picture or its taker)
FORMAT_FIELDS = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "loop", "background"}
GPS = {1: "N", 2: (51.0, 30.0, 49.68), 3: "W", 4: (0.0, 5.0, 54.24)}


def jpeg_with_exif(width: int = 40, height: int = 20) -> bytes:
    """A JPEG as a phone takes it: camera make, rotated by EXIF orientation, with GPS."""
    exif = Image.Exif()
    exif[MAKE] = "Phonecam"
    exif[ORIENTATION] = 6  # shown turned 90 degrees
    exif[GPS_IFD] = GPS
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 20, 20)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    """A small PNG without metadata."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(out, "PNG")
    return out.getvalue()


def has_no_metadata(data: bytes) -> bool:
    """Whether an image carries no EXIF (so no GPS or camera) and no other metadata chunks."""
    with Image.open(io.BytesIO(data)) as image:
        kept = set(image.info) - FORMAT_FIELDS
        return not image.getexif() and not kept


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


async def kept_in_hub(
    hub, data: bytes | None = None, email: str = "alex@example.org"
) -> dict[str, JsonValue]:
    """A photo (a phone's JPEG with EXIF unless `data`) the reporter uploaded while reporting,
    cleaned and kept in the hub as `photos.receive` keeps it, as the report's answers name it."""
    sent = jpeg_with_exif(800, 600) if data is None else data
    check = photos.clean(Upload("IMG_0042.jpg", "image/jpeg", len(sent), sent))
    assert isinstance(check, Allowed)
    async with hub.unit() as uow:
        who = await uow.session.scalar(select(Person).where(Person.email == email))
        photo = Photo(
            person_id=who.id,
            name="IMG_0042.jpg",
            mime_type=check.value.original_mime_type,
            size=len(sent),
            sha256=check.value.sha256,
            original=sent,
            cleaned=check.value.data,
            cleaned_mime_type=check.value.mime_type,
            created_at=uow.now,
        )
        uow.session.add(photo)
        await uow.session.flush()
        return {
            "file_id": f"photo:{photo.id}",
            "name": photo.name,
            "size": photo.size,
            "mime_type": photo.mime_type,
            "sha256": photo.sha256,
        }


async def cleaned_copies(hub) -> list[bytes]:
    """The cleaned copies the hub keeps, in the order they were uploaded."""
    async with hub.database.transaction() as session:
        return list(await session.scalars(select(Photo.cleaned).order_by(Photo.id)))


def noise_jpeg(side: int = 600, seed: int = 1) -> bytes:
    """A JPEG of random pixels: its thumbnail is as large as a thumbnail gets."""
    pixels = random.Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), pixels).save(out, "JPEG", quality=90)
    return out.getvalue()
