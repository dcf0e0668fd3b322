"""How typed text routes to Prevent: a report starts the concern form with what it recognised.

"There's racist graffiti on the bus stop on Cheapside" starts the concern form with the category,
target and location already filled in, so the user is asked only for what is missing.
"""

from __future__ import annotations

import re

from bot.core.intents import AskQuery, Intent, Rule, StartForm, Tier, Typed
from bot.prevent import action_forms, forms
from bot.prevent.queries import Question
from dialogs.messages import JsonValue
from dialogs.parsing import normalise_postcode

CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    (r"\b(glorif\w*|martyr)\b", "glorification"),
    (r"\b(swastika|isis|daesh|terror\w*|extremis\w*|banned group|nazi)\b", "extremist_symbol"),
    (r"\b(threat\w*|kill|death to)\b", "threat"),
    (r"\b(recruit\w*|propaganda|qr code|flyers?)\b", "recruitment"),
    (r"\b(stickers?|posters?|leaflets?)\b", "hate_sticker"),
    (r"\b(graffiti|tag\w*|spray\w*|daubed)\b", "hate_graffiti"),
    (r"\b(symbol|sign)\b", "unidentified"),
)
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
    (r"\bshop\b", "shop_front"),
    (r"\b(bridge|wall)\b", "wall_bridge"),
    (r"\bpark\b", "park"),
    (r"\b(pub|bar)\b", "licensed_premises"),
    (r"\bestate\b", "housing_estate"),
)
CONCERN_TRIGGER = re.compile(
    r"\b(report|concern|graffiti|stickers?|posters?|leaflets?|symbol|hate|hateful|racis\w*|"
    r"extremis\w*|swastika|visual audit|daubed|propaganda)\b"
)
PLACE_AFTER = re.compile(
    r"\b(?:on|in|at|near|outside|by)\s+((?:the\s+)?[A-Z0-9][\w'\-]*(?:\s+[A-Z0-9][\w'\-]*){0,4})"
)


def mine(said: Typed) -> Intent | None:
    """'my reports': the concerns the person reported."""
    if said.lowered.startswith(("my reports", "my concerns")):
        return AskQuery(Question.MY_REPORTS)
    return None


def questions(said: Typed) -> Intent | None:
    """The Prevent manager's questions and flags."""
    lowered = said.lowered
    if lowered in ("open concerns", "open reports"):
        return AskQuery(Question.OPEN_CONCERNS)
    if lowered in ("hotspots", "hot spots", "show hotspots"):
        return AskQuery(Question.HOTSPOTS)
    if lowered in ("tension areas", "elevated tension areas", "list tension"):
        return AskQuery(Question.TENSION_AREAS)
    near = re.match(r"^concerns (?:near|on|in|around) (.+)$", said.text, re.IGNORECASE)
    if near:
        return AskQuery(Question.CONCERNS_NEAR, near.group(1).strip())
    if re.search(r"\b(elevated tension|mark tension)\b", lowered):
        return StartForm(action_forms.TENSION)
    if re.search(r"\btrigger event\b", lowered):
        return StartForm(action_forms.TRIGGER)
    return None


def report(said: Typed) -> Intent | None:
    """A report in the person's own words: the concern form, with what it recognised."""
    if CONCERN_TRIGGER.search(said.lowered):
        return StartForm(forms.FORM_ID, concern_slots(said.text))
    return None


RULES = (
    Rule(Tier.MINE, mine),
    Rule(Tier.QUESTION, questions),
    Rule(Tier.TOPIC, report),
)


def concern_slots(text: str) -> dict[str, JsonValue]:
    """Category, targets, place type and location recognised in a free-text report."""
    lowered = text.lower()
    slots: dict[str, JsonValue] = {}
    targets = [value for pattern, value in TARGET_WORDS if re.search(pattern, lowered)]
    for pattern, value in CATEGORY_WORDS:
        if re.search(pattern, lowered):
            category = value
            if value in ("hate_graffiti", "hate_sticker") and not targets and "hate" not in lowered:
                break
            slots["category"] = category
            break
    if targets:
        slots["targets"] = list(targets)
    for pattern, value in PLACE_WORDS:
        if re.search(pattern, lowered):
            slots["location_type"] = value
            break
    place = _place(text)
    if place:
        slots["location"] = {
            "text": place,
            "postcode": normalise_postcode(place),
            "lat": None,
            "lon": None,
        }
    return slots


def _place(text: str) -> str | None:
    postcode = normalise_postcode(text)
    if postcode:
        return postcode
    places = [m.group(1) for m in PLACE_AFTER.finditer(text)]
    named = [p for p in places if not p.lower().startswith("the ")]
    if not named:
        return None
    place = named[-1]
    return place if len(place) >= 3 else None
