"""What a reporter's own words already say: the kind of concern, whom it targets, the place and
how much of it there is. The report form takes these as answers instead of asking (each shown in
the summary to change), so a typical report takes a handful of messages.

Word lists, not a model: every inference is a rule a manager can read, and one that misses only
means the question is asked.
"""

from __future__ import annotations

import re

from dialogs.messages import JsonValue
from dialogs.parsing import normalise_postcode, parse_location

CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bfly-?post\w*|\bfly ?tip\w*", "other_visual"),
    (r"\b(glorif\w*|martyr)\b", "glorification"),
    (r"\b(swastika|isis|daesh|terror\w*|extremis\w*|banned group|nazi)\b", "extremist_symbol"),
    (r"\b(threat\w*|kill|death to)\b", "threat"),
    (r"\b(recruit\w*|propaganda|qr code|flyers?)\b", "recruitment"),
    (r"\b(stickers?|posters?|leaflets?)\b", "hate_sticker"),
    (r"\b(graffiti|tag\w*|spray\w*|daubed)\b", "hate_graffiti"),
    (r"\b(symbol|sign)\b", "unidentified"),
)
HATE_ONLY = frozenset({"hate_graffiti", "hate_sticker"})
"""Categories that need a hate word or a target group to be read from the text: 'graffiti on
the bridge' alone may be ordinary tagging, so the question is asked."""
TARGET_WORDS: tuple[tuple[str, str], ...] = (
    (r"\b(racis\w*|racial\w*|ethnic\w*|anti-?black|xenophob\w*)\b", "race"),
    (
        r"\b(antisemit\w*|anti-?semit\w*|islamophob\w*|anti-?muslim|religio\w*|sectarian)\b",
        "religion",
    ),
    (r"\b(homophob\w*|anti-?gay|lesbian|gay)\b", "sexual_orientation"),
    (r"\b(transphob\w*|anti-?trans)\b", "transgender"),
    (r"\b(disabl\w*|ableis\w*)\b", "disability"),
)
PLACE_WORDS: tuple[tuple[str, str], ...] = (
    (r"\bbus (stop|shelter)\b|\bstation\b", "transport"),
    (r"\b(mosque|church|synagogue|temple|gurdwara)\b", "place_of_worship"),
    (r"\b(school|college)\b", "school"),
    (r"\bcommunity cent(re|er)\b", "community_centre"),
    (r"\b(shop|shutter)s?\b", "shop_front"),
    (r"\b(bridge|wall|hoardings?|underpass)\b", "wall_bridge"),
    (r"\b(lamp ?posts?|lampposts?|bins?|bench(es)?|signposts?|phone box)\b", "street_furniture"),
    (r"\bpark\b", "park"),
    (r"\b(pub|bar)\b", "licensed_premises"),
    (r"\bestate\b", "housing_estate"),
)
EXTENT_WORDS: tuple[tuple[str, str], ...] = (
    (r"\b(all over|everywhere|widespread|whole (street|area|estate))\b", "widespread"),
    (r"\b(several|lots|many|dozens?|a few|multiple|of them)\b", "several"),
)
REMOVED_WORDS = re.compile(r"\b(been removed|was removed|cleaned off|painted over|now gone)\b")
PLACE_AFTER = re.compile(
    r"\b(?:on|in|at|near|outside|by|along|opposite)\s+"
    r"((?:the\s+)?[A-Z0-9][\w'\-]*(?:\s+[A-Z0-9][\w'\-]*){0,4})"
)
MIN_DESCRIPTION_WORDS = 4


def category_in(text: str) -> str | None:
    """The concern category the words name, if they name one plainly."""
    lowered = text.lower()
    for pattern, value in CATEGORY_WORDS:
        if re.search(pattern, lowered):
            hateful = targets_in(text) or "hate" in lowered
            return None if value in HATE_ONLY and not hateful else value
    return None


def targets_in(text: str) -> list[str]:
    """The groups the words say it targets, in the form's order."""
    lowered = text.lower()
    return [value for pattern, value in TARGET_WORDS if re.search(pattern, lowered)]


def place_type_in(text: str) -> str | None:
    """The kind of place the words name ('bus stop' is transport)."""
    lowered = text.lower()
    return next((value for pattern, value in PLACE_WORDS if re.search(pattern, lowered)), None)


def extent_in(text: str) -> str | None:
    """How much of it the words say there is, when they say."""
    lowered = text.lower()
    return next((value for pattern, value in EXTENT_WORDS if re.search(pattern, lowered)), None)


def says_removed(text: str) -> bool:
    """Whether the words say it is gone already."""
    return REMOVED_WORDS.search(text.lower()) is not None


def place_in(text: str) -> str | None:
    """The place the words name: 'Cheapside' in 'on the bus stop on Cheapside', and the street
    with its postcode in 'outside 20 Cheapside, EC2V 6BR'."""
    postcode = normalise_postcode(text)
    places = [m.group(1) for m in PLACE_AFTER.finditer(text)]
    named = [p for p in places if not p.lower().startswith("the ") and len(p) >= 3]
    if postcode and named and postcode not in named[-1].upper():
        return f"{named[-1]}, {postcode}"
    if postcode:
        return postcode
    return named[-1] if named else None


def location_in(text: str) -> JsonValue:
    """The place the words name as a location answer, or None."""
    place = place_in(text)
    if place is None:
        return None
    parsed = parse_location(place, 300)
    return parsed.value if parsed.ok else None


def report_slots(text: str) -> dict[str, JsonValue]:
    """What a first sentence such as "racist graffiti on the bus stop on Cheapside" answers.

    A sentence that says what and where is the description too; a bare "report" says nothing.
    """
    slots: dict[str, JsonValue] = {}
    category, targets = category_in(text), targets_in(text)
    place_type, location = place_type_in(text), location_in(text)
    if category:
        slots["category"] = category
    if targets:
        slots["targets"] = list(targets)
    if place_type:
        slots["location_type"] = place_type
    if location is not None:
        slots["location"] = location
    substantive = len(text.split()) >= MIN_DESCRIPTION_WORDS
    if substantive and (category or location is not None):
        slots["description"] = text.strip()[:1000]
    return slots
