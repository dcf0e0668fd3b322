"""Who may start which form: a form only some roles may complete is refused at its start.

Submitters check the actor's right again at confirm (roles change, buttons are forwarded); this
check spares someone answering every question of a form they can never submit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.unit import UnitOfWork
from bot.prevent import action_forms as concern_actions
from bot.prevent.alerts import is_manager
from bot.recommendations.forms import add as recommendation_add
from bot.recommendations.forms import manage as recommendation_manage
from bot.recommendations.items import is_coordinator
from storage.models import Person


@dataclass(frozen=True)
class RoleGate:
    """Only people `allowed` may start the form; others are told `refusal`."""

    allowed: Callable[[Person], bool]
    refusal: str


COORDINATORS = RoleGate(
    is_coordinator, "Only a partnership coordinator can change the register; nothing was started."
)
MANAGERS = RoleGate(
    is_manager, "Only the Prevent / Community Safety team can do that; nothing was started."
)

GATES: dict[str, RoleGate] = {
    recommendation_manage.FORM_ID: COORDINATORS,
    recommendation_add.FORM_ID: COORDINATORS,
    concern_actions.TENSION: MANAGERS,
    concern_actions.TRIGGER: MANAGERS,
}


async def refusal_to_start(uow: UnitOfWork, actor: Person, form_id: str) -> str:
    """Why `actor` may not start `form_id` (audited), or "" when they may."""
    gate = GATES.get(form_id)
    if gate is None or gate.allowed(actor):
        return ""
    await uow.audit(actor, "action.refused", "", refused_action=form_id, reason=gate.refusal)
    return gate.refusal
