"""The gazetteer, and resolving where a concern is against it.

The hub keeps the area's named places (streets, localities, landmarks, postcodes) with their
coordinates, loaded from OS Open Names or from a council's own list. A location answer is resolved
to a street, a postcode district and coordinates, so the rules compare distances and the places
people name differently ("Bus stop outside 100 Cheapside", "cheapside bus stop", "Cheapsde") are
one street. The reporter's own words are kept beside the match, never replaced by it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from pyproj import Transformer
from rapidfuzz import fuzz, process
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.csv_import import CsvKind, ImportReport, RefusedImport, Rows, csv_text, read_csv
from bot.core.unit import UnitOfWork
from bot.prevent.triage import Place, haversine_m, postcode_sector
from dialogs.messages import JsonValue
from dialogs.parsing import OUTWARD_CODE, normalise_postcode
from storage import gazetteer
from storage.models import GazetteerEntry


class PlaceKind(StrEnum):
    """What a gazetteer entry names."""

    STREET = "street"
    LOCALITY = "locality"
    POSTCODE = "postcode"
    LANDMARK = "landmark"


class Match(StrEnum):
    """How a location answer was placed."""

    COORDINATES = "coordinates"
    """The reporter gave latitude and longitude (or the photo did)."""
    NAME = "name"
    """A gazetteer name appears in the reporter's words."""
    FUZZY = "fuzzy"
    """A gazetteer name nearly appears (a misspelling)."""
    POSTCODE = "postcode"
    """Only the postcode placed it."""
    NONE = "none"
    """Nothing in the gazetteer matched: only the reporter's words are kept."""


PLACE = "place"
"""Where the resolved place is kept in a concern's answers, beside the reporter's `location`."""
SIMPLE_COLUMNS = ("name", "kind", "postcode", "latitude", "longitude")
OPEN_NAMES_COLUMNS = 34
"""OS Open Names CSV rows: ID, NAMES_URI, NAME1, NAME1_LANG, NAME2, NAME2_LANG, TYPE,
LOCAL_TYPE, GEOMETRY_X, GEOMETRY_Y, ... POSTCODE_DISTRICT (17th) ... SAME_AS_GEONAMES; no header."""
NAME1, NAME2, TYPE, LOCAL_TYPE, EASTING, NORTHING, DISTRICT = 2, 4, 6, 7, 8, 9, 16
ROADS = frozenset({"Named Road", "Section Of Named Road"})
LANDMARK_TYPES = frozenset({"transportNetwork", "other"})
GB_LATITUDE = (49.0, 61.5)
GB_LONGITUDE = (-9.0, 2.5)
MAX_NGRAM = 6
FUZZY_CUTOFF = 86.0
FUZZY_MIN_LENGTH = 5
SPECIFICITY = {PlaceKind.LANDMARK: 0, PlaceKind.STREET: 1, PlaceKind.LOCALITY: 2}
"""Of several names in one answer, the most specific gives the coordinates."""

ENDINGS = {"st": "street", "rd": "road", "ln": "lane", "ave": "avenue", "sq": "square"}
"""Abbreviations people end a street name with."""
NEAREST_STREET_M = 150.0
"""Coordinates alone name the nearest gazetteer street this close (a photo's GPS, say)."""

_BNG_TO_WGS84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def place_key(name: str) -> str:
    """A name as locations are matched: lower case, apostrophes dropped, other marks spaces, a
    final abbreviation spelt out ('Aldgate High St' -> 'aldgate high street')."""
    return _spelt_out(_words(name))[:200]


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]|_", " ", re.sub(r"['’`]", "", text.lower())).split()


def _spelt_out(words: list[str]) -> str:
    if len(words) > 1 and words[-1] in ENDINGS:
        words = [*words[:-1], ENDINGS[words[-1]]]
    return " ".join(words)


def district_of(postcode: str) -> str:
    """'EC2V 6BR' or 'ec2v' -> 'EC2V'; '' when it is not a postcode or district."""
    outward = postcode.strip().upper().split(" ")[0] if postcode.strip() else ""
    return outward if OUTWARD_CODE.fullmatch(outward) else ""


@dataclass(frozen=True)
class NamedPlace:
    """One gazetteer entry as a value."""

    name: str
    kind: PlaceKind
    district: str
    latitude: float | None
    longitude: float | None

    @property
    def key(self) -> str:
        return place_key(self.name)

    @classmethod
    def of(cls, entry: GazetteerEntry) -> NamedPlace:
        return cls(
            entry.name,
            PlaceKind(entry.kind),
            entry.postcode_district,
            entry.latitude,
            entry.longitude,
        )

    def row(self) -> dict[str, Any]:
        """The entry's column values."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "key": self.key,
            "postcode_district": self.district,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }


# Reading gazetteer files


def read_gazetteer(path: Path) -> list[NamedPlace]:
    """The places in an OS Open Names CSV (no header) or a simple `name,kind,postcode,latitude,
    longitude` CSV, recognised by its first line; RefusedImport names every bad line."""
    header, _ = _first_line(path)
    if {"name", "kind"} <= {column.strip().lower() for column in header}:
        columns, rows = read_csv(path)
        missing = [c for c in SIMPLE_COLUMNS if c not in columns]
        if missing:
            raise RefusedImport([f"line 1: missing column(s): {', '.join(missing)}"])
        return simple_places(rows)
    if len(header) == OPEN_NAMES_COLUMNS:
        return open_names_places(path)
    raise RefusedImport(
        [
            f"line 1: {path.name} is neither an OS Open Names CSV ({OPEN_NAMES_COLUMNS} columns, "
            "no header) nor a list with the header " + ",".join(SIMPLE_COLUMNS)
        ]
    )


def _first_line(path: Path) -> tuple[list[str], str]:
    text = csv_text(path)
    first = next(csv.reader(io.StringIO(text)), [])
    return first, text


def simple_places(rows: Rows) -> list[NamedPlace]:
    """A council's own list: every row checked, every problem named with its line."""
    places, problems = [], []
    kinds = ", ".join(kind.value for kind in PlaceKind)
    for line, row in rows:
        name, kind = row.get("name", ""), row.get("kind", "").lower()
        postcode = row.get("postcode", "")
        found = []
        if not name:
            found.append(f"line {line}: name is empty")
        if kind not in {k.value for k in PlaceKind}:
            found.append(f"line {line}: kind '{kind}' is not one of {kinds}")
        district = district_of(postcode)
        if postcode and not district:
            found.append(f"line {line}: '{postcode}' is not a postcode or postcode district")
        if kind == PlaceKind.POSTCODE and not district_of(name):
            found.append(f"line {line}: a postcode entry's name must be a postcode, not '{name}'")
        latitude, longitude, wrong = _coordinates(row.get("latitude", ""), row.get("longitude", ""))
        found += [f"line {line}: {problem}" for problem in wrong]
        problems += found
        if not found:
            places.append(
                NamedPlace(
                    name, PlaceKind(kind), district or district_of(name), latitude, longitude
                )
            )
    if problems:
        raise RefusedImport(problems)
    return places


def _coordinates(lat: str, lon: str) -> tuple[float | None, float | None, list[str]]:
    if not lat and not lon:
        return None, None, []
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError:
        return None, None, [f"latitude '{lat}' and longitude '{lon}' must both be numbers"]
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None, None, ["latitude and longitude must be numbers"]
    swapped = GB_LATITUDE[0] <= longitude <= GB_LATITUDE[1]
    if swapped and GB_LONGITUDE[0] <= latitude <= GB_LONGITUDE[1]:
        return None, None, ["latitude and longitude look swapped"]
    if not (
        GB_LATITUDE[0] <= latitude <= GB_LATITUDE[1]
        and GB_LONGITUDE[0] <= longitude <= GB_LONGITUDE[1]
    ):
        return None, None, [f"{latitude}, {longitude} is not in Great Britain"]
    return latitude, longitude, []


def open_names_places(path: Path) -> list[NamedPlace]:
    """OS Open Names rows: named roads are streets, populated places localities, stations and
    other named features landmarks, postcodes postcodes; rivers, hills and road numbers are left
    out. Eastings and northings (British National Grid) become latitude and longitude."""
    _, text = _first_line(path)
    places, problems = [], []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != OPEN_NAMES_COLUMNS:
                problems.append(
                    f"line {line}: {len(row)} columns; OS Open Names has {OPEN_NAMES_COLUMNS}"
                )
                continue
            kind = _open_names_kind(row[TYPE], row[LOCAL_TYPE])
            if kind is None:
                continue
            try:
                easting, northing = float(row[EASTING]), float(row[NORTHING])
            except ValueError:
                problems.append(f"line {line}: GEOMETRY_X and GEOMETRY_Y must be numbers")
                continue
            if not row[NAME1].strip():
                problems.append(f"line {line}: NAME1 is empty")
                continue
            longitude, latitude = _BNG_TO_WGS84.transform(easting, northing)
            district = district_of(row[DISTRICT])
            if kind is PlaceKind.POSTCODE:
                district = district or district_of(row[NAME1])
            for name in dict.fromkeys(n.strip() for n in (row[NAME1], row[NAME2]) if n.strip()):
                places.append(
                    NamedPlace(name, kind, district, round(latitude, 6), round(longitude, 6))
                )
    except csv.Error as error:
        problems.append(f"line {reader.line_num}: {error}")
    if problems:
        raise RefusedImport(problems)
    return places


def _open_names_kind(kind: str, local_type: str) -> PlaceKind | None:
    if local_type in ROADS:
        return PlaceKind.STREET
    if local_type == "Postcode":
        return PlaceKind.POSTCODE
    if kind == "populatedPlace":
        return PlaceKind.LOCALITY
    if kind in LANDMARK_TYPES and "Road" not in local_type:
        return PlaceKind.LANDMARK
    return None


async def replace_gazetteer(uow: UnitOfWork, places: Sequence[NamedPlace]) -> ImportReport:
    """Make `places` the whole gazetteer, and audit it."""
    before = await gazetteer.replace_entries(uow.session, [p.row() for p in places])
    report = ImportReport("gazetteer", added=len(places))
    report.notes.append(f"replaced {before} earlier entries")
    await uow.audit(None, "gazetteer.import", "", added=len(places), replaced=before)
    return report


async def import_gazetteer(uow: UnitOfWork, paths: Sequence[Path]) -> ImportReport:
    """Replace the gazetteer with the places in `paths` (OS Open Names tiles and/or a council's
    list), all or nothing: one bad line in any file and nothing changes."""
    places, problems = [], []
    for path in paths:
        try:
            places += read_gazetteer(path)
        except RefusedImport as refused:
            problems += [f"{path.name}: {problem}" for problem in refused.problems]
    if problems:
        raise RefusedImport(problems)
    if not places:
        raise RefusedImport(["no streets, places or postcodes found; nothing was replaced"])
    return await replace_gazetteer(uow, places)


async def _import_simple(uow: UnitOfWork, rows: Rows) -> ImportReport:
    return await replace_gazetteer(uow, simple_places(rows))


KIND = CsvKind(
    "gazetteer",
    frozenset({"name", "kind", "latitude", "longitude"}),
    SIMPLE_COLUMNS,
    ("name", "kind"),
    _import_simple,
)
"""The simple list, imported like the directory's files (the sample data uses it)."""


# Resolving a location answer


class PlaceIndex:
    """The gazetteer's names, for finding those a location answer mentions."""

    def __init__(self, entries: Iterable[NamedPlace]) -> None:
        places = list(entries)
        self.by_key: dict[str, list[NamedPlace]] = {}
        for place in places:
            self.by_key.setdefault(place.key, []).append(place)
        self.streets = [
            (p.latitude, p.longitude, p)
            for p in places
            if p.kind == PlaceKind.STREET and p.latitude is not None and p.longitude is not None
        ]
        self.names = [
            key
            for key, found in self.by_key.items()
            if len(key) >= FUZZY_MIN_LENGTH and any(p.kind != PlaceKind.POSTCODE for p in found)
        ]

    def named(self, key: str, district: str) -> NamedPlace | None:
        """The street, locality or landmark called `key`, in `district` when there are several."""
        found = [p for p in self.by_key.get(key, ()) if p.kind != PlaceKind.POSTCODE]
        return next((p for p in found if p.district == district), found[0] if found else None)

    def nearest_street(self, latitude: float, longitude: float) -> NamedPlace | None:
        """The street whose point is nearest, if within NEAREST_STREET_M."""
        distances = [(haversine_m(latitude, longitude, y, x), s) for y, x, s in self.streets]
        distance, street = min(distances, key=lambda pair: pair[0], default=(math.inf, None))
        return street if distance <= NEAREST_STREET_M else None

    def postcode(self, key: str) -> NamedPlace | None:
        return next((p for p in self.by_key.get(key, ()) if p.kind == PlaceKind.POSTCODE), None)


@dataclass(frozen=True)
class Resolved:
    """Where a concern is: the reporter's words, and what the gazetteer made of them."""

    text: str
    match: Match
    street: str = ""
    """The gazetteer street named (or nearly named) in the words."""
    place: str = ""
    """The most specific gazetteer name found: a landmark, a street or a locality."""
    postcode: str | None = None
    district: str = ""
    latitude: float | None = None
    longitude: float | None = None

    @property
    def street_key(self) -> str:
        """The key the rules and hotspots group by: the gazetteer's street (or place), else none.

        Never the reporter's own words: the column is plain text, kept after anonymising, and
        words such as "outside Sam's flat" would carry a name there. Unplaced concerns are
        compared by postcode sector instead."""
        return place_key(self.street or self.place) if self.street or self.place else ""

    @property
    def comparable(self) -> Place:
        """The place the triage rules compare."""
        return Place(self.latitude, self.longitude, self.street_key, postcode_sector(self.postcode))

    def json(self) -> dict[str, JsonValue]:
        """Kept with the concern's answers (the channel post names only `street` or `district`)."""
        return {
            "match": self.match.value,
            "street": self.street,
            "place": self.place,
            "district": self.district,
            "lat": self.latitude,
            "lon": self.longitude,
        }


def stored_place(answers: Mapping[str, JsonValue] | None) -> Mapping[str, JsonValue]:
    """The resolved place kept with a concern's answers ({} for one recorded before it was kept)."""
    value = answers.get(PLACE) if answers else None
    return value if isinstance(value, dict) else {}


def resolved_area(answers: Mapping[str, JsonValue] | None) -> tuple[str, str]:
    """The gazetteer street and the postcode district a concern resolved to (either may be '')."""
    place = stored_place(answers)
    street, district = place.get("street"), place.get("district")
    return (
        street if isinstance(street, str) else "",
        district if isinstance(district, str) else "",
    )


def ngrams(text: str) -> list[str]:
    """Every run of up to MAX_NGRAM words of `text` (normalised), longest first."""
    words = _words(text)
    return [
        _spelt_out(words[start : start + size])
        for size in range(min(MAX_NGRAM, len(words)), 0, -1)
        for start in range(len(words) - size + 1)
    ]


def resolve(location: Mapping[str, JsonValue], index: PlaceIndex) -> Resolved:
    """Place a parsed location answer: coordinates given are kept; a postcode gives its
    district (and its coordinates when the gazetteer has that postcode: a district alone is too
    large to place anything by); a name in the words, or a near miss of one, gives the street,
    its district and coordinates."""
    text = str(location.get("text") or "")
    raw = location.get("postcode")
    postcode = raw if isinstance(raw, str) and raw else None
    lat, lon = location.get("lat"), location.get("lon")
    district = district_of(postcode or "")
    full = postcode is not None and normalise_postcode(postcode) is not None
    coded = index.postcode(place_key(postcode)) if postcode and full else None
    found, match = _named(text, index, district)
    street = next((p for p in found if p.kind == PlaceKind.STREET), None)
    place = min(found, key=lambda p: SPECIFICITY[p.kind]) if found else None
    located = next((p for p in (coded, place) if p is not None and p.latitude is not None), None)
    latitude, longitude = (located.latitude, located.longitude) if located else (None, None)
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        match, latitude, longitude = Match.COORDINATES, float(lat), float(lon)
        street = street or index.nearest_street(latitude, longitude)
        place = place or street
    if match is Match.NONE and (coded is not None or district):
        match = Match.POSTCODE
    return Resolved(
        text=text,
        match=match,
        street=street.name if street else "",
        place=place.name if place else "",
        postcode=postcode,
        district=district or next((p.district for p in (coded, place) if p is not None), ""),
        latitude=latitude,
        longitude=longitude,
    )


def _named(text: str, index: PlaceIndex, district: str) -> tuple[list[NamedPlace], Match]:
    """The gazetteer places named in `text` (the longest name of each kind), or the nearest
    miss when none is named exactly."""
    grams = ngrams(text)
    exact = [p for gram in grams if (p := index.named(gram, district)) is not None]
    if exact:
        return _longest_of_each_kind(exact), Match.NAME
    best: tuple[float, int, str] | None = None
    for gram in grams:
        if len(gram) < FUZZY_MIN_LENGTH or gram.replace(" ", "").isdigit():
            continue
        hit = process.extractOne(gram, index.names, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if hit is not None and (best is None or (hit[1], len(gram)) > best[:2]):
            best = (hit[1], len(gram), hit[0])
    near = index.named(best[2], district) if best else None
    return ([near], Match.FUZZY) if near else ([], Match.NONE)


def _longest_of_each_kind(found: list[NamedPlace]) -> list[NamedPlace]:
    """`found` is longest name first: keep the first of each kind."""
    kinds: dict[PlaceKind, NamedPlace] = {}
    for place in found:
        kinds.setdefault(place.kind, place)
    return list(kinds.values())


async def load_index(session: AsyncSession, location: Mapping[str, JsonValue]) -> PlaceIndex:
    """The gazetteer's named places, and the entry for the answer's postcode if it has one
    (postcodes are many, so only the one asked about is read)."""
    postcode = location.get("postcode")
    keys = [place_key(postcode)] if isinstance(postcode, str) and postcode else []
    entries = [
        *await gazetteer.named_places(session),
        *await gazetteer.entries_by_key(session, keys),
    ]
    return PlaceIndex(NamedPlace.of(entry) for entry in entries)


async def resolve_location(session: AsyncSession, location: Mapping[str, JsonValue]) -> Resolved:
    """`resolve` against the hub's gazetteer."""
    return resolve(location, await load_index(session, location))


def location_answer(text: str) -> dict[str, JsonValue]:
    """A location answer for words typed in a question ('concerns near Cheapside')."""
    postcode = normalise_postcode(text.upper())
    district = district_of(text) if not postcode and len(text.split()) == 1 else ""
    return {"text": text, "postcode": postcode or district or None, "lat": None, "lon": None}
