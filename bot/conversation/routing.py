"""Routing free text that is not part of a conversation: which form to start, or which question.

Only the words every hub understands are known here (help, status, a record's reference with a
question word); every other rule comes from the domains, through the registry, in its order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.core.intents import HELP, STATUS, AskQuery, Intent, Rule, Typed
from bot.core.reference import Reference

HELP_WORDS = ("help", "?", "hi", "hello", "menu", "what can you do")
STATUS_WORDS = ("status", "status?", "check status")
ASKING = re.compile(r"\b(status|show|what|where|about)\b")


def route(rules: Iterable[Rule], text: str) -> Intent | None:
    """The intent of a message typed outside any conversation, or None when it is unclear."""
    said = Typed.of(text)
    if said.lowered in HELP_WORDS:
        return AskQuery(HELP)
    if said.lowered in STATUS_WORDS:
        return AskQuery(STATUS)
    reference = Reference.find(said.text)
    if reference and ASKING.search(said.lowered):
        return AskQuery(STATUS, reference.text)
    for rule in rules:
        intent = rule.match(said)
        if intent is not None:
            return intent
    return None
