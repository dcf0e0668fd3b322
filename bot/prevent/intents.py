"""How typed text routes to Prevent: a report starts the concern form with what it recognised.

"There's racist graffiti on the bus stop on Cheapside" starts the concern form with what it says
(see wording.py) already answered, so the user is asked only for what is missing.
"""

from __future__ import annotations

import re

from bot.core.intents import AskQuery, Intent, Rule, StartForm, Tier, Typed
from bot.prevent import action_forms, forms
from bot.prevent.queries import Question
from bot.prevent.wording import report_slots

CONCERN_TRIGGER = re.compile(
    r"\b(report|concern|graffiti|stickers?|posters?|leaflets?|symbol|hate|hateful|racis\w*|"
    r"extremis\w*|swastika|visual audit|daubed|propaganda|fly-?post\w*|death threats?)\b"
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
        return StartForm(forms.FORM_ID, report_slots(said.text))
    return None


RULES = (
    Rule(Tier.MINE, mine),
    Rule(Tier.QUESTION, questions),
    Rule(Tier.TOPIC, report),
)
