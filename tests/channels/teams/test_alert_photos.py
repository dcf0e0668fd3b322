"""A manager's Teams alert shows the concern's photos as thumbnails in the card itself (data URIs,
which Teams renders), without metadata, named as photos of the concern; as many as the card has
room for, then how many more the hub keeps.

Alex reports from the console with a phone photo (EXIF, GPS); Priya reads alerts in Teams.
"""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image

from bot.channels.teams import cards
from bot.core.ports import Picture
from dialogs.messages import Notice
from tests.channels.teams import test_card_schema
from tests.channels.teams.conftest import wait_for
from tests.channels.teams.test_card_schema import problems
from tests.channels.teams.test_delivery import dispatcher
from tests.photos import has_no_metadata, kept_in_hub, noise_jpeg
from tests.prevent.test_alerts import report

DATA_URI = "data:image/jpeg;base64,"
validator = test_card_schema.validator  # the schema test's fixture: the Adaptive Card schema


def images(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in card["body"] if e.get("type") == "Image"]


def texts(card: dict[str, Any]) -> str:
    return json.dumps(card["body"])


async def alert_card(teams_user, teams, hub, *photos: bytes | None) -> dict[str, Any]:
    """The card of the alert Priya gets in Teams for Alex's P1 report with `photos`."""
    priya = teams_user("29:priya")
    await priya.say("hi")  # any earlier turn stores her conversation reference
    kept = [await kept_in_hub(hub, data) for data in photos]
    await report(hub, names_target="yes", photos=kept)
    await dispatcher(hub, teams).drain()
    posted = await wait_for(lambda: teams.connector.posted(priya.chat))
    [card] = posted[-1].cards
    return card


async def test_the_alert_card_carries_a_thumbnail_without_metadata(
    teams_user, teams, sample_hub, validator
):
    card = await alert_card(teams_user, teams, sample_hub, None)

    [image] = images(card)
    assert image["url"].startswith(DATA_URI)
    data = base64.b64decode(image["url"].removeprefix(DATA_URI))
    with Image.open(io.BytesIO(data)) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (240, 320))  # upright, shrunk
    assert has_no_metadata(data)
    # named as a photo of the concern, never by the file name the reporter gave
    assert image["altText"] == "Photo 1 of CN-2026-0001"
    assert "kept in the hub" not in texts(card)
    assert problems(validator, card) == []


async def test_photos_past_the_cards_room_are_counted_not_shown(
    teams_user, teams, sample_hub, validator
):
    card = await alert_card(
        teams_user, teams, sample_hub, None, noise_jpeg(seed=1), noise_jpeg(seed=2)
    )

    shown = images(card)
    assert 1 <= len(shown) < 3
    left = 3 - len(shown)
    assert f"And {left} more photo{'s' if left > 1 else ''}" in texts(card)
    assert cards.card_size(card) <= cards.MAX_CARD_BYTES
    assert problems(validator, card) == []


def test_a_photo_too_large_for_the_card_is_only_counted(validator):
    big = Picture(
        "Photo 1 of CN-2026-0001", "CN-2026-0001-photo-1.jpg", "image/jpeg", b"x" * 30_000
    )
    notice = Notice("concern_alert", "P1 concern CN-2026-0001", ("Photos: 1",), "CN-2026-0001")

    card = cards.notice_card(notice, pictures=[big])

    assert images(card) == [] and "1 photo is kept in the hub." in texts(card)
    assert problems(validator, card) == []
