"""Explainable triage of visual-audit concerns: every rule that fires adds its reason.

Pure functions over the concern's answers, its neighbours and the manager's flags; the highest
priority wins. Thresholds come from `TriageConfig` so the partnership can tune them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum

from dialogs.messages import JsonValue
from dialogs.parsing import normalise_postcode


class Priority(IntEnum):
    """P0 is the most urgent; lower numbers win."""

    P0 = 0
    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class TriageConfig:
    """Distances, windows and sizes used by the repeat, cluster and trigger rules."""

    repeat_radius_m: float = 250
    repeat_days: int = 30
    cluster_radius_m: float = 500
    cluster_days: int = 7
    cluster_size: int = 3
    trigger_window_hours: int = 72
    tension_radius_m: float = 300
    """How far around the place a manager marks an area of elevated tension extends."""


@dataclass(frozen=True)
class Place:
    """Where a concern is, in the forms the rules compare: coordinates, street, postcode sector."""

    latitude: float | None
    longitude: float | None
    street_key: str
    postcode_sector: str

    def distance_m(self, other: Place) -> float | None:
        """Metres between two places with coordinates; None when either has none."""
        if self.latitude is None or self.longitude is None:
            return None
        if other.latitude is None or other.longitude is None:
            return None
        return haversine_m(self.latitude, self.longitude, other.latitude, other.longitude)

    def near(self, other: Place, radius_m: float) -> bool:
        """Within `radius_m`, or, without coordinates, on the same street or postcode sector."""
        distance = self.distance_m(other)
        if distance is not None:
            return distance <= radius_m
        same_street = bool(self.street_key) and self.street_key == other.street_key
        same_sector = bool(self.postcode_sector) and self.postcode_sector == other.postcode_sector
        return same_street or same_sector


@dataclass(frozen=True)
class Neighbour:
    """An earlier concern that may make this one a repeat or part of a cluster."""

    reference: str
    place: Place
    seen_at: datetime


@dataclass(frozen=True)
class Reason:
    """Why a rule fired, and the priority it asks for."""

    priority: Priority
    text: str


@dataclass(frozen=True)
class TriageResult:
    """The winning priority, every reason, and the related concerns that were found."""

    priority: Priority
    reasons: tuple[Reason, ...]
    related: tuple[str, ...] = ()

    @property
    def explanation(self) -> str:
        """'P1 because: names a person, address or organisation; at a place of worship'."""
        top = [r.text for r in self.reasons if r.priority == self.priority]
        return f"{self.priority.label} because: " + "; ".join(top)


@dataclass(frozen=True)
class TensionZone:
    """An area of elevated tension: a gazetteer place and a radius, or (unplaced) its key."""

    key: str
    latitude: float | None = None
    longitude: float | None = None
    radius_m: float = 0

    def covers(self, place: Place) -> bool:
        """Within the radius when both have coordinates; else the same street or district."""
        centre = Place(self.latitude, self.longitude, self.key, "")
        distance = centre.distance_m(place)
        if distance is not None:
            return distance <= self.radius_m
        district = place.postcode_sector.split()[0] if place.postcode_sector else ""
        return bool(self.key) and self.key in {place.street_key, place.postcode_sector, district}


@dataclass(frozen=True)
class Flags:
    """What the manager has flagged: areas of elevated tension and recent trigger events."""

    tension_areas: frozenset[str] = frozenset()
    """Street keys or postcode sectors of elevated tension (the hub flags `tension_zones`)."""
    trigger_events: tuple[datetime, ...] = ()
    tension_zones: tuple[TensionZone, ...] = ()


NO_FLAGS = Flags()
DEFAULT_CONFIG = TriageConfig()


HOUSE_NUMBER = re.compile(r"\b\d+[a-z]?\b")
FILLER = re.compile(r"\b(the|near|by|outside|opposite|junction|of|with|on|at|in)\b")
SENSITIVE_PLACES = {
    "place_of_worship": "at a place of worship",
    "school": "at a school or college",
    "community_centre": "at a community centre",
}
TERROR_CATEGORIES = {
    "extremist_symbol": "an extremist or terrorist symbol or slogan",
    "glorification": "glorifies an attack or attacker",
}


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def street_key(location_text: str) -> str:
    """A normalised street name: the first part before a comma, without numbers or filler words."""
    first = location_text.split(",")[0].lower()
    if normalise_postcode(first.upper()):
        return ""
    words = FILLER.sub(" ", HOUSE_NUMBER.sub(" ", re.sub(r"[^\w\s]", " ", first)))
    return " ".join(words.split())[:120]


def postcode_sector(postcode: str | None) -> str:
    """'EC2V 7HH' -> 'EC2V 7'; an outward code alone stays as it is."""
    if not postcode:
        return ""
    outward, _, inward = postcode.upper().partition(" ")
    return f"{outward} {inward[0]}" if inward else outward


def place_of(location: Mapping[str, JsonValue]) -> Place:
    """The comparable place of a parsed location answer."""
    text = str(location.get("text") or "")
    lat, lon = location.get("lat"), location.get("lon")
    postcode = location.get("postcode")
    return Place(
        latitude=float(lat) if isinstance(lat, int | float) else None,
        longitude=float(lon) if isinstance(lon, int | float) else None,
        street_key=street_key(text),
        postcode_sector=postcode_sector(postcode if isinstance(postcode, str) else None),
    )


def _yes(answers: Mapping[str, JsonValue], name: str) -> str | None:
    """'' when answered yes, ' (unsure)' when unsure (which counts as yes), None otherwise."""
    value = answers.get(name)
    if value == "yes":
        return ""
    if value == "unsure":
        return " (unsure)"
    return None


@dataclass
class _Rules:
    answers: Mapping[str, JsonValue]
    reasons: list[Reason] = field(default_factory=list)

    def add(self, priority: Priority, text: str) -> None:
        self.reasons.append(Reason(priority, text))


def triage(
    answers: Mapping[str, JsonValue],
    place: Place,
    seen_at: datetime,
    neighbours: Sequence[Neighbour],
    flags: Flags = NO_FLAGS,
    config: TriageConfig = DEFAULT_CONFIG,
) -> TriageResult:
    """Apply the rule table of DOMAIN.md section 2 and return the highest priority with reasons."""
    rules = _Rules(answers)
    category = str(answers.get("category") or "")
    if answers.get("danger_now") == "yes":
        rules.add(Priority.P0, "someone in danger, a crime in progress or a suspicious item (999)")
    for name, text in (
        ("threat_violence", "threatens violence"),
        ("names_target", "names a person, address or organisation"),
        ("terror_reference", "refers to a terrorist or banned group, an attack or an attacker"),
    ):
        unsure = _yes(answers, name)
        if unsure is not None:
            rules.add(Priority.P1, text + unsure)
    if category in TERROR_CATEGORIES:
        rules.add(Priority.P1, TERROR_CATEGORIES[category])
    targets = [t for t in _as_list(answers.get("targets")) if t != "nobody"]
    if category == "other_visual" and not targets and not rules.reasons:
        # Ordinary fly-posting or tagging, wherever it is: cleansing's, unless hate or a
        # threat is in it (a community centre's wall does not make a flyer a Prevent matter).
        _low_priority(rules, category)
        return TriageResult(Priority.P4, tuple(rules.reasons))
    location_type = str(answers.get("location_type") or "")
    if location_type in SENSITIVE_PLACES:
        rules.add(Priority.P1, SENSITIVE_PLACES[location_type])
    elif category == "worship_damage":
        rules.add(Priority.P1, "at a place of worship or community building")
    window = timedelta(hours=config.trigger_window_hours)
    if any(event <= seen_at <= event + window for event in flags.trigger_events):
        rules.add(Priority.P1, f"within {config.trigger_window_hours} hours of a trigger event")

    if targets:
        rules.add(
            Priority.P2, "targets a group: " + ", ".join(t.replace("_", " ") for t in targets)
        )
    repeats = [
        n
        for n in neighbours
        if timedelta(0) <= seen_at - n.seen_at <= timedelta(days=config.repeat_days)
        and place.near(n.place, config.repeat_radius_m)
    ]
    if repeats:
        rules.add(
            Priority.P2,
            f"a repeat: {repeats[-1].reference} within {config.repeat_radius_m:g} m in the last "
            f"{config.repeat_days} days",
        )
    cluster = [
        n
        for n in neighbours
        if abs(seen_at - n.seen_at) <= timedelta(days=config.cluster_days)
        and place.near(n.place, config.cluster_radius_m)
    ]
    if len(cluster) + 1 >= config.cluster_size:
        rules.add(
            Priority.P2,
            f"a cluster: {len(cluster) + 1} concerns within {config.cluster_radius_m:g} m in "
            f"{config.cluster_days} days",
        )
    keyed = {place.street_key, place.postcode_sector} & flags.tension_areas - {""}
    if keyed or any(zone.covers(place) for zone in flags.tension_zones):
        rules.add(Priority.P2, "the area is marked as elevated tension")

    if not rules.reasons:
        _low_priority(rules, category)
    winner = min(r.priority for r in rules.reasons)
    related = tuple(dict.fromkeys(n.reference for n in (*repeats, *cluster)))
    return TriageResult(winner, tuple(sorted(rules.reasons, key=lambda r: r.priority)), related)


def _low_priority(rules: _Rules, category: str) -> None:
    if category == "other_visual":
        rules.add(Priority.P4, "non-hate tagging or fly-posting: routed to street cleansing")
    elif rules.answers.get("still_there") == "removed":
        rules.add(Priority.P4, "already removed and nothing else applies")
    elif category in ("political", "unidentified"):
        rules.add(
            Priority.P3, "political material or an unidentified symbol, no threat or target group"
        )
    else:
        rules.add(Priority.P3, "no threat, target group or repeat found: standard review")


def _as_list(value: JsonValue) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
