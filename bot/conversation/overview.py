"""What a person has open in the hub, for a home screen: concerns, requests, recommendations.

Only the actor's own records are listed (what they reported, requested or own), so no visibility
rule beyond ownership is needed; channels render the result and never query records themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.app import REGISTRY
from bot.core.module import OpenItem as OpenItem  # re-exported: home screens render it
from bot.core.module import Start as Start  # re-exported: home screens render it
from bot.core.unit import UnitOfWork
from storage.models import Person

CONCERNS, REQUESTS, RECOMMENDATIONS = "concerns", "requests", "recommendations"
"""The home screen's groups, each filled by the domain that registers it."""


@dataclass(frozen=True)
class Overview:
    """Everything open for one person, newest first (recommendations by reference)."""

    name: str
    in_directory: bool
    concerns: tuple[OpenItem, ...]
    requests: tuple[OpenItem, ...]
    recommendations: tuple[OpenItem, ...]
    starts: tuple[Start, ...]
    """The forms to offer, each only to someone it applies to (updating a recommendation only to
    someone who owns one)."""


async def overview(uow: UnitOfWork, actor: Person) -> Overview:
    """The actor's open concerns, information requests and recommendations."""

    async def group(name: str) -> tuple[OpenItem, ...]:
        listed = REGISTRY.open_items.get(name)
        return await listed(uow, actor) if listed else ()

    groups = {name: await group(name) for name in (CONCERNS, REQUESTS, RECOMMENDATIONS)}
    return Overview(
        actor.name,
        actor.in_directory,
        groups[CONCERNS],
        groups[REQUESTS],
        groups[RECOMMENDATIONS],
        tuple(s for s in REGISTRY.starts if not s.needs or groups.get(s.needs)),
    )


def open_to_everyone() -> tuple[Start, ...]:
    """The forms to offer anyone, whatever they have open (a greeting's buttons)."""
    return tuple(s for s in REGISTRY.starts if not s.needs)
