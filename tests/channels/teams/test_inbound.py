"""Reading Teams activities: only well-formed card data becomes an input, with every value it
names (the turn loop decides what it may answer); photos become file references (the bytes are
never fetched)."""

from __future__ import annotations

import pytest
from microsoft_agents.activity import Activity, ChannelAccount

from bot.app import REGISTRY
from bot.channels.teams import cards
from bot.channels.teams.inbound import FormCardRequest, event_id, received, submitted, user_key
from bot.channels.teams.photos import SentFile, SentFiles
from dialogs.messages import (
    ActionInput,
    ChoiceInput,
    Command,
    CommandInput,
    FormInput,
    TextInput,
)


def activity(**fields) -> Activity:
    return Activity.model_validate(
        {
            "type": "message",
            "id": "1",
            "conversation": {"id": "a:chat"},
            "recipient": {"id": "28:bot"},
            "from": {"id": "29:u", "aadObjectId": "aad-u"},
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {cards.KIND: cards.CHOICE, "field": "extent", "value": "single"},
            ChoiceInput("extent", "single"),
        ),
        (
            {
                cards.KIND: cards.ANSWER,
                "field": "seen_at",
                "answer": "2026-11-23",
                "answer_time": "08:30",
            },
            ChoiceInput("seen_at", "2026-11-23 08:30"),
        ),
        (
            {cards.KIND: cards.COMMAND, "command": "edit", "argument": "location"},
            CommandInput(Command.EDIT, "location"),
        ),
        ({cards.KIND: cards.FORM_CARD, "form": "concern"}, FormCardRequest("concern")),
        (
            {
                cards.KIND: cards.FORM,
                "form": "concern",
                "description": " Tag ",
                "extent": "",
                "bogus": "x",
                "photos": "y",
            },
            FormInput("concern", {"description": "Tag", "bogus": "x", "photos": "y"}),
        ),
        (
            {
                cards.KIND: cards.ACTION,
                "action": "ack",
                "reference": "CN-2026-0001",
                "note": "ok",
                "n": 3,
            },
            ActionInput("ack", "CN-2026-0001", {"note": "ok"}),
        ),
        ({cards.KIND: cards.COMMAND, "command": "rm -rf"}, None),
        ({cards.KIND: cards.CHOICE, "field": ["x"], "value": "y"}, None),
        ({cards.KIND: cards.CHOICE, "field": "f", "value": "v" * 6000}, None),
        ({cards.KIND: cards.FORM, "form": "no_such_form"}, FormInput("no_such_form", {})),
        ({cards.KIND: cards.FORM_CARD, "form": "organisation"}, None),
        ({cards.KIND: cards.FORM, "form": ["concern"]}, None),
        ({cards.KIND: cards.ACTION, "action": "ack"}, None),
        ({"verb": "something else"}, None),
    ],
)
def test_card_data(data, expected):
    assert submitted(data, REGISTRY.forms) == expected


def test_the_bot_mention_is_taken_out_of_channel_messages():
    mention = {
        "type": "mention",
        "text": "<at>Saferhub</at>",
        "mentioned": {"id": "28:bot", "name": "Saferhub"},
    }
    other = {
        "type": "mention",
        "text": "<at>Sam</at>",
        "mentioned": {"id": "29:sam", "name": "Sam"},
    }
    got = received(
        activity(text="<at>Saferhub</at> report <at>Sam</at>", entities=[mention, other]),
        REGISTRY.forms,
    )
    assert got == TextInput("report <at>Sam</at>")


def test_photos_become_files_to_fetch_and_html_copies_are_ignored():
    got = received(
        activity(
            text="",
            attachments=[
                {"contentType": "text/html", "content": "<p>hi</p>"},
                {
                    "contentType": "application/vnd.microsoft.teams.file.download.info",
                    "name": "wall.jpg",
                    "content": {
                        "downloadUrl": "https://x/dl",
                        "uniqueId": "u-1",
                        "fileType": "jpg",
                    },
                },
                {"contentType": "image/png", "contentUrl": "https://x/inline", "name": "paste.png"},
            ],
        ),
        REGISTRY.forms,
    )
    assert got == SentFiles(
        (
            # an upload's download URL is pre-authenticated; a pasted image wants the bot's token
            SentFile("wall.jpg", "image/jpeg", "https://x/dl", authorised=False),
            SentFile("paste.png", "image/png", "https://x/inline", authorised=True),
        )
    )
    assert received(activity(text="   "), REGISTRY.forms) is None


def test_keys_fit_the_store():
    long_id = "29:" + "x" * 120
    assert user_key(ChannelAccount(id=long_id)).startswith("id-")
    assert len(event_id(activity(conversation={"id": "a:" + "y" * 300}))) == 64
