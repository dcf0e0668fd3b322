"""How typed text routes to information sharing: my requests, my queue, who holds what,
who can advise, and the request form."""

from __future__ import annotations

import re

from bot.core.intents import AskQuery, Intent, Rule, StartForm, Tier, Typed
from bot.sharing import forms
from bot.sharing.queries import Question

ADVISERS = re.compile(
    r"\b(who can advise|who (?:should|do|can) i (?:ask|consult)|who to (?:ask|consult)|"
    r"(?:my|our) (?:information governance|ig|prevent) lead)\b"
)
WHO_HOLDS = re.compile(r"^(?:who|which partners?) (?:holds?|has|have|keeps?) (.+?)\??$")
REQUEST_TRIGGER = re.compile(r"\b(request|information|info|data|share|sharing|disclos\w*)\b")


def mine(said: Typed) -> Intent | None:
    """'my requests': the information requests the person made."""
    return AskQuery(Question.MY_REQUESTS) if said.lowered.startswith("my requests") else None


QUEUE = re.compile(r"^(my queue|(requests|information requests) (to|for) my organi[sz]ation)\b")


def queue(said: Typed) -> Intent | None:
    """'my queue': what waits for the person's decision or answer."""
    return AskQuery(Question.MY_QUEUE) if QUEUE.match(said.lowered) else None


def questions(said: Typed) -> Intent | None:
    """'who holds tenancy records': partners from their catalogues; 'who can advise me': the
    person's information-governance and Prevent leads."""
    holds = WHO_HOLDS.match(said.lowered)
    if holds:
        return AskQuery(Question.WHO_HOLDS, holds.group(1))
    return AskQuery(Question.ADVISERS) if ADVISERS.search(said.lowered) else None


def request(said: Typed) -> Intent | None:
    """Asking for information in the person's own words starts the request form."""
    return StartForm(forms.FORM_ID) if REQUEST_TRIGGER.search(said.lowered) else None


RULES = (
    Rule(Tier.MINE, mine),
    Rule(Tier.MINE, queue),
    Rule(Tier.QUESTION, questions),
    Rule(Tier.TOPIC, request),
)
