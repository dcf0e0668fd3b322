"""Photos in the terminal chat: the reporter types the file's path at the photo question."""

from __future__ import annotations

import hashlib

from hypothesis import given
from sqlalchemy import select

from bot.channels.console.chat import PHOTO_HINT, ConsoleChat, typed
from dialogs.messages import FilesInput, TextInput
from dialogs.parsing import MAX_FILE_BYTES
from storage.models import Concern, Person, Photo
from storage.subject_access import held_about_person
from tests.hostile import PROFILE, hostile_text
from tests.photos import has_no_metadata, jpeg_with_exif


async def to_photos(chat: ConsoleChat, lines: list[str]) -> None:
    for line in (
        "there's racist graffiti on the bus stop on Cheapside",
        "no",  # anyone in danger now?
        "no",  # about a person?
        "none",  # threats
    ):
        await chat.send(typed(line))
    assert "upload up to 4" in lines[-2] and lines[-1] == PHOTO_HINT


async def kept(hub) -> list[Photo]:
    async with hub.database.transaction() as session:
        return list(await session.scalars(select(Photo).order_by(Photo.id)))


async def test_a_photo_given_by_its_path_is_kept_and_recorded(sample_hub, tmp_path):
    lines: list[str] = []
    chat = ConsoleChat(sample_hub, "alex@example.org", lines.append)
    await to_photos(chat, lines)
    sent = jpeg_with_exif()
    (tmp_path / "IMG_0042.jpg").write_bytes(sent)

    await chat.send(typed(f"  {tmp_path / 'IMG_0042.jpg'}  "))

    assert "reported anywhere" in lines[-1]
    [photo] = await kept(sample_hub)
    assert photo.sha256 == hashlib.sha256(sent).hexdigest() and photo.original == sent
    assert has_no_metadata(photo.cleaned)
    for line in ("none", "confirm"):  # not reported anywhere else
        await chat.send(typed(line))
    assert any("CN-2026-0001" in line for line in lines[-3:])
    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
    assert concern.answers["photos"][0]["file_id"] == f"photo:{photo.id}"
    assert (await kept(sample_hub))[0].record_reference == "CN-2026-0001"
    async with sample_hub.database.transaction() as session:
        alex = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
        held = [h for h in await held_about_person(session, alex) if h.table == "photo"]
    assert [(h.reference, h.fields["sha256"], h.fields["original"]) for h in held] == [
        ("CN-2026-0001", photo.sha256, f"[image data, {len(sent):,} bytes]")
    ]


async def test_bad_files_are_refused_and_the_question_asked_again(sample_hub, tmp_path):
    lines: list[str] = []
    chat = ConsoleChat(sample_hub, "alex@example.org", lines.append)
    await to_photos(chat, lines)
    (tmp_path / "notes.txt").write_text("not a photo")
    (tmp_path / "huge.jpg").write_bytes(b"\0" * (MAX_FILE_BYTES + 1))
    photos = []
    for i in range(5):
        (tmp_path / f"p{i}.jpg").write_bytes(jpeg_with_exif())
        photos.append(str(tmp_path / f"p{i}.jpg"))

    await chat.send(typed(str(tmp_path / "notes.txt")))
    assert "'notes.txt' is not an image I can read" in lines[-3]
    assert "upload up to 4" in lines[-2] and lines[-1] == PHOTO_HINT

    await chat.send(typed(str(tmp_path / "huge.jpg")))
    assert "'huge.jpg' is larger than 10 MB." in lines[-3] and lines[-1] == PHOTO_HINT

    await chat.send(typed(", ".join(photos)))
    assert "Please send at most 4 photos (you sent 5)." in lines[-3]
    assert "upload up to 4" in lines[-2] and lines[-1] == PHOTO_HINT
    assert await kept(sample_hub) == []

    await chat.send(typed(", ".join(photos[:4])))
    assert "reported anywhere" in lines[-1]
    assert len(await kept(sample_hub)) == 4


def test_a_line_is_files_only_when_every_part_names_a_file(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"x")
    assert isinstance(typed(str(tmp_path / "a.jpg")), FilesInput)
    assert isinstance(typed(f"'{tmp_path / 'a.jpg'}'"), FilesInput)  # as a terminal quotes it
    assert typed(f"{tmp_path / 'a.jpg'}, {tmp_path / 'gone.jpg'}") == TextInput(
        f"{tmp_path / 'a.jpg'}, {tmp_path / 'gone.jpg'}"
    )
    assert typed("Cheapside, EC2V 6BR") == TextInput("Cheapside, EC2V 6BR")


@PROFILE
@given(line=hostile_text())
def test_a_hostile_line_is_sent_as_typed_unless_it_names_files(line: str):
    sent = typed(line)
    assert sent == TextInput(line) or isinstance(sent, FilesInput)
