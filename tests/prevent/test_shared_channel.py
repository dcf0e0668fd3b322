"""The shared alerts channel names an area only from the known list, never the reporter's words.

A reporter's location can name a person ("outside Mohammed Khan's house"); the channel post must
carry the postcode district, a gazetteer street, a configured area name or the default area.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.config import Settings
from bot.conversation.hub import SAMPLE, Hub
from bot.core.unit import UnitOfWork
from bot.prevent.alerts import channel_post
from bot.prevent.concerns import record_concern
from bot.prevent.gazetteer import Gazetteer
from bot.prevent.places import PLACE, PlaceIndex, read_gazetteer, resolve
from bot.prevent.triage import Priority
from dialogs.parsing import parse_location
from storage.models import Concern, OutboxMessage, Person
from tests.conftest import concern_answers

CHANNEL = "slack:CALERTS"
DEFAULT = "City of London"

# location text -> (the person it names, the area the channel may show)
PHRASINGS = {
    "outside Mohammed Khan's house": ("Mohammed Khan", DEFAULT),
    "by Mohammed Khan S House": ("Mohammed Khan", DEFAULT),
    "near the flat of Sarah Jones on Golden Lane": ("Sarah Jones", "Golden Lane"),
    "at 12 Fann Street where Ali lives": ("Ali", "Fann Street"),
    "Mohammed Khan, Cheapside": ("Mohammed Khan", "Cheapside"),
    "on the door of Priya Patel": ("Priya Patel", DEFAULT),
    "Golden Lane estate, Tom's block": ("Tom", "Golden Lane"),
    "Sarah Jones": ("Sarah Jones", DEFAULT),
    "EC2Y 8DS outside Kamal's shop": ("Kamal", "EC2Y"),
    "Bus stop outside 100 Cheapside, by Sarah Jones's door": ("Sarah Jones", "Cheapside"),
    "Cheapsde, opposite Ali Hassan's flat": ("Ali Hassan", "Cheapside"),
    "outside Priya Patel's flat by Bank station": ("Priya Patel", "EC3V"),
}
NAMES = {name for name, _ in PHRASINGS.values()}


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)}


def location(text: str) -> dict[str, object]:
    parsed = parse_location(text)
    assert parsed.ok, text
    assert isinstance(parsed.value, dict)
    return parsed.value


async def post_for(hub: Hub, text: str) -> dict[str, object]:
    """Record a P1 concern at `text` with the alerts channel set; its channel post's payload."""
    settings = replace(hub.settings, alerts_channel=CHANNEL)
    async with hub.database.transaction() as session:
        reporter = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
        uow = UnitOfWork(session, hub.clock.now(), settings, hub.calendar)
        answers = concern_answers(names_target="yes", location=location(text))
        recorded = await record_concern(uow, reporter, answers, platform="slack")
        reference = recorded.concern.reference
    async with hub.database.transaction() as session:
        (row,) = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.channel == CHANNEL, OutboxMessage.record_reference == reference
            )
        )
        return dict(row.payload)


def area_line(payload: dict[str, object]) -> str:
    lines = payload["lines"]
    assert isinstance(lines, list)
    (line,) = [str(x) for x in lines if str(x).startswith("Area: ")]
    return line.removeprefix("Area: ")


@pytest.mark.parametrize(("text", "name", "area"), [(t, n, a) for t, (n, a) in PHRASINGS.items()])
async def test_the_channel_post_names_only_a_known_area_and_nobody(sample_hub, text, name, area):
    payload = await post_for(sample_hub, text)
    assert area_line(payload) == area
    assert not words(name) & words(area_line(payload))
    whole = str(payload).lower()
    assert not any(re.search(rf"\b{w}\b", whole) for n in NAMES for w in words(n))


async def test_configured_area_names_are_used_and_the_default_is_a_setting(sample_hub):
    settings = Settings.from_env(
        {"SAFERHUB_AREA_NAMES": "Golden Lane Estate, Mansell Estate", "SAFERHUB_DEFAULT_AREA": "EC"}
    )
    assert settings.area_names == ("Golden Lane Estate", "Mansell Estate")
    assert Settings.from_env({}).default_area == DEFAULT
    places = Gazetteer.with_areas(settings.area_names, settings.default_area)
    assert places.area_of("Golden Lane estate, Tom's block", "") == "Golden Lane Estate"
    assert places.area_of("on the door of Priya Patel", "") == "EC"


SAMPLE_PLACES = read_gazetteer(SAMPLE / "gazetteer.csv")
INDEX = PlaceIndex(SAMPLE_PLACES)


def concern_at(text: str) -> Concern:
    """An unsaved concern at `text`, placed as `record_concern` places it (sample gazetteer)."""
    resolved = resolve(location(text), INDEX)
    place = resolved.comparable
    return Concern(
        reference="CN-2026-0001",
        category="hate_graffiti",
        location_text=text,
        street_key=place.street_key,
        postcode_sector=place.postcode_sector,
        answers={PLACE: resolved.json()},
    )


NAME_WORD = st.from_regex(r"[A-Z][a-z]{2,11}", fullmatch=True)
TEMPLATES = (
    "outside {name}'s house",
    "by {name} S House",
    "near the flat of {name} on Golden Lane",
    "at 12 Fann Street where {name} lives",
    "{name}, Cheapside",
    "on the door of {name}",
    "{name}",
    "EC2Y 8DS outside {name}'s shop",
    "{name}'s shop, Moorgate",
    "the corner by {name} and family",
)
NEUTRAL = channel_post(concern_at("Cheapside"), Priority.P1, Gazetteer(DEFAULT))
KNOWN_WORDS = words(
    " ".join((*(p.name for p in SAMPLE_PLACES), DEFAULT, NEUTRAL.title, *NEUTRAL.lines))
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    names=st.lists(NAME_WORD, min_size=1, max_size=3),
    template=st.sampled_from(TEMPLATES),
)
def test_no_generated_name_reaches_the_channel(names, template):
    name = " ".join(names)
    assume(not words(name) & KNOWN_WORDS)
    text = template.format(name=name)
    assume(parse_location(text).ok)
    post = channel_post(concern_at(text), Priority.P1, Gazetteer(DEFAULT))
    shown = " ".join((post.title, *post.lines)).lower()
    assert not any(re.search(rf"\b{w}\b", shown) for w in words(name)), text
