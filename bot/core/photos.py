"""Photos uploaded in answer to a photo question: checked, hashed, cleaned and kept in the hub.

A channel downloads what the person sent (an `Upload`); here it is opened with Pillow (images
only, up to `MAX_FILE_BYTES` and `MAX_PIXELS`), the SHA-256 of the original is taken for
evidence, and a copy is re-encoded from the pixels alone, turned upright, so that no EXIF (GPS,
camera, owner) or other metadata survives in what anyone else sees. Both are kept encrypted;
the engine gets a `FileRef` naming the kept photo. A photo belongs to the draft it was sent in
until the record is made (`storage.photos.link`); a draft that ends without one loses its photos.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from bot.core.checks import Allowed, Check, Refused
from bot.core.ports import Picture
from bot.core.unit import UnitOfWork
from dialogs.form import Field, FieldKind
from dialogs.messages import FileRef, Upload
from dialogs.parsing import MAX_FILE_BYTES
from storage import photos
from storage.models import Person, Photo

PREFIX = "photo:"
GPS_IFD = 0x8825  # the EXIF block holding where a photo was taken
MAX_PIXELS = 60_000_000  # a 50-megapixel phone photo fits; a decompression bomb does not
# What Pillow reads and writes as it is; anything else it can open is kept as PNG.
KEPT_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
READABLE = "JPEG, PNG, WebP, GIF, TIFF or BMP"
NOT_HERE = "Files are only accepted where a photo is asked for."
# A thumbnail for a card: small enough that a few fit in a Teams message (about 28 KB in all).
THUMBNAIL_SIDE = 320
THUMBNAIL_QUALITY = 70
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


@dataclass(frozen=True)
class Cleaned:
    """A photo checked and cleaned: the SHA-256 of the original, and the copy to show."""

    sha256: str
    original_mime_type: str
    data: bytes
    mime_type: str
    where: tuple[float, float] | None = None
    """Latitude and longitude from the original's GPS, if it had any (never in the copy)."""


@dataclass(frozen=True)
class ShownPhoto:
    """A record's photo as it may be shown: the cleaned copy only."""

    name: str
    mime_type: str
    data: bytes
    sha256: str


def clean(upload: Upload) -> Check[Cleaned]:
    """The upload hashed and re-encoded without metadata; Refused (with a reason to tell the
    person) when it is too large, was not received, or is not an image Pillow can read."""
    name = upload.name[:60]
    if upload.size > MAX_FILE_BYTES or len(upload.data) > MAX_FILE_BYTES:
        return Refused(f"'{name}' is larger than {MAX_FILE_BYTES // 1_000_000} MB.")
    if not upload.data and not upload.mime_type.startswith("image/"):
        return Refused(f"'{name}' is not an image; only photos can be attached.")
    if not upload.data:
        return Refused(f"I couldn't fetch '{name}'. Please send it again.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload.data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return Refused(f"'{name}' has too many pixels; please send a smaller photo.")
                kept_as = image.format if image.format in KEPT_FORMATS else "PNG"
                original = Image.MIME.get(image.format or "", "application/octet-stream")
                where = _gps(image)
                # Pillow before 11 types the result as optional (None only when in place)
                upright = ImageOps.exif_transpose(image) or image
                copy = _without_metadata(upright, kept_as)
    # Pillow parsing hostile bytes raises more than it documents (SyntaxError, struct.error,
    # EOFError, IndexError...): whatever it raises, the file is not an image we can keep.
    except Exception:
        return Refused(
            f"'{name}' is not an image I can read ({READABLE}); only photos can be attached."
        )
    digest = hashlib.sha256(upload.data).hexdigest()
    return Allowed(Cleaned(digest, original, copy, KEPT_FORMATS[kept_as], where))


def _gps(image: Image.Image) -> tuple[float, float] | None:
    """Where the photo says it was taken, from its EXIF GPS block; None without a usable one."""
    gps = image.getexif().get_ifd(GPS_IFD)  # type: ignore[no-untyped-call, unused-ignore]
    try:
        latitude = _degrees(gps[2]) * (-1 if str(gps[1]).upper() == "S" else 1)
        longitude = _degrees(gps[4]) * (-1 if str(gps[3]).upper() == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, IndexError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0, 0):
        return None
    return round(latitude, 6), round(longitude, 6)


def _degrees(value: object) -> float:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals."""
    if not isinstance(value, tuple | list) or len(value) != 3:
        raise ValueError("not degrees, minutes and seconds")
    degrees, minutes, seconds = (float(part) for part in value)
    return degrees + minutes / 60 + seconds / 3600


def _without_metadata(image: Image.Image, kept_as: str, quality: int = 90) -> bytes:
    """The pixels alone, encoded afresh: a new image carries no EXIF, XMP, ICC or text chunks."""
    alpha = "A" in image.getbands() or "transparency" in image.info
    grey = image.mode == "L"
    mode = "L" if grey else "RGB" if kept_as == "JPEG" or not alpha else "RGBA"
    fresh = Image.new(mode, image.size)
    fresh.paste(image.convert(mode) if image.mode != mode else image)
    out = io.BytesIO()
    options = {"quality": quality} if kept_as in ("JPEG", "WEBP") else {}
    fresh.save(out, kept_as, **options)
    return out.getvalue()


async def receive(
    uow: UnitOfWork,
    actor: Person,
    draft_id: int,
    question: Field | None,
    uploads: tuple[Upload, ...],
) -> Check[tuple[FileRef, ...]]:
    """Keep the photos sent in answer to `question` in draft `draft_id`: all of them, or (with
    the reason) none when one is refused, there are too many, or no photo is asked for now."""
    if question is None or question.kind is not FieldKind.ATTACHMENT:
        return Refused(NOT_HERE)
    if len(uploads) > question.max_items:
        return Refused(
            f"Please send at most {question.max_items} photos (you sent {len(uploads)})."
        )
    cleaned: list[tuple[Upload, Cleaned]] = []
    for upload in uploads:
        check = clean(upload)
        if isinstance(check, Refused):
            return check
        cleaned.append((upload, check.value))
    refs = []
    for upload, copy in cleaned:
        row = Photo(
            session_id=draft_id,
            person_id=actor.id,
            name=upload.name[:255],
            mime_type=copy.original_mime_type[:100],
            size=len(upload.data),
            sha256=copy.sha256,
            original=upload.data,
            cleaned=copy.data,
            cleaned_mime_type=copy.mime_type,
            created_at=uow.now,
        )
        uow.session.add(row)
        await uow.session.flush()
        latitude, longitude = copy.where or (None, None)
        refs.append(
            FileRef(
                f"{PREFIX}{row.id}",
                row.name,
                row.size,
                copy.mime_type,
                row.sha256,
                latitude,
                longitude,
            )
        )
    return Allowed(tuple(refs))


def photo_ids(file_ids: list[str]) -> list[int]:
    """The hub photo ids that answers name (`photo:ID`); anything else names none."""
    return [
        int(rest)
        for file_id in file_ids
        if file_id.startswith(PREFIX) and (rest := file_id.removeprefix(PREFIX)).isdigit()
    ]


async def shown(uow: UnitOfWork, reference: str) -> list[ShownPhoto]:
    """The photos of record `reference` as they may be shown or sent: the cleaned copies only
    (the originals never leave the hub), in the order they were sent."""
    return [
        ShownPhoto(p.name, p.cleaned_mime_type, p.cleaned, p.sha256)
        for p in await photos.photos_of(uow.session, reference)
    ]


def thumbnail(data: bytes, longest_side: int = THUMBNAIL_SIDE) -> bytes:
    """A small JPEG of a cleaned copy, at most `longest_side` pixels on its long side, for a card
    that must carry the image itself."""
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((longest_side, longest_side))
        return _without_metadata(image, "JPEG", THUMBNAIL_QUALITY)


async def pictures(uow: UnitOfWork, reference: str, *, thumbnails: bool) -> list[Picture]:
    """The photos of record `reference` for a person's chat: the cleaned copies (or thumbnails of
    them), each named as a photo of the record, never by the file name the reporter gave."""
    found = []
    for number, photo in enumerate(await shown(uow, reference), start=1):
        data, mime_type = (
            (thumbnail(photo.data), "image/jpeg") if thumbnails else (photo.data, photo.mime_type)
        )
        extension = EXTENSIONS.get(mime_type, "png")
        found.append(
            Picture(
                f"Photo {number} of {reference}",
                f"{reference}-photo-{number}.{extension}",
                mime_type,
                data,
            )
        )
    return found
