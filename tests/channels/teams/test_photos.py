"""Photos sent in a Teams chat: fetched from the Bot Connector or the upload's URL, kept in
the hub hashed and without metadata, through the Bot Connector fake on loopback."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from bot.channels.teams.photos import SentFile, SentFiles, allowed, uploads
from bot.channels.teams.settings import ServiceHosts
from dialogs.parsing import MAX_FILE_BYTES
from storage.models import Attachment, Photo
from tests.channels.teams.conftest import actions
from tests.photos import has_no_metadata, jpeg_with_exif, png

FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"


def titles(reply) -> list[str]:
    return [a["title"] for a in actions(reply.cards)]


async def to_photos(alex):
    """A concern by chat up to the photo question."""
    ask = await alex.say("report")
    ask = await alex.press(ask, "No")
    ask = await alex.press(ask, "No")
    ask = await alex.say("Go home written in red")
    ask = await alex.press(ask, "Send", answer="hate_graffiti")
    ask = await alex.press(ask, "Send", answer="race")
    ask = await alex.press(ask, "Send", answer="none")  # threats
    assert "photos" in ask.text and "Skip" in titles(ask)
    return ask


def uploaded(name: str, url: str, file_type: str = "jpg") -> dict:
    """A file uploaded in the chat, as Teams attaches it."""
    content = {"downloadUrl": url, "uniqueId": f"u-{name}", "fileType": file_type}
    return {"contentType": FILE_DOWNLOAD_INFO, "name": name, "content": content}


def pasted(name: str, url: str, mime: str = "image/png") -> dict:
    """An image pasted into the chat, as Teams attaches it (fetched with the bot's token)."""
    return {"contentType": mime, "contentUrl": url, "name": name}


async def send_files(alex, *attachments: dict):
    activity = alex.message("")
    activity["attachments"] = [{"contentType": "text/html", "content": "<p></p>"}, *attachments]
    replies = await alex.send(activity)
    assert len(replies) == 1, [r.text for r in replies]
    return replies[0]


async def kept(hub) -> list[Photo]:
    async with hub.database.transaction() as session:
        return list(await session.scalars(select(Photo).order_by(Photo.id)))


async def test_an_uploaded_and_a_pasted_photo_are_kept_hashed_and_cleaned(
    teams_user, teams, sample_hub
):
    alex = teams_user("29:alex")
    await to_photos(alex)
    phone, screen = jpeg_with_exif(), png()
    urls = teams.connector.add_file("IMG_7.jpg", phone)
    paste = teams.connector.add_file("paste.png", screen)

    ask = await send_files(
        alex, uploaded("IMG_7.jpg", urls["download"]), pasted("image.png", paste["inline"])
    )

    assert "Your photo records where it was taken" in ask.text  # the phone's GPS
    first, second = await kept(sample_hub)
    assert (first.name, first.original, first.sha256) == (
        "IMG_7.jpg",
        phone,
        hashlib.sha256(phone).hexdigest(),
    )
    assert second.sha256 == hashlib.sha256(screen).hexdigest()
    assert has_no_metadata(first.cleaned) and not has_no_metadata(phone)
    fetched = [c for c in teams.connector.calls if c.method == "GET" and "members" not in c.path]
    assert [c.path for c in fetched] == [
        "/download/IMG_7.jpg",
        "/v3/attachments/paste.png/views/original",
    ]

    ask = await alex.press(ask, "No")  # typed instead
    assert "Where is it" in ask.text
    ask = await alex.say("Cheapside")
    ask = await alex.press(ask, "Send", answer="transport")
    assert "reported anywhere" in ask.text
    summary = await alex.press(ask, "Send", answer="none")  # not reported anywhere else
    assert "2 photo(s)" in summary.text
    done = await alex.press(summary, "Confirm")
    assert "Recorded: CN-2026-0001" in done.text
    async with sample_hub.database.transaction() as session:
        attachments = list(await session.scalars(select(Attachment).order_by(Attachment.id)))
    assert [(a.platform, a.sha256) for a in attachments] == [
        ("teams", first.sha256),
        ("teams", second.sha256),
    ]
    assert {p.record_reference for p in await kept(sample_hub)} == {"CN-2026-0001"}


async def test_bad_photos_are_refused_and_the_question_asked_again(teams_user, teams, sample_hub):
    alex = teams_user("29:alex")
    await to_photos(alex)
    connector = teams.connector

    notes = connector.add_file("notes.txt", b"not a photo at all")
    ask = await send_files(alex, uploaded("notes.jpg", notes["download"]))
    assert "'notes.jpg' is not an image I can read" in ask.text
    assert "photos" in ask.text and "Skip" in titles(ask)

    huge = connector.add_file("huge.jpg", b"\0" * (MAX_FILE_BYTES + 1))
    ask = await send_files(alex, uploaded("huge.jpg", huge["download"]))
    assert "'huge.jpg' is larger than 10 MB" in ask.text and "Skip" in titles(ask)

    ask = await send_files(alex, uploaded("report.pdf", notes["download"], file_type="pdf"))
    assert "'report.pdf' is not an image" in ask.text

    five = [connector.add_file(f"p{i}.jpg", jpeg_with_exif()) for i in range(5)]
    before = len(connector.calls)
    ask = await send_files(
        alex, *(uploaded(f"p{i}.jpg", u["download"]) for i, u in enumerate(five))
    )
    assert "Please send at most 4 photos (you sent 5)" in ask.text and "Skip" in titles(ask)
    assert not [c for c in connector.calls[before:] if c.method == "GET"]  # none fetched

    # a URL on a host that is neither SharePoint nor a Bot Connector host is never fetched
    before = len(connector.calls)
    ask = await send_files(alex, uploaded("far.jpg", "https://evil.example/x.jpg"))
    assert "couldn't fetch 'far.jpg'" in ask.text
    assert not [c for c in connector.calls[before:] if c.method == "GET"]
    assert await kept(sample_hub) == []


async def test_the_bots_token_goes_only_with_a_pasted_image_to_a_service_host(connector):
    hosts = ServiceHosts.parse(connector.host)
    urls = connector.add_file("a.png", png())
    sent = SentFiles(
        (
            SentFile("upload.png", "image/png", urls["download"], authorised=False),
            SentFile("paste.png", "image/png", urls["inline"], authorised=True),
            # a pasted image elsewhere than on a service host is not fetched at all
            SentFile("far.png", "image/png", "https://files.example/a.png", authorised=True),
        )
    )

    got = await uploads(sent, hosts, "Bearer bot-token")

    assert [len(u.data) > 0 for u in got.uploads] == [True, True, False]
    fetched = [c.body["authorization"] for c in connector.calls if c.method == "GET"]
    assert fetched == ["", "Bearer bot-token"]
    assert allowed(SentFile("x", "image/jpeg", "https://contoso.sharepoint.com/d", False), hosts)
    assert not allowed(SentFile("x", "image/jpeg", "http://contoso.sharepoint.com/d", False), hosts)
    assert not allowed(SentFile("x", "image/jpeg", "https://contoso.sharepoint.com/d", True), hosts)
