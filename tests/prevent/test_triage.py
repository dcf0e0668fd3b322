"""Triage rule table: each rule and its reason, the highest priority wins, clusters and repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.prevent.triage import (
    NO_FLAGS,
    Flags,
    Neighbour,
    Place,
    Priority,
    TriageConfig,
    place_of,
    postcode_sector,
    street_key,
    triage,
)

SEEN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CHEAPSIDE = Place(None, None, "cheapside", "EC2V 6")
BASE = {
    "danger_now": "no",
    "category": "hate_graffiti",
    "location_type": "wall_bridge",
    "still_there": "yes",
    "targets": ["nobody"],
    "threat_violence": "no",
    "names_target": "no",
    "terror_reference": "no",
}


def run(neighbours=(), flags=NO_FLAGS, place=CHEAPSIDE, **answers):
    return triage({**BASE, **answers}, place, SEEN, list(neighbours), flags, TriageConfig())


@pytest.mark.parametrize(
    ("answers", "priority", "reason"),
    [
        ({"danger_now": "yes"}, Priority.P0, "999"),
        ({"threat_violence": "yes"}, Priority.P1, "threatens violence"),
        ({"threat_violence": "unsure"}, Priority.P1, "threatens violence (unsure)"),
        ({"names_target": "yes"}, Priority.P1, "names a person, address or organisation"),
        (
            {"terror_reference": "unsure"},
            Priority.P1,
            "banned group, an attack or an attacker (unsure)",
        ),
        ({"category": "extremist_symbol"}, Priority.P1, "extremist or terrorist symbol"),
        ({"category": "glorification"}, Priority.P1, "glorifies an attack"),
        ({"location_type": "place_of_worship"}, Priority.P1, "at a place of worship"),
        ({"location_type": "school"}, Priority.P1, "at a school or college"),
        ({"location_type": "community_centre"}, Priority.P1, "at a community centre"),
        ({"targets": ["race", "religion"]}, Priority.P2, "targets a group: race, religion"),
        ({"category": "political"}, Priority.P3, "political material"),
        ({"category": "unidentified"}, Priority.P3, "unidentified symbol"),
        ({}, Priority.P3, "standard review"),
        ({"still_there": "removed"}, Priority.P4, "already removed"),
        ({"category": "other_visual", "targets": None}, Priority.P4, "street cleansing"),
    ],
)
def test_each_rule_fires_with_its_reason(answers, priority, reason):
    result = run(**answers)
    assert result.priority is priority
    assert reason in result.explanation


def test_the_highest_priority_wins_and_every_reason_is_kept():
    result = run(targets=["race"], names_target="yes", location_type="place_of_worship")
    assert result.priority is Priority.P1
    assert (
        result.explanation
        == "P1 because: names a person, address or organisation; at a place of worship"
    )
    assert any(r.priority is Priority.P2 for r in result.reasons)


def test_removed_does_not_lower_a_concern_that_matters():
    assert run(still_there="removed", targets=["race"]).priority is Priority.P2


def near(reference, days_ago, place=CHEAPSIDE):
    return Neighbour(reference, place, SEEN - timedelta(days=days_ago))


def test_repeat_on_the_same_street_within_30_days():
    result = run([near("CN-2026-0003", 12)])
    assert result.priority is Priority.P2
    assert "a repeat: CN-2026-0003 within 250 m in the last 30 days" in result.explanation
    assert result.related == ("CN-2026-0003",)


def test_no_repeat_after_30_days_or_on_another_street():
    assert run([near("CN-1", 31)]).priority is Priority.P3
    assert (
        run([near("CN-1", 2, Place(None, None, "london wall", "EC2Y 5"))]).priority is Priority.P3
    )


def test_street_fallback_also_matches_on_postcode_sector():
    other_street_same_sector = Place(None, None, "bread street", "EC2V 6")
    assert run([near("CN-1", 2, other_street_same_sector)]).priority is Priority.P2


def test_repeat_and_cluster_by_distance_when_coordinates_exist():
    here = Place(51.5140, -0.0940, "cheapside", "")
    within_200m = Place(51.5150, -0.0920, "", "")
    within_450m = Place(51.5170, -0.0900, "", "")
    assert run([near("CN-1", 3, within_200m)], place=here).priority is Priority.P2
    result = run([near("CN-1", 20, within_450m)], place=here)
    assert result.priority is Priority.P3  # 450 m is beyond the 250 m repeat radius
    cluster = run([near("CN-1", 2, within_450m), near("CN-2", 5, within_450m)], place=here)
    assert "a cluster: 3 concerns within 500 m in 7 days" in cluster.explanation


def test_cluster_needs_three_within_seven_days():
    far_in_time = [near("CN-1", 6), near("CN-2", 8)]
    result = run(far_in_time)
    assert "cluster" not in " ".join(r.text for r in result.reasons)


def test_elevated_tension_and_trigger_events():
    assert run(flags=Flags(tension_areas=frozenset({"cheapside"}))).priority is Priority.P2
    trigger = Flags(trigger_events=(SEEN - timedelta(hours=70),))
    assert "within 72 hours of a trigger event" in run(flags=trigger).explanation
    old_trigger = Flags(trigger_events=(SEEN - timedelta(hours=80),))
    assert run(flags=old_trigger).priority is Priority.P3


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Cheapside", "cheapside"),
        ("12 Cheapside, by the bus stop", "cheapside"),
        ("the bus stop on London Wall", "bus stop london wall"),
        ("EC2V 6AA", ""),
    ],
)
def test_street_keys(text, key):
    assert street_key(text) == key


def test_place_of_a_parsed_location():
    place = place_of(
        {"text": "1 Bread Street, EC2V 6AA", "postcode": "EC2V 6AA", "lat": None, "lon": None}
    )
    assert place.street_key == "bread street" and place.postcode_sector == "EC2V 6"
    assert postcode_sector("EC2V") == "EC2V"


NEAR_BY = Neighbour("CN-2026-0001", CHEAPSIDE, SEEN - timedelta(days=1))


@pytest.mark.parametrize(
    ("answers", "neighbours", "flags", "priority"),
    [
        # Fly-posting and tagging are cleansing's, wherever they are and however often...
        ({"location_type": "community_centre"}, (), NO_FLAGS, Priority.P4),
        ({"location_type": "place_of_worship"}, (), NO_FLAGS, Priority.P4),
        ({"location_type": "school"}, (NEAR_BY,) * 3, NO_FLAGS, Priority.P4),
        ({}, (), Flags(tension_areas=frozenset({"cheapside"})), Priority.P4),
        # ...unless hate or a threat is in them.
        ({"targets": ["religion"]}, (), NO_FLAGS, Priority.P2),
        ({"location_type": "community_centre", "targets": ["race"]}, (), NO_FLAGS, Priority.P1),
        ({"threat_violence": "yes"}, (), NO_FLAGS, Priority.P1),
        ({"names_target": "unsure"}, (), NO_FLAGS, Priority.P1),
        ({"danger_now": "yes"}, (), NO_FLAGS, Priority.P0),
    ],
)
def test_ordinary_fly_posting_is_p4_for_cleansing_unless_hate_or_a_threat_fires(
    answers, neighbours, flags, priority
):
    result = run(neighbours, flags, **{"category": "other_visual", **answers})
    assert result.priority is priority, result.explanation
    if priority is Priority.P4:
        assert result.explanation == (
            "P4 because: non-hate tagging or fly-posting: routed to street cleansing"
        )
