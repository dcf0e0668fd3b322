"""How Prevent says no, in one place: a button press is refused and audited here; a confirmed
form is refused by raising, and the turn loop rolls its writes back and audits it (form.refused)."""

from __future__ import annotations

from typing import NoReturn, TypeVar

from bot.core.checks import Check, Refused, refused
from bot.core.unit import ActionOutcome, ServiceError, UnitOfWork
from dialogs.messages import Say
from storage.models import Person

T = TypeVar("T")


async def refuse_press(
    uow: UnitOfWork, actor: Person, action: str, reference: str, refusal: Refused
) -> ActionOutcome:
    """A pressed button refused: audited (action.refused), and the reason told, nothing changed."""
    return ActionOutcome([Say(await refused(uow, actor, action, reference, refusal))])


def refuse_form(refusal: Refused) -> NoReturn:
    """Refuse a confirmed form: raised for the turn loop to tell, roll back and audit once."""
    raise ServiceError(refusal.reason)


def granted(check: Check[T]) -> T:
    """The value a submitter's check allowed; its refusal is raised (`refuse_form`)."""
    if isinstance(check, Refused):
        refuse_form(check)
    return check.value
