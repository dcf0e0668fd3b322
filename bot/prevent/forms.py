"""The visual-audit concern (Prevent reporting): two safety gates, then what was seen and where.

Short on purpose: what the reporter's words already say (wording.py) is taken, not asked, and
the summary shows it to change. A typical report is eight messages or fewer, the first sentence
and `confirm` included (tests/prevent/test_report_length.py counts them).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.prevent import wording
from dialogs.form import Advice, Answers, Eq, Field, FieldKind, FormDefinition, In, Not
from dialogs.messages import JsonValue, Option

FORM_ID = "concern"

CATEGORIES: tuple[Option, ...] = (
    Option("hate_graffiti", "Hate graffiti"),
    Option("hate_sticker", "Hate sticker, poster or leaflet"),
    Option("extremist_symbol", "Extremist or terrorist symbol or slogan"),
    Option("glorification", "Glorification of an attack or attacker"),
    Option("threat", "Threat or named target"),
    Option("worship_damage", "Damage at a place of worship or community building"),
    Option("recruitment", "Recruitment or propaganda material"),
    Option("online", "Online content linked to the area"),
    Option("political", "Political or protest material causing tension"),
    Option("unidentified", "Unidentified symbol"),
    Option("other_visual", "Other visual concern (non-hate graffiti, fly-posting)"),
)

LOCATION_TYPES: tuple[Option, ...] = (
    Option("street_furniture", "Street furniture"),
    Option("transport", "Bus stop or transport"),
    Option("shop_front", "Shop front"),
    Option("wall_bridge", "Wall or bridge"),
    Option("place_of_worship", "Place of worship"),
    Option("school", "School or college"),
    Option("community_centre", "Community centre"),
    Option("housing_estate", "Housing estate"),
    Option("park", "Park"),
    Option("licensed_premises", "Licensed premises"),
    Option("online", "Online (URL)"),
)

TARGETS: tuple[Option, ...] = (
    Option("race", "Race, ethnicity or nationality"),
    Option("religion", "Religion or belief"),
    Option("sexual_orientation", "Sexual orientation"),
    Option("disability", "Disability"),
    Option("transgender", "Transgender identity"),
    Option("other_group", "Another group"),
    Option("nobody", "Nobody / not sure"),
)

ALREADY_REPORTED: tuple[Option, ...] = (
    Option("none", "Not reported"),
    Option("999", "999"),
    Option("101", "Police 101"),
    Option("act", "ACT (anti-terrorism hotline)"),
    Option("true_vision", "True Vision"),
    Option("cleansing", "Street cleansing"),
    Option("other", "Somewhere else"),
)

MARKINGS: tuple[Option, ...] = (
    Option("official", "OFFICIAL"),
    Option("official_sensitive", "OFFICIAL-SENSITIVE"),
)

THREATS: tuple[Option, ...] = (
    Option("violence", "Threatens violence"),
    Option("names", "Names a person or place"),
    Option("terror", "Refers to a terrorist group or attack"),
    Option("none", "None of these"),
    Option("unsure", "Not sure"),
)
THREAT_ANSWERS: tuple[tuple[str, str], ...] = (
    ("violence", "threat_violence"),
    ("names", "names_target"),
    ("terror", "terror_reference"),
)
"""Each threat option and the yes/no/unsure answer it stands for, which triage reads."""

HATE_RELATED = Not(Eq("category", "other_visual"))

EMERGENCY_ADVICE = (
    "Call 999 now. This bot is not monitored around the clock. When you are safe, carry on here "
    "and the concern will be recorded."
)
PREVENT_LEAD = "prevent_lead"
PERSON_ADVICE = (
    "A visual audit is about places, so nothing about a person will be recorded here. Please "
    "speak to {prevent_lead}, or use the national Prevent referral process. If anyone is in "
    "immediate danger, call 999."
)
NO_PREVENT_LEAD = "your organisation's Prevent lead"


def threat_answers(answers: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """The three threat answers triage reads, from the one multi-select question.

    'Not sure' counts for all three (DOMAIN.md: unsure counts as yes); 'none' beside a threat is
    the threat. Without the question (a record made before it), the answers are left alone.
    """
    picked = answers.get("threats")
    if not isinstance(picked, list):
        return {}
    if "unsure" in picked:
        return {name: "unsure" for _, name in THREAT_ANSWERS}
    return {name: "yes" if value in picked else "no" for value, name in THREAT_ANSWERS}


def _said(answers: Answers) -> str:
    """What the reporter wrote: the description, and the location's own words."""
    location = answers.get("location")
    where = location.get("text") if isinstance(location, dict) else None
    return f"{answers.get('description') or ''} {where or ''}"


def _category(answers: Answers, _now: datetime) -> JsonValue:
    return wording.category_in(str(answers.get("description") or ""))


def _location(answers: Answers, _now: datetime) -> JsonValue:
    if answers.get("use_photo_gps") == "yes":
        for lat, lon in _gps(answers)[:1]:
            where: JsonValue = {"text": f"{lat}, {lon}", "postcode": None, "lat": lat, "lon": lon}
            return where
    return wording.location_in(str(answers.get("description") or ""))


def _gps(answers: Answers) -> list[tuple[float, float]]:
    """Where the photos say they were taken, in the order sent."""
    photos = answers.get("photos")
    found = []
    for photo in photos if isinstance(photos, list) else []:
        if isinstance(photo, dict):
            lat, lon = photo.get("lat"), photo.get("lon")
            if isinstance(lat, int | float) and isinstance(lon, int | float):
                found.append((float(lat), float(lon)))
    return found


def _photo_gps(answers: Answers, _now: datetime) -> JsonValue:
    """Whether to offer a photo's GPS as the location: only when the words gave no place."""
    if "photos" not in answers:
        return None
    return "found" if _gps(answers) and "location" not in answers else "none"


def without_gps(answers: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """The answers to keep: the photos without the GPS they carried (a location taken from it
    is in the location answer, with the reporter's agreement)."""
    photos = answers.get("photos")
    if not isinstance(photos, list):
        return dict(answers)
    kept = [
        {k: v for k, v in p.items() if k not in ("lat", "lon")} if isinstance(p, dict) else p
        for p in photos
    ]
    return {**answers, "photos": kept}


def _location_type(answers: Answers, _now: datetime) -> JsonValue:
    return wording.place_type_in(_said(answers))


def _seen_now(answers: Answers, now: datetime) -> JsonValue:
    return now.replace(microsecond=0).isoformat() if "description" in answers else None


def _still_there(answers: Answers, _now: datetime) -> JsonValue:
    if "description" not in answers:
        return None
    return "removed" if wording.says_removed(_said(answers)) else "yes"


def _extent(answers: Answers, _now: datetime) -> JsonValue:
    if "description" not in answers:
        return None
    return wording.extent_in(_said(answers)) or "single"


def _targets(answers: Answers, _now: datetime) -> JsonValue:
    return list(wording.targets_in(_said(answers))) or None


def _reported_to_999(answers: Answers, _now: datetime) -> JsonValue:
    return "999" if answers.get("danger_now") == "yes" else None


def _cad_reference(answers: Answers, _now: datetime) -> JsonValue:
    called = answers.get("danger_now") == "yes" and "cad_reference" in answers
    if answers.get("already_reported") == "999" and called:
        return answers.get("cad_reference") or ""
    return None


def _removal_asked(answers: Answers, _now: datetime) -> JsonValue:
    return "yes" if answers.get("already_reported") == "cleansing" else None


FORM = FormDefinition(
    id=FORM_ID,
    version=2,
    title="Visual-audit concern",
    intro="Let's log what you saw. It takes about a minute; say cancel at any time.",
    fields=(
        Field(
            "danger_now",
            "Danger now",
            FieldKind.YES_NO,
            "First: is anyone in danger now, is a crime in progress, or is there a suspicious item?",
            help="If yes, call 999 first. You can finish this report afterwards.",
            advice=(Advice(Eq("danger_now", "yes"), EMERGENCY_ADVICE),),
        ),
        Field(
            "cad_reference",
            "999 reference",
            FieldKind.TEXT,
            "If you called 999, what reference (CAD number) were you given? Say skip if none.",
            required=False,
            max_length=40,
            when=Eq("danger_now", "yes"),
        ),
        Field(
            "about_person",
            "About a person",
            FieldKind.YES_NO,
            "Is this about a specific person's behaviour or beliefs, rather than something seen in "
            "a place?",
            advice=(
                Advice(
                    Eq("about_person", "yes"),
                    PERSON_ADVICE,
                    ends_form=True,
                    fallbacks=((PREVENT_LEAD, NO_PREVENT_LEAD),),
                ),
            ),
        ),
        Field(
            "description",
            "Description",
            FieldKind.TEXT,
            "What did you see, and where? Give the exact wording or symbol if you can.",
            help="For example: racist graffiti on the bus stop outside 20 Cheapside.",
            max_length=1000,
        ),
        Field(
            "category",
            "Category",
            FieldKind.CHOICE,
            "What kind of concern is it?",
            options=CATEGORIES,
            help="Pick the closest. 'Other visual concern' goes to street cleansing.",
            implied=_category,
        ),
        Field(
            "targets",
            "Targets",
            FieldKind.MULTI,
            "Who does it target? Choose all that apply, separated by commas.",
            options=TARGETS,
            when=HATE_RELATED,
            implied=_targets,
        ),
        Field(
            "threats",
            "Threats",
            FieldKind.MULTI,
            "Does it threaten violence, name a person or place, or refer to a terrorist group or "
            "attack? Choose all that apply, separated by commas.",
            options=THREATS,
            help="If you cannot tell, choose 'Not sure': the Prevent team will look at it.",
            when=HATE_RELATED,
        ),
        Field(
            "photos",
            "Photos",
            FieldKind.ATTACHMENT,
            "If you have photos, upload up to 4 now (photograph from a safe place; do not touch "
            "it). Otherwise say skip.",
            required=False,
            max_items=4,
        ),
        Field(
            "photo_gps",
            "Photo location",
            FieldKind.CHOICE,
            "Does a photo say where it was taken?",
            options=(Option("found", "Yes"), Option("none", "No")),
            ask=False,
            default="none",
            implied=_photo_gps,
        ),
        Field(
            "use_photo_gps",
            "Use the photo's location",
            FieldKind.YES_NO,
            "Your photo records where it was taken. Use that as the location? Say no to type it.",
            when=Eq("photo_gps", "found"),
        ),
        Field(
            "location",
            "Location",
            FieldKind.LOCATION,
            "Where is it? A street or postcode and a landmark, or 'latitude, longitude'.",
            max_length=300,
            implied=_location,
        ),
        Field(
            "location_type",
            "Location type",
            FieldKind.CHOICE,
            "What kind of place is it?",
            options=LOCATION_TYPES,
            implied=_location_type,
        ),
        Field(
            "seen_at",
            "When seen",
            FieldKind.DATETIME,
            "When did you see it? Say now, '2 hours ago', or a date and time.",
            not_future=True,
            implied=_seen_now,
        ),
        Field(
            "still_there",
            "Still there",
            FieldKind.CHOICE,
            "Is it still there?",
            options=(
                Option("yes", "Yes"),
                Option("removed", "Removed"),
                Option("unknown", "Don't know"),
            ),
            implied=_still_there,
        ),
        Field(
            "extent",
            "Extent",
            FieldKind.CHOICE,
            "How much of it is there?",
            options=(
                Option("single", "A single item"),
                Option("several", "Several"),
                Option("widespread", "Widespread"),
            ),
            implied=_extent,
        ),
        Field(
            "already_reported",
            "Already reported",
            FieldKind.CHOICE,
            "Has it been reported anywhere already?",
            options=ALREADY_REPORTED,
            implied=_reported_to_999,
        ),
        Field(
            "report_reference",
            "Report reference",
            FieldKind.TEXT,
            "What reference were you given? Say skip if none.",
            required=False,
            max_length=60,
            when=Not(In("already_reported", ("none",))),
            implied=_cad_reference,
        ),
        Field(
            "removal_requested",
            "Removal requested",
            FieldKind.YES_NO,
            "Have you already asked for it to be removed?",
            ask=False,
            default="no",
            implied=_removal_asked,
        ),
        Field(
            "show_name",
            "Show my name to partners",
            FieldKind.YES_NO,
            "May other partners see your name on this report?",
            ask=False,
            default="no",
        ),
        Field(
            "marking",
            "Handling marking",
            FieldKind.CHOICE,
            "What handling marking applies?",
            options=MARKINGS,
            ask=False,
            default="official",
        ),
    ),
)
