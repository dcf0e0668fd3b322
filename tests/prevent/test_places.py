"""The gazetteer: importing OS Open Names and a council's list, and resolving where a concern is.

The three phrasings that once missed each other ("Bus stop outside 100 Cheapside", "20 Cheapside,
EC2V 6BR", "cheapside bus stop") and a misspelling resolve to one street, so the repeat, cluster
and tension rules compare distances and hotspots count the street once.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.cli import main
from bot.conversation.hub import SAMPLE, Hub
from bot.core.csv_import import RefusedImport
from bot.prevent.concerns import record_concern
from bot.prevent.places import (
    PLACE,
    Match,
    NamedPlace,
    PlaceIndex,
    PlaceKind,
    import_gazetteer,
    read_gazetteer,
    resolve,
)
from bot.prevent.triage import haversine_m
from dialogs.parsing import parse_location
from storage.models import Concern, GazetteerEntry, Person
from tests.conftest import concern_answers

SAMPLE_PLACES = read_gazetteer(SAMPLE / "gazetteer.csv")
INDEX = PlaceIndex(SAMPLE_PLACES)
CHEAPSIDE = (51.5141, -0.0940)
PHRASINGS = ("Bus stop outside 100 Cheapside", "20 Cheapside, EC2V 6BR", "cheapside bus stop")


def open_names_row(name: str, kind: str, local_type: str, x: float, y: float, district: str) -> str:
    """One OS Open Names line: 34 columns, no header, British National Grid coordinates."""
    cells = [""] * 34
    cells[0], cells[1], cells[2], cells[3] = f"osgb{abs(hash(name))}", "http://x", name, "eng"
    cells[6], cells[7], cells[8], cells[9] = kind, local_type, str(x), str(y)
    cells[16] = district
    return ",".join(f'"{c}"' if "," in c else c for c in cells)


def at(text: str) -> dict[str, object]:
    parsed = parse_location(text)
    assert parsed.ok and isinstance(parsed.value, dict), text
    return parsed.value


async def report(hub: Hub, text: str, **changes: object) -> Concern:
    async with hub.unit() as uow:
        reporter = await uow.session.scalar(
            select(Person).where(Person.email == "alex@example.org")
        )
        answers = concern_answers(location=at(text), **changes)
        return (await record_concern(uow, reporter, answers, platform="console")).concern


async def entries(hub: Hub) -> list[GazetteerEntry]:
    async with hub.database.transaction() as session:
        return list(await session.scalars(select(GazetteerEntry).order_by(GazetteerEntry.id)))


# Importing


def test_os_open_names_is_imported_from_the_command_line_with_coordinates_converted(
    tmp_path, capsys
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'saferhub.db'}"
    tile = tmp_path / "TQ38.csv"
    tile.write_text(
        "\n".join(
            (
                open_names_row(
                    "Cheapside", "transportNetwork", "Named Road", 532300, 181250, "EC2V"
                ),
                open_names_row("EC2V 6BR", "other", "Postcode", 532420, 181210, "EC2V"),
                open_names_row("Barbican", "populatedPlace", "Suburban Area", 532200, 181800, ""),
                open_names_row("River Thames", "hydrography", "River", 532000, 180600, ""),
                open_names_row("A1211", "transportNetwork", "Numbered Road", 533000, 181200, ""),
            )
        )
        + "\n"
    )
    assert main(["--database", url, "gazetteer", "import", str(tile)]) == 0
    assert "Imported gazetteer: 3 added" in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "saferhub.db") as db:
        rows = db.execute(
            "SELECT name, kind, key, postcode_district, latitude, longitude FROM gazetteer_entry"
        ).fetchall()
    by_name = {row[0]: row for row in rows}
    assert set(by_name) == {"Cheapside", "EC2V 6BR", "Barbican"}
    name, kind, key, district, lat, lon = by_name["Cheapside"]
    assert (kind, key, district) == ("street", "cheapside", "EC2V")
    assert haversine_m(lat, lon, 51.51469, -0.09477) < 5  # TQ 32300 81250
    assert by_name["EC2V 6BR"][1:4] == ("postcode", "ec2v 6br", "EC2V")
    assert by_name["Barbican"][1] == "locality"


async def test_an_import_replaces_the_whole_gazetteer(sample_hub, tmp_path):
    assert len(await entries(sample_hub)) == len(read_gazetteer(SAMPLE / "gazetteer.csv"))
    own = tmp_path / "llpg.csv"
    own.write_text(
        "name,kind,postcode,latitude,longitude\n"
        "Cheapside,street,EC2V,51.5141,-0.0940\n"
        "Guildhall Yard,street,EC2V 5AE,,\n"
    )
    async with sample_hub.unit() as uow:
        report = await import_gazetteer(uow, [own])
    assert str(report) == "gazetteer: 2 added, 0 updated"
    names = [(e.name, e.postcode_district, e.latitude) for e in await entries(sample_hub)]
    assert names == [("Cheapside", "EC2V", 51.5141), ("Guildhall Yard", "EC2V", None)]


@pytest.mark.parametrize(
    ("content", "problems"),
    [
        (
            "name,kind,postcode,latitude,longitude\n"
            "Cheapside,street,EC2V,51.5141,-0.0940\n"
            "Bread Street,road,EC4M,51.5131,-0.0942\n"
            "Wood Street,street,EC2V,-0.0940,51.5160\n"
            ",landmark,NOWHERE,51.5,\n",
            [
                "line 3: kind 'road' is not one of street, locality, postcode, landmark",
                "line 4: latitude and longitude look swapped",
                "line 5: name is empty",
                "line 5: 'NOWHERE' is not a postcode or postcode district",
                "line 5: latitude '51.5' and longitude '' must both be numbers",
            ],
        ),
        (
            open_names_row("Cheapside", "transportNetwork", "Named Road", 532300, 181250, "EC2V")
            + "\nosgb1,uri,Wood Street,eng\n"
            + open_names_row("Milk Street", "transportNetwork", "Named Road", "east", 1, "EC2V"),
            ["line 2: 4 columns; OS Open Names has 34", "line 3: GEOMETRY_X and GEOMETRY_Y"],
        ),
        ("street,town\nCheapside,London\n", ["line 1: places.csv is neither an OS Open Names"]),
        ("", ["places.csv: not a CSV file (empty or binary)"]),
    ],
    ids=["council list", "open names", "unknown header", "empty"],
)
async def test_a_bad_file_is_refused_line_by_line_and_nothing_changes(
    sample_hub, tmp_path, content, problems
):
    before = [(e.name, e.kind) for e in await entries(sample_hub)]
    bad = tmp_path / "places.csv"
    bad.write_text(content)
    with pytest.raises(RefusedImport) as refused:
        async with sample_hub.unit() as uow:
            await import_gazetteer(uow, [bad])
    for problem, wanted in zip(refused.value.problems, problems, strict=True):
        assert problem.startswith(f"places.csv: {wanted}") or problem.startswith(wanted), problem
    assert [(e.name, e.kind) for e in await entries(sample_hub)] == before


def test_the_cli_names_the_bad_lines(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'saferhub.db'}"
    bad = tmp_path / "llpg.csv"
    bad.write_text("name,kind,postcode,latitude,longitude\nCheapside,avenue,EC2V,,\n")
    assert main(["--database", url, "gazetteer", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported" in err and "llpg.csv: line 2: kind 'avenue'" in err


# Resolving


@pytest.mark.parametrize("text", [*PHRASINGS, "Cheapsde", "Mohammed Khan, Cheapside"])
def test_each_way_of_naming_cheapside_resolves_to_the_street(text):
    resolved = resolve(at(text), INDEX)
    assert (resolved.street, resolved.street_key, resolved.district) == (
        "Cheapside",
        "cheapside",
        "EC2V",
    )
    assert resolved.text == text
    assert resolved.latitude is not None and resolved.longitude is not None
    assert haversine_m(resolved.latitude, resolved.longitude, *CHEAPSIDE) < 150
    assert resolved.match is (Match.FUZZY if text == "Cheapsde" else Match.NAME)


def test_a_postcode_gives_its_district_and_the_gazetteers_coordinates_for_it():
    resolved = resolve(at("20 Cheapside, EC2V 6BR"), INDEX)
    assert (resolved.latitude, resolved.longitude) == (51.5144, -0.0926)  # the postcode's point
    only = resolve(at("EC4M 8AD"), INDEX)
    assert (only.match, only.district, only.street_key) == (Match.POSTCODE, "EC4M", "")
    assert (only.latitude, only.longitude) == (51.5137, -0.0990)
    unknown = resolve(at("EC1A 9ZZ"), INDEX)
    assert (unknown.district, unknown.latitude, unknown.street_key) == ("EC1A", None, "")
    with_districts = PlaceIndex(
        [*SAMPLE_PLACES, NamedPlace("EC2V", PlaceKind.POSTCODE, "EC2V", 51.5150, -0.0930)]
    )
    district = resolve(at("EC2V"), with_districts)
    assert (district.match, district.district, district.latitude) == (Match.POSTCODE, "EC2V", None)


def test_coordinates_given_are_kept_and_landmarks_give_the_street_they_name():
    given = resolve(at("51.5150, -0.0930"), INDEX)
    assert (given.match, given.latitude, given.longitude) == (Match.COORDINATES, 51.515, -0.093)
    assert (given.street, given.district) == ("Milk Street", "EC2V")  # its point is 40 m away
    beyond = resolve(at("51.5300, -0.0930"), INDEX)  # 1.5 km north of any street listed
    assert (beyond.street, beyond.street_key, beyond.latitude) == ("", "", 51.53)
    station = resolve(at("Liverpool Street station"), INDEX)
    assert (station.place, station.street, station.street_key) == (
        "Liverpool Street station",
        "Liverpool Street",
        "liverpool street",
    )
    assert (station.latitude, station.longitude) == (51.5178, -0.0823)


@pytest.mark.parametrize(
    ("text", "street"),
    [("Aldgate High St", "Aldgate High Street"), ("queen st, by the bank", "Queen Street")],
)
def test_a_street_ending_abbreviated_is_the_street(text, street):
    assert resolve(at(text), INDEX).street == street


@pytest.mark.parametrize(
    "text", ["outside Mohammed Khan's house", "Sarah Jones", "on the door of Priya Patel"]
)
def test_words_that_name_no_place_stay_unmatched(text):
    resolved = resolve(at(text), INDEX)
    assert (resolved.match, resolved.street, resolved.place, resolved.latitude) == (
        Match.NONE,
        "",
        "",
        None,
    )


async def test_a_recorded_concern_keeps_the_words_beside_the_match(sample_hub):
    concern = await report(sample_hub, "Bus stop outside 100 Cheapside")
    assert concern.location_text == "Bus stop outside 100 Cheapside"
    assert (concern.street_key, concern.postcode_sector) == ("cheapside", "")
    assert (concern.latitude, concern.longitude) == CHEAPSIDE
    assert concern.answers[PLACE]["street"] == "Cheapside"
    assert concern.answers[PLACE]["district"] == "EC2V"
    assert concern.answers["location"]["text"] == "Bus stop outside 100 Cheapside"


async def test_words_no_gazetteer_place_matches_never_reach_a_plain_column(sample_hub):
    concern = await report(sample_hub, "outside Zebulon Quartermaine's flat")
    assert concern.answers[PLACE]["match"] == "none"
    assert concern.street_key == "" and concern.postcode_sector == ""  # kept when anonymised


# The rules on distances


async def test_the_three_phrasings_are_repeats_of_each_other_by_distance(sample_hub):
    first, second, third = [await report(sample_hub, text) for text in PHRASINGS]
    assert first.priority == "P3"
    assert f"a repeat: {first.reference} within 250 m in the last 30 days" in second.reasons
    assert "a cluster: 3 concerns within 500 m in 7 days" in third.reasons
    far = await report(sample_hub, "Tower Hill")
    assert not any(r.startswith(("a repeat", "a cluster")) for r in far.reasons)


async def test_a_nearby_street_is_a_repeat_though_its_name_differs(sample_hub):
    first = await report(sample_hub, "Cheapside")
    nearby = await report(sample_hub, "Bread Street")  # about 110 m away
    assert f"a repeat: {first.reference} within 250 m in the last 30 days" in nearby.reasons


async def test_elevated_tension_covers_a_radius_around_the_place(sample_hub, person):
    priya = person("priya@example.org")
    done = await priya.say(
        "mark elevated tension", "Cheapsde", "7", "After Saturday's march", "confirm"
    )
    assert done[-1].text.startswith("Cheapside is marked as elevated tension until 30 Nov 2026.")
    assert "New concerns within 300 m of it are raised to at least P2." in done[-1].text
    tension = "the area is marked as elevated tension"
    assert tension in (await report(sample_hub, "Bus stop outside 100 Cheapside")).reasons
    assert tension in (await report(sample_hub, "Bread Street")).reasons
    assert tension not in (await report(sample_hub, "Tower Hill")).reasons


async def test_tension_on_a_postcode_district_matches_by_district(sample_hub, person):
    priya = person("priya@example.org")
    done = await priya.say("mark elevated tension", "EC4M", "3", "Leaflets", "confirm")
    assert "on that street or in that postcode area" in done[-1].text
    tension = "the area is marked as elevated tension"
    assert tension in (await report(sample_hub, "St Paul's Churchyard, EC4M 8AD")).reasons
    assert tension not in (await report(sample_hub, "Cheapside, EC2V 6BR")).reasons


async def test_hotspots_count_one_street_once_however_it_was_named(sample_hub, person):
    for text in (*PHRASINGS, "Cheapsde", "Tower Hill"):
        await report(sample_hub, text)
    spots = await person("priya@example.org").send("hotspots")
    assert spots[-1].lines[0] == "Cheapside: 4 (4 Hate graffiti)"
    assert spots[-1].lines[1] == "Tower Hill: 1 (1 Hate graffiti)"
    near = await person("priya@example.org").send("concerns near cheapsde this month")
    assert near[-1].title == "4 concerns near cheapsde in the last 30 days"


def test_the_sample_gazetteer_is_plainly_the_demo_area():
    places = read_gazetteer(SAMPLE / "gazetteer.csv")
    assert {p.kind.value for p in places} == {"street", "locality", "landmark", "postcode"}
    assert all(p.latitude is not None and 51.50 < p.latitude < 51.53 for p in places)
    assert (
        Path(SAMPLE / "gazetteer.csv")
        .read_text()
        .startswith("name,kind,postcode,latitude,longitude\n")
    )


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=3, max_size=300))
def test_any_words_resolve_to_a_gazetteer_name_or_to_none(text):
    parsed = parse_location(text)
    assume(parsed.ok and isinstance(parsed.value, dict))
    resolved = resolve(parsed.value, INDEX)
    names = {p.name for p in SAMPLE_PLACES}
    assert resolved.street in names | {""} and resolved.place in names | {""}
    assert resolved.text == text
