"""Routing free text that is not part of a conversation: which form to start, or which question.

"There's racist graffiti on the bus stop on Cheapside" starts the concern form with the category,
target and location already filled in, so the user is asked only for what is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from bot.prevent import action_forms as concern_actions
from bot.prevent import forms as concern
from bot.recommendations.forms import add as recommendation_add
from bot.recommendations.forms import manage as recommendation_manage
from bot.recommendations.forms import update as recommendation_update
from bot.sharing import forms as info_request
from dialogs.messages import JsonValue
from dialogs.parsing import ascii_digits, clean_text, normalise_postcode

REFERENCE = re.compile(r"\b([A-Z]{2,3})-(\d{4})-(\d{4,6})\b", re.IGNORECASE)


class Query(StrEnum):
    """Questions answered straight from the hub, without a form."""

    HELP = "help"
    STATUS = "status"
    MY_ACTIONS = "my_actions"
    MY_REPORTS = "my_reports"
    MY_REQUESTS = "my_requests"
    OPEN_CONCERNS = "open_concerns"
    CONCERNS_NEAR = "concerns_near"
    HOTSPOTS = "hotspots"
    TENSION_AREAS = "tension_areas"
    OVERDUE_ACTIONS = "overdue_actions"
    ACTIONS_FOR = "actions_for"
    PROGRESS_REPORT = "progress_report"


@dataclass(frozen=True)
class StartForm:
    """Start `form_id` with `prefill` answers."""

    form_id: str
    prefill: dict[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True)
class AskQuery:
    """Answer `query`, about `argument` (a reference) when it has one."""

    query: Query
    argument: str = ""


Intent = StartForm | AskQuery

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
REQUEST_TRIGGER = re.compile(r"\b(request|information|info|data|share|sharing|disclos\w*)\b")
UPDATE_TRIGGER = re.compile(r"\b(update|progress|done|completed|blocked|extension)\b")
PLACE_AFTER = re.compile(
    r"\b(?:on|in|at|near|outside|by)\s+((?:the\s+)?[A-Z0-9][\w'\-]*(?:\s+[A-Z0-9][\w'\-]*){0,4})"
)


def route(text: str) -> Intent | None:
    """The intent of a message typed outside any conversation, or None when it is unclear."""
    cleaned = clean_text(text)
    lowered = " ".join(cleaned.lower().split())
    if lowered in ("help", "?", "hi", "hello", "menu", "what can you do"):
        return AskQuery(Query.HELP)
    if lowered in ("status", "status?", "check status"):
        return AskQuery(Query.STATUS)
    reference = REFERENCE.search(cleaned)
    if reference and re.search(r"\b(status|show|what|where|about)\b", lowered):
        return AskQuery(Query.STATUS, ascii_digits(reference.group(0)).upper())
    register = _register_intent(cleaned, lowered)
    if register is not None:
        return register
    if lowered.startswith(("my actions", "my recommendations", "actions")):
        return AskQuery(Query.MY_ACTIONS)
    if lowered.startswith(("my reports", "my concerns")):
        return AskQuery(Query.MY_REPORTS)
    if lowered.startswith("my requests"):
        return AskQuery(Query.MY_REQUESTS)
    prevent = _prevent_intent(cleaned, lowered)
    if prevent is not None:
        return prevent
    if UPDATE_TRIGGER.search(lowered) and re.search(r"\b(action|recommendation)s?\b", lowered):
        return StartForm(recommendation_update.FORM_ID)
    if CONCERN_TRIGGER.search(lowered):
        return StartForm(concern.FORM_ID, concern_slots(cleaned))
    if REQUEST_TRIGGER.search(lowered):
        return StartForm(info_request.FORM_ID)
    return None


def _prevent_intent(cleaned: str, lowered: str) -> Intent | None:
    """The Prevent manager's questions and flags."""
    if lowered in ("open concerns", "open reports"):
        return AskQuery(Query.OPEN_CONCERNS)
    if lowered in ("hotspots", "hot spots", "show hotspots"):
        return AskQuery(Query.HOTSPOTS)
    if lowered in ("tension areas", "elevated tension areas", "list tension"):
        return AskQuery(Query.TENSION_AREAS)
    near = re.match(r"^concerns (?:near|on|in|around) (.+)$", cleaned, re.IGNORECASE)
    if near:
        return AskQuery(Query.CONCERNS_NEAR, near.group(1).strip())
    if re.search(r"\b(elevated tension|mark tension)\b", lowered):
        return StartForm(concern_actions.TENSION)
    if re.search(r"\btrigger event\b", lowered):
        return StartForm(concern_actions.TRIGGER)
    return None


REGISTER_REFERENCE = re.compile(r"\b[A-Z]{2,5}-\d{1,3}\b", re.IGNORECASE)
REGISTER_CHANGES = {
    "reassign": "reassign",
    "withdraw": "withdraw",
    "verify": "verify",
    "reopen": "reopen",
    "approve": "approve_extension",
    "refuse": "refuse_extension",
    "rag": "rag",
}


def _register_intent(cleaned: str, lowered: str) -> Intent | None:
    """The recommendations register: overdue items, one service's items, the progress report,
    an item's status, an owner's update and a coordinator's changes ('reassign VUL-18')."""
    if lowered in ("overdue actions", "overdue recommendations", "overdue"):
        return AskQuery(Query.OVERDUE_ACTIONS)
    service = re.match(r"^(?:actions|recommendations) (?:for|of) (.+)$", cleaned, re.IGNORECASE)
    if service:
        return AskQuery(Query.ACTIONS_FOR, service.group(1).strip())
    if lowered in ("progress report", "report progress", "recommendations progress"):
        return AskQuery(Query.PROGRESS_REPORT)
    if re.match(r"^(add|new) (an? )?(action|recommendation)\b", lowered):
        return StartForm(recommendation_add.FORM_ID)
    found = REGISTER_REFERENCE.search(cleaned)
    if found is None:
        return None
    reference = ascii_digits(found.group(0)).upper()
    first = lowered.split()[0]
    if first in ("status", "show"):
        return AskQuery(Query.STATUS, reference)
    if first == "update":
        return StartForm(recommendation_update.FORM_ID, {"recommendation": reference})
    if first in REGISTER_CHANGES:
        change = REGISTER_CHANGES[first]
        return StartForm(
            recommendation_manage.FORM_ID, {"recommendation": reference, "change": change}
        )
    if first in ("change", "manage"):
        return StartForm(recommendation_manage.FORM_ID, {"recommendation": reference})
    return None


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
