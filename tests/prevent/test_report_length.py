"""How many messages a reporter sends for five typical reports, the first sentence and `confirm`
included. The README states the figure: at most eight."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dialogs.messages import Ask, Completed, FilesInput, Say, Summary, Upload
from storage.models import Concern
from tests.conftest import Person
from tests.photos import jpeg_with_exif

MOST_MESSAGES = 8

TYPICAL_REPORTS = {
    "a good first sentence": (
        "There's racist graffiti on the bus stop on Cheapside",
        "no",  # anyone in danger now?
        "no",  # about a person?
        "none",  # threats
        "skip",  # photos
        "none",  # already reported
        "confirm",
    ),
    "a sticker with its address": (
        "Swastika sticker on a lamp post outside 20 Cheapside, EC2V 6BR",
        "no",
        "no",
        "religion, race",  # whom it targets
        "terror",  # threats
        "skip",
        "none",
        "confirm",
    ),
    "a bare report": (
        "report",
        "no",
        "no",
        "Antisemitic stickers on the lamp posts along Fleet Street, about ten of them",
        "not sure",  # threats
        "skip",
        "none",
        "confirm",
    ),
    "ordinary fly-posting": (
        "Fly-posting all over the hoardings on London Wall",
        "no",
        "no",
        "skip",
        "none",
        "confirm",
    ),
    "a threat, with a 999 call": (
        "Someone has written death threats on the mosque door on Whitecross Street",
        "yes",  # danger now: call 999
        "CAD 1234",
        "no",
        "religion",
        "violence, names",
        "skip",
        "confirm",
    ),
}


@pytest.mark.parametrize("report", TYPICAL_REPORTS, ids=list(TYPICAL_REPORTS))
async def test_a_typical_report_takes_at_most_eight_messages(
    person, sample_hub, report: str
) -> None:
    alex: Person = person("alex@example.org")
    messages = TYPICAL_REPORTS[report]
    for line in messages[:-1]:
        await alex.send(line)
    assert isinstance(alex.last, Summary), (report, alex.last)
    done = await alex.send(messages[-1])

    assert isinstance(done[-1], Completed), (report, done)
    assert len(messages) <= MOST_MESSAGES
    async with sample_hub.database.transaction() as session:
        assert (await session.scalar(select(Concern.reference))) == done[-1].reference


async def test_what_the_first_sentence_says_is_answered_and_shown_to_change(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say(*TYPICAL_REPORTS["a good first sentence"][:-1])

    rows = {row.field: row.value for row in alex.last.rows}
    assert rows["description"] == "There's racist graffiti on the bus stop on Cheapside"
    assert rows["category"] == "Hate graffiti"
    assert rows["location"] == "Cheapside"
    assert rows["location_type"] == "Bus stop or transport"
    assert rows["targets"] == "Race, ethnicity or nationality"
    assert rows["still_there"] == "Yes" and rows["extent"] == "A single item"
    assert rows["seen_at"] == "23 Nov 2026 09:00"  # the clock's Monday morning, in London

    changed = await alex.say("edit extent", "several")
    assert {row.field: row.value for row in changed[-1].rows}["extent"] == "Several"


async def test_the_street_and_postcode_of_a_sentence_stay_together(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say(*TYPICAL_REPORTS["a sticker with its address"])
    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
    assert concern.location_text == "20 Cheapside, EC2V 6BR"
    assert concern.location_type == "street_furniture"


async def test_the_threat_question_is_one_multi_select_that_triage_reads(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say(*TYPICAL_REPORTS["a threat, with a 999 call"])
    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
    assert concern.answers["threat_violence"] == "yes"
    assert concern.answers["names_target"] == "yes"
    assert concern.answers["terror_reference"] == "no"
    assert concern.answers["already_reported"] == "999"
    assert concern.answers["report_reference"] == "CAD 1234"
    assert concern.priority == "P0"


async def test_not_sure_about_threats_counts_as_each_threat(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say(*TYPICAL_REPORTS["a bare report"])
    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
    assert concern.priority == "P1"
    assert "threatens violence (unsure)" in concern.reasons[0]
    assert concern.answers["extent"] == "several"


async def test_reported_to_street_cleansing_means_removal_was_asked_for(person, sample_hub):
    alex = person("alex@example.org")
    first, *_ = TYPICAL_REPORTS["ordinary fly-posting"]
    await alex.say(first, "no", "no", "skip", "cleansing", "FMS-778", "confirm")
    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
    assert concern.answers["removal_requested"] == "yes"
    assert concern.answers["report_reference"] == "FMS-778"


async def test_a_bare_report_asks_for_a_description_first(person, sample_hub):
    alex = person("alex@example.org")
    asked = await alex.say("report", "no", "no")
    assert isinstance(asked[-1], Ask) and asked[-1].field == "description"


async def test_about_a_person_names_the_reporters_own_prevent_lead(person, sample_hub):
    kim_colleague = person("jordan@example.org")  # City Police, whose Prevent lead is Kim
    said = await kim_colleague.say("report", "no", "yes")
    advice = " ".join(s.text for s in said if isinstance(s, Say))
    assert "Kim Fictional" in advice and "kim@example.org" in advice
    assert "your organisation's Prevent lead" not in advice


async def test_without_an_own_prevent_lead_the_partnership_prevent_manager_is_named(
    person, sample_hub
):
    jo = person("jo@example.org")  # the business improvement district names no Prevent lead
    said = await jo.say("report", "no", "yes")
    advice = " ".join(s.text for s in said if isinstance(s, Say))
    assert "Priya Sample" in advice and "priya@example.org" in advice


def phone_photo() -> FilesInput:
    """A phone photo carrying GPS (near St Paul's), as a channel sends it."""
    data = jpeg_with_exif()
    return FilesInput(uploads=(Upload("IMG_0042.jpg", "image/jpeg", len(data), data),))


async def test_a_photos_gps_is_the_location_when_the_reporter_agrees(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say("report", "no", "no", "Racist graffiti, in red", "none")
    asked = await alex.send(phone_photo())
    assert asked[-1].field == "use_photo_gps"
    await alex.say("yes", "wall", "none", "confirm")  # the kind of place, not reported elsewhere

    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
    assert (concern.latitude, concern.longitude) == (51.5138, -0.0984)
    assert concern.location_text == "51.5138, -0.0984"
    assert "lat" not in concern.answers["photos"][0]  # kept only as the location it became


async def test_a_photos_gps_declined_is_kept_nowhere(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say("report", "no", "no", "Racist graffiti, in red", "none")
    await alex.send(phone_photo())
    asked = await alex.send("no")
    assert asked[-1].field == "location"
    await alex.say("Cheapside", "wall", "none", "confirm")

    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
    assert concern.location_text == "Cheapside"
    assert "51.5138" not in str(concern.answers) and "lat" not in concern.answers["photos"][0]


async def test_a_photos_gps_is_not_offered_when_the_words_said_where(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say(*TYPICAL_REPORTS["a good first sentence"][:4])
    asked = await alex.send(phone_photo())
    assert asked[-1].field == "already_reported"
