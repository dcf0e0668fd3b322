"""The hub's answers over the composed domains, for callers that hold no registry (the Slack
slash command): the help for someone without a role, a record's status, the person's actions."""

from __future__ import annotations

from bot.app import REGISTRY
from bot.conversation.answers import answer, help_for, status_of
from bot.core.intents import AskQuery
from bot.core.unit import UnitOfWork
from dialogs.messages import Outbound
from storage.models import Person

HELP = help_for(REGISTRY)
"""The help for someone who holds no particular role."""


async def status(uow: UnitOfWork, actor: Person, reference: str) -> Outbound:
    """`status REF` over the composed domains, for the Slack slash command."""
    return await status_of(REGISTRY, uow, actor, reference)


async def my_actions(uow: UnitOfWork, actor: Person) -> Outbound:
    """`/saferhub actions` over the composed domains: the domain question named my_actions."""
    return await answer(REGISTRY, uow, actor, AskQuery("my_actions"))
