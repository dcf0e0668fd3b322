"""One way to say no: a check returns `Allowed(value)` or `Refused(reason)`.

A refused button press is audited here (`refuse_press`, action.refused) and the reason told; a
refused confirmed form is raised (`refuse_form`, `granted`) for the turn loop, which rolls back
its writes and audits it once (form.refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, NoReturn, TypeVar

from bot.core.unit import ActionOutcome, ServiceError, UnitOfWork
from dialogs.messages import Say
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


async def refuse_press(
    uow: UnitOfWork, actor: Person, action: str, reference: str, refusal: Refused
) -> ActionOutcome:
    """A pressed button refused: audited (action.refused), the reason told, nothing changed."""
    return ActionOutcome([Say(await refused(uow, actor, action, reference, refusal))])


def refuse_form(refusal: Refused) -> NoReturn:
    """Refuse a confirmed form: raised for the turn loop to tell, roll back and audit once."""
    raise ServiceError(refusal.reason)


def granted(check: Check[T]) -> T:
    """The value a submitter's check allowed; its refusal is raised (`refuse_form`)."""
    if isinstance(check, Refused):
        refuse_form(check)
    return check.value
