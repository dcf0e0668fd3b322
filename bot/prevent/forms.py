"""The visual-audit concern (Prevent reporting): two safety gates, then what was seen and where."""

from __future__ import annotations

from dialogs.form import Advice, Eq, Field, FieldKind, FormDefinition, In, Not
from dialogs.messages import Option

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

HATE_RELATED = Not(Eq("category", "other_visual"))

EMERGENCY_ADVICE = (
    "Call 999 now. This bot is not monitored around the clock. When you are safe, carry on here "
    "and the concern will be recorded."
)
PERSON_ADVICE = (
    "A visual audit is about places, so nothing about a person will be recorded here. Please "
    "speak to your organisation's Prevent lead, or use the national Prevent referral process. If "
    "anyone is in immediate danger, call 999."
)

FORM = FormDefinition(
    id=FORM_ID,
    version=1,
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
            advice=(Advice(Eq("about_person", "yes"), PERSON_ADVICE, ends_form=True),),
        ),
        Field(
            "category",
            "Category",
            FieldKind.CHOICE,
            "What kind of concern is it?",
            options=CATEGORIES,
            help="Pick the closest. 'Other visual concern' goes to street cleansing.",
        ),
        Field(
            "description",
            "Description",
            FieldKind.TEXT,
            "Describe what you saw, with the exact wording or symbol if you can.",
            max_length=1000,
        ),
        Field(
            "location",
            "Location",
            FieldKind.LOCATION,
            "Where is it? A street or postcode and a landmark, or 'latitude, longitude'.",
            max_length=300,
        ),
        Field(
            "location_type",
            "Location type",
            FieldKind.CHOICE,
            "What kind of place is it?",
            options=LOCATION_TYPES,
        ),
        Field(
            "seen_at",
            "When seen",
            FieldKind.DATETIME,
            "When did you see it? Say now, '2 hours ago', or a date and time.",
            not_future=True,
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
        ),
        Field(
            "targets",
            "Targets",
            FieldKind.MULTI,
            "Who does it target? Choose all that apply, separated by commas.",
            options=TARGETS,
            when=HATE_RELATED,
        ),
        Field(
            "threat_violence",
            "Threatens violence",
            FieldKind.YES_NO_UNSURE,
            "Does it threaten violence?",
            when=HATE_RELATED,
        ),
        Field(
            "names_target",
            "Names a person or place",
            FieldKind.YES_NO_UNSURE,
            "Does it name a person, an address or an organisation?",
            when=HATE_RELATED,
        ),
        Field(
            "terror_reference",
            "Terrorist reference",
            FieldKind.YES_NO_UNSURE,
            "Does it refer to a terrorist or banned group, an attack or an attacker?",
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
            "already_reported",
            "Already reported",
            FieldKind.CHOICE,
            "Has it been reported anywhere already?",
            options=ALREADY_REPORTED,
        ),
        Field(
            "report_reference",
            "Report reference",
            FieldKind.TEXT,
            "What reference were you given? Say skip if none.",
            required=False,
            max_length=60,
            when=Not(In("already_reported", ("none",))),
        ),
        Field(
            "removal_requested",
            "Removal requested",
            FieldKind.YES_NO,
            "Have you already asked for it to be removed?",
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
