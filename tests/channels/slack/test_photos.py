"""Photos sent in a Slack DM: downloaded into the hub, hashed, kept without metadata."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from bot.core import photos
from dialogs.parsing import MAX_FILE_BYTES
from storage.models import Attachment, Concern, Photo
from tests.channels.slack.conftest import answer_up_to_photos, answer_where, buttons, text_of
from tests.photos import has_no_metadata, jpeg_with_exif, size_of


async def kept(hub) -> list[Photo]:
    async with hub.database.transaction() as session:
        return list(await session.scalars(select(Photo).order_by(Photo.id)))


async def test_a_phone_photo_is_kept_hashed_and_shown_only_without_its_metadata(slack):
    alex = slack.user("UALEX")
    await answer_up_to_photos(alex, "Go home written in red")
    sent = jpeg_with_exif()
    replies = await alex.upload(slack.fake.add_file("IMG_0042.jpg", "image/jpeg", sent))
    assert "Your photo records where it was taken" in text_of(replies[-1])

    [photo] = await kept(slack.hub)
    assert photo.original == sent
    assert photo.sha256 == hashlib.sha256(sent).hexdigest()
    assert has_no_metadata(photo.cleaned) and not has_no_metadata(sent)
    assert size_of(photo.cleaned) == (20, 40)  # turned upright, as the phone meant it
    assert (photo.record_reference, photo.mime_type) == ("", "image/jpeg")

    replies = await alex.press(replies[-1], "Yes")  # the photo's GPS is the location
    replies = await answer_where(alex, replies)  # what kind of place: the GPS does not say
    summary = (await alex.press(replies, "Not reported"))[-1]
    assert "1 photo(s)" in text_of(summary) and "51.5138, -0.0984" in text_of(summary)
    done = await alex.press(summary, "Confirm")
    assert "CN-2026-0001" in text_of(done[-1])

    [photo] = await kept(slack.hub)
    assert photo.record_reference == "CN-2026-0001"
    async with slack.hub.unit() as uow:
        shown = await photos.shown(uow, "CN-2026-0001")
        attachment = await uow.session.scalar(select(Attachment))
        concern = await uow.session.scalar(select(Concern))
    assert [(s.name, s.mime_type, s.data) for s in shown] == [
        ("IMG_0042.jpg", "image/jpeg", photo.cleaned)
    ]
    assert attachment.sha256 == hashlib.sha256(sent).hexdigest()
    assert attachment.file_id == f"photo:{photo.id}"
    assert concern.answers["photos"][0]["sha256"] == photo.sha256
    assert "lat" not in concern.answers["photos"][0]  # kept only as the location it became
    assert (concern.latitude, concern.longitude) == (51.5138, -0.0984)


async def test_not_an_image_too_large_or_five_are_refused_and_the_question_asked_again(slack):
    alex = slack.user("UALEX")
    await answer_up_to_photos(alex, "Stickers on the railings")

    # claimed to be a JPEG, but not one
    fake = slack.fake.add_file("wall.jpg", "image/jpeg", b"\xff\xd8 not really a photo")
    replies = await alex.upload(fake)
    assert "'wall.jpg' is not an image I can read" in text_of(replies[-1])
    assert "upload up to 4" in text_of(replies[-1])

    big = slack.fake.add_file("huge.jpg", "image/jpeg", b"\0" * (MAX_FILE_BYTES + 1))
    replies = await alex.upload(big)
    assert "'huge.jpg' is larger than 10 MB" in text_of(replies[-1])
    assert "upload up to 4" in text_of(replies[-1])

    five = [slack.fake.add_file(f"p{i}.jpg", "image/jpeg", jpeg_with_exif()) for i in range(5)]
    replies = await alex.upload(*five)
    assert "Please send at most 4 photos (you sent 5)" in text_of(replies[-1])
    assert "Skip" in buttons(replies[-1])

    # one bad photo among good ones keeps none of them
    good = slack.fake.add_file("good.jpg", "image/jpeg", jpeg_with_exif())
    pdf = slack.fake.add_file("notes.pdf", "application/pdf", b"%PDF-1.4")
    replies = await alex.upload(good, pdf)
    assert "'notes.pdf' is not an image" in text_of(replies[-1])
    assert await kept(slack.hub) == []

    four = [slack.fake.add_file(f"q{i}.jpg", "image/jpeg", jpeg_with_exif()) for i in range(4)]
    replies = await alex.upload(*four)
    assert "Your photo records where it was taken" in text_of(replies[-1])
    assert len(await kept(slack.hub)) == 4


async def test_a_cancelled_report_keeps_none_of_its_photos(slack):
    alex = slack.user("UALEX")
    await answer_up_to_photos(alex, "Go home written in red")
    await alex.upload(slack.fake.add_file("IMG_1.jpg", "image/jpeg", jpeg_with_exif()))
    assert len(await kept(slack.hub)) == 1

    await alex.say("cancel")

    assert await kept(slack.hub) == []
