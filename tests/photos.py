"""Real images for the photo tests: a phone-like JPEG carrying EXIF (camera, orientation, GPS)."""

from __future__ import annotations

import io

from PIL import Image

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
