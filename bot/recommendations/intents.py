"""How typed text routes to the register: its commands, my actions, and an owner's update.

A coordinator names an item and a change ('reassign VUL-18'); an owner says 'update VUL-18'.
"""

from __future__ import annotations

import re

from bot.core.intents import STATUS, AskQuery, Intent, Rule, StartForm, Tier, Typed
from bot.core.reference import Reference
from bot.recommendations.forms import add, manage, update
from bot.recommendations.queries import Question

UPDATE_TRIGGER = re.compile(r"\b(update|progress|done|completed|blocked|extension)\b")
CHANGES = {
    "reassign": "reassign",
    "withdraw": "withdraw",
    "verify": "verify",
    "reopen": "reopen",
    "approve": "approve_extension",
    "refuse": "refuse_extension",
    "rag": "rag",
}


def commands(said: Typed) -> Intent | None:
    """Overdue items, one service's items, the progress report, adding an item, an item's
    status, an owner's update and a coordinator's changes ('reassign VUL-18')."""
    cleaned, lowered = said.text, said.lowered
    if lowered in ("overdue actions", "overdue recommendations", "overdue"):
        return AskQuery(Question.OVERDUE_ACTIONS)
    service = re.match(r"^(?:actions|recommendations) (?:for|of) (.+)$", cleaned, re.IGNORECASE)
    if service:
        return AskQuery(Question.ACTIONS_FOR, service.group(1).strip())
    if lowered in ("progress report", "report progress", "recommendations progress"):
        return AskQuery(Question.PROGRESS_REPORT)
    if re.match(r"^(add|new) (an? )?(action|recommendation)\b", lowered):
        return StartForm(add.FORM_ID)
    found = Reference.find_item(cleaned)
    if found is None:
        return None
    reference = found.text
    first = lowered.split()[0]
    if first in ("status", "show"):
        return AskQuery(STATUS, reference)
    if first == "update":
        return StartForm(update.FORM_ID, {"recommendation": reference})
    if first in CHANGES:
        return StartForm(manage.FORM_ID, {"recommendation": reference, "change": CHANGES[first]})
    if first in ("change", "manage"):
        return StartForm(manage.FORM_ID, {"recommendation": reference})
    return None


def mine(said: Typed) -> Intent | None:
    """'my actions': the recommendations the person owns."""
    if said.lowered.startswith(("my actions", "my recommendations", "actions")):
        return AskQuery(Question.MY_ACTIONS)
    return None


def update_asked(said: Typed) -> Intent | None:
    """'update an action', 'blocked on my recommendation': the owner's update form."""
    lowered = said.lowered
    if UPDATE_TRIGGER.search(lowered) and re.search(r"\b(action|recommendation)s?\b", lowered):
        return StartForm(update.FORM_ID)
    return None


RULES = (
    Rule(Tier.COMMAND, commands),
    Rule(Tier.MINE, mine),
    Rule(Tier.TOPIC_PAIR, update_asked),
)
