"""What a message typed outside any conversation asks for, and the rules domains route it by.

The conversation answers the generic words (help, status and a reference) itself; every other
rule comes from a domain's module and is tried tier by tier, in module order within a tier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

from dialogs.messages import JsonValue
from dialogs.parsing import clean_text

HELP = "help"
STATUS = "status"
"""The questions every hub answers, whatever its domains: help, and the status of a reference."""


@dataclass(frozen=True)
class Typed:
    """A message as typed (`text`, cleaned) and lower-cased with single spaces (`lowered`)."""

    text: str
    lowered: str

    @classmethod
    def of(cls, raw: str) -> Typed:
        """`raw` scrubbed of harmful characters, trimmed, and lower-cased for matching."""
        cleaned = clean_text(raw)
        return cls(cleaned, " ".join(cleaned.lower().split()))


@dataclass(frozen=True)
class StartForm:
    """Start `form_id` with `prefill` answers."""

    form_id: str
    prefill: dict[str, JsonValue] = field(default_factory=dict)


@dataclass(frozen=True)
class AskQuery:
    """Answer the question named `query`, about `argument` (a reference, a place) if it has one."""

    query: str
    argument: str = ""


Intent = StartForm | AskQuery


class Tier(IntEnum):
    """When a domain's rules are tried: all of one tier (in module order) before the next."""

    COMMAND = 1
    """A command or question that says exactly what it wants: 'overdue', 'reassign VUL-18'."""
    MINE = 2
    """The person's own records: 'my reports'."""
    QUESTION = 3
    """A team's questions and flags in its own words: 'hotspots', 'elevated tension'."""
    TOPIC_PAIR = 4
    """Two words together name a form: 'update' with 'action'."""
    TOPIC = 5
    """One word names a form: 'graffiti', 'information'."""


@dataclass(frozen=True)
class Rule:
    """A domain's routing rule: the intent of a typed message, or None when it is not its own."""

    tier: Tier
    match: Callable[[Typed], Intent | None]
