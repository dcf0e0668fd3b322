"""Answers straight from the hub: help, the status of a record, and each domain's questions.

Visibility is decided by the domain that answers, not in any renderer: a record the actor may
not see is answered exactly like a record that does not exist, so references cannot be probed.
"""

from __future__ import annotations

from bot.core import intents
from bot.core.intents import AskQuery
from bot.core.module import ANY_PREFIX, Registry
from bot.core.reference import NOT_FOUND, Reference
from bot.core.unit import UnitOfWork
from dialogs.messages import Outbound, Say
from storage.models import Person

INTRO = "I can help you to:"
LOOKUPS = (
    "- check a record: say 'status CN-2026-0001'",
    "- see what you reported or requested: 'my reports', 'my requests'",
)
"""What anyone can look up, whichever domain answers: between the domains' lines for everyone
and their lines for roles."""
IN_A_CONVERSATION = "In a conversation: help, back, skip, edit <field>, start over, cancel."
WHICH_RECORD = "Which record? Say status and its reference, for example: status CN-2026-0001."


def help_for(registry: Registry, actor: Person | None = None) -> str:
    """The help text: what anyone can do, then the lines for the roles the actor holds."""
    shown = [line for line in registry.help if line.shown_to(actor)]
    return "\n".join(
        [
            INTRO,
            *(line.text for line in shown if not line.roles),
            *LOOKUPS,
            *(line.text for line in shown if line.roles),
            IN_A_CONVERSATION,
        ]
    )


async def answer(registry: Registry, uow: UnitOfWork, actor: Person, ask: AskQuery) -> Outbound:
    """The answer to `ask`: help, a record's status, or the domain question it names."""
    if ask.query == intents.STATUS:
        return await status_of(registry, uow, actor, ask.argument)
    domain = registry.queries.get(ask.query)
    return await domain(uow, actor, ask.argument) if domain else Say(help_for(registry, actor))


async def status_of(registry: Registry, uow: UnitOfWork, actor: Person, reference: str) -> Outbound:
    """The status of `reference`, from the domain whose prefix it has, if the actor may see it."""
    if not reference:
        return Say(WHICH_RECORD)
    prefix = Reference(reference).prefix
    lookup = registry.status.get(prefix) or registry.status.get(ANY_PREFIX)
    return await lookup(uow, actor, reference) if lookup else Say(NOT_FOUND)
