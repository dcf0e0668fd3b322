"""One way to say no: a check returns `Allowed(value)` or `Refused(reason)`, and a refusal is
audited in one place (`refused`) before the person is told why, in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.core.unit import UnitOfWork
from storage.models import Person

T = TypeVar("T")


@dataclass(frozen=True)
class Allowed(Generic[T]):
    """The action may go ahead, on `value` (the record it acts on, or None)."""

    value: T


@dataclass(frozen=True)
class Refused:
    """The action may not go ahead (or not now); `reason` is safe to show as it is."""

    reason: str


Check = Allowed[T] | Refused


async def refused(
    uow: UnitOfWork, actor: Person, action: str, reference: str, refusal: Refused
) -> str:
    """Audit `refusal` of `action` on `reference` by `actor`; the reason to tell them."""
    await uow.audit(
        actor, "action.refused", reference, refused_action=action, reason=refusal.reason
    )
    return refusal.reason
