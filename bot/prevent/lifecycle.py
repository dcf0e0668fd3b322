"""The concern life cycle as one table: which action, from which status, by whom, to which status.

Pure data and pure functions (no I/O, no clock). The alert's buttons come from `notice_actions`
and every press or confirmed form is checked with `check`, so the buttons a manager sees and the
actions the hub accepts can never disagree. DOMAIN.md section 2 gives the cycle:

new -> acknowledged (acknowledge, or assign / refer / request removal, which take it on) ->
closed with an outcome | duplicate of an earlier concern; the priority can be changed while it is
open, and an alert not acknowledged in time steps up (the escalation sweep, not a person).

A manager may ask the reporter a question while the concern is open (`ask`); the reporter answers
it (`answer`, only they, only a question that waits). A removal runs beside it, in its own table (`REMOVAL_STEPS`): requested -> removed | cannot_remove,
by the liaison officers of the partner asked to remove it (or a manager); "Not ours" passes the
request to another remover and leaves it requested. The concern stays open for a manager to close.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.checks import Allowed, Check, Refused
from bot.core.roles import Role
from dialogs.messages import NoticeAction

ACTION_PREFIX = "concern."
NOT_A_MANAGER = "Only the Prevent / Community Safety team can act on concern alerts."
NOT_THE_REMOVER = (
    "Only the team asked to remove it, or the Prevent / Community Safety team, can answer a "
    "removal request."
)


class ConcernStatus(StrEnum):
    """Where a concern is in its life cycle; stored as its value."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DUPLICATE = "duplicate"
    CLOSED = "closed"


OPEN = frozenset({ConcernStatus.NEW, ConcernStatus.ACKNOWLEDGED})
FINAL = frozenset({ConcernStatus.DUPLICATE, ConcernStatus.CLOSED})
MANAGERS = frozenset({Role.PREVENT_MANAGER, Role.ADMIN})


class RemovalStatus(StrEnum):
    """Where a removal request stands; stored as its value on the concern."""

    REQUESTED = "requested"
    REMOVED = "removed"
    CANNOT_REMOVE = "cannot_remove"


REMOVAL_WORDS: dict[RemovalStatus, str] = {
    RemovalStatus.REQUESTED: "removal requested",
    RemovalStatus.REMOVED: "removed",
    RemovalStatus.CANNOT_REMOVE: "removal not possible",
}


class ConcernAction(StrEnum):
    """What a manager can do from an alert; the button is `concern.<value>`."""

    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    REFER = "refer"
    REQUEST_REMOVAL = "request_removal"
    CHANGE_PRIORITY = "change_priority"
    DUPLICATE = "duplicate"
    CLOSE = "close"
    ASK = "ask"


class ReporterAction(StrEnum):
    """What the reporter can do from a question about their concern; the button is
    `concern.<value>`."""

    ANSWER = "answer"


class RemovalAction(StrEnum):
    """What the remover can do from a removal request; the button is `concern.<value>`."""

    REMOVED = "removed"
    CANNOT_REMOVE = "cannot_remove"
    NOT_OURS = "not_ours"


class ConcernChange(StrEnum):
    """What happened to a concern: a ConcernEvent's kind, audited as `concern.<value>`."""

    REPORTED = "reported"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    REFERRED = "referred"
    REMOVAL_REQUESTED = "removal_requested"
    PRIORITY_CHANGED = "priority_changed"
    DUPLICATE = "duplicate"
    CLOSED = "closed"
    ESCALATED = "escalated"
    REMOVED = "removed"
    CANNOT_REMOVE = "cannot_remove"
    REMOVAL_PASSED_ON = "removal_passed_on"
    REMOVAL_REMINDED = "removal_reminded"
    REMOVAL_OVERDUE = "removal_overdue"
    REPORTER_ASKED = "reporter_asked"
    REPORTER_ANSWERED = "reporter_answered"


@dataclass(frozen=True)
class ConcernState:
    """What the life cycle needs to know of one concern: its status and how to say it."""

    reference: str
    status: ConcernStatus
    duplicate_of: str = ""
    outcome: str = ""
    removal: RemovalStatus | None = None

    @property
    def text(self) -> str:
        """The concern's state in a few words."""
        if self.status is ConcernStatus.DUPLICATE:
            return f"duplicate of {self.duplicate_of}"
        if self.status is ConcernStatus.CLOSED:
            return f"closed: {self.outcome}"
        if self.status is ConcernStatus.ACKNOWLEDGED:
            return "acknowledged" + (f", {REMOVAL_WORDS[self.removal]}" if self.removal else "")
        return "waiting for acknowledgement"


@dataclass(frozen=True)
class Transition:
    """One row of the table: `action` by one of `roles` moves `source` to `target`, recorded as
    `change`; `label` and `style` make its button."""

    action: ConcernAction
    source: ConcernStatus
    target: ConcernStatus
    change: ConcernChange
    label: str
    roles: frozenset[Role] = MANAGERS
    style: str = ""


def _from_open(
    action: ConcernAction, target: ConcernStatus | None, change: ConcernChange, label: str
) -> tuple[Transition, ...]:
    """The rows of an action allowed on any open concern (`target` None: the status stays)."""
    return tuple(
        Transition(action, source, target or source, change, label)
        for source in (ConcernStatus.NEW, ConcernStatus.ACKNOWLEDGED)
    )


S = ConcernStatus
A = ConcernAction
C = ConcernChange

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        A.ACKNOWLEDGE, S.NEW, S.ACKNOWLEDGED, C.ACKNOWLEDGED, "Acknowledge", style="primary"
    ),
    *_from_open(A.ASSIGN, S.ACKNOWLEDGED, C.ASSIGNED, "Assign"),
    *_from_open(A.REFER, S.ACKNOWLEDGED, C.REFERRED, "Refer"),
    *_from_open(A.REQUEST_REMOVAL, S.ACKNOWLEDGED, C.REMOVAL_REQUESTED, "Request removal"),
    *_from_open(A.CHANGE_PRIORITY, None, C.PRIORITY_CHANGED, "Change priority"),
    *_from_open(A.DUPLICATE, S.DUPLICATE, C.DUPLICATE, "Duplicate"),
    *_from_open(A.CLOSE, S.CLOSED, C.CLOSED, "Close"),
    *_from_open(A.ASK, None, C.REPORTER_ASKED, "Ask the reporter"),
)


def may_act(roles: frozenset[Role]) -> bool:
    """Whether someone holding `roles` may act on concern alerts at all."""
    return bool(roles & MANAGERS)


def check(state: ConcernState, action: ConcernAction, roles: frozenset[Role]) -> Check[Transition]:
    """Whether someone holding `roles` may take `action` on a concern in `state` now.

    The first reason that applies is given: not on the team, a concern already dealt with, the
    action already taken (acknowledging twice).
    """
    if not may_act(roles):
        return Refused(NOT_A_MANAGER)
    if state.status in FINAL:
        return Refused(f"{state.reference} is already {state.text}; nothing was changed.")
    for row in TRANSITIONS:
        if row.action is action and row.source is state.status and row.roles & roles:
            return Allowed(row)
    return Refused(f"{state.reference} was already {state.status.value}.")


def available(status: ConcernStatus, roles: frozenset[Role]) -> tuple[Transition, ...]:
    """Every transition someone holding `roles` may take now, in table order: the buttons."""
    return tuple(row for row in TRANSITIONS if row.source is status and row.roles & roles)


def action_name(action: ConcernAction | RemovalAction | ReporterAction) -> str:
    """The button name of a life-cycle action (concern.acknowledge...)."""
    return f"{ACTION_PREFIX}{action.value}"


def notice_actions(
    reference: str, status: ConcernStatus, roles: frozenset[Role]
) -> tuple[NoticeAction, ...]:
    """The buttons to put on an alert about `reference` for people holding `roles`."""
    return tuple(
        NoticeAction(action_name(t.action), t.label, reference, t.style)
        for t in available(status, roles)
    )


@dataclass(frozen=True)
class RemovalStep:
    """One row of the removal table: `action` moves a removal from `source` to `target`,
    recorded as `change`; `label` and `style` make its button on the remover's notice."""

    action: RemovalAction
    source: RemovalStatus
    target: RemovalStatus
    change: ConcernChange
    label: str
    style: str = ""


R = RemovalStatus
RA = RemovalAction

REMOVAL_STEPS: tuple[RemovalStep, ...] = (
    RemovalStep(RA.REMOVED, R.REQUESTED, R.REMOVED, C.REMOVED, "Removed", "primary"),
    RemovalStep(
        RA.CANNOT_REMOVE, R.REQUESTED, R.CANNOT_REMOVE, C.CANNOT_REMOVE, "Can't remove", "danger"
    ),
    RemovalStep(RA.NOT_OURS, R.REQUESTED, R.REQUESTED, C.REMOVAL_PASSED_ON, "Not ours"),
)


def check_removal(
    state: ConcernState, action: RemovalAction, roles: frozenset[Role], remover: bool
) -> Check[RemovalStep]:
    """Whether someone may answer the removal request now: the remover's liaison officers
    (`remover`) or a manager, on an open concern whose removal is still requested."""
    if not (remover or may_act(roles)):
        return Refused(NOT_THE_REMOVER)
    if state.status in FINAL:
        return Refused(f"{state.reference} is already {state.text}; nothing was changed.")
    if state.removal is None:
        return Refused(f"No removal was requested for {state.reference}; nothing was changed.")
    for row in REMOVAL_STEPS:
        if row.action is action and row.source is state.removal:
            return Allowed(row)
    return Refused(
        f"{state.reference} is already marked {REMOVAL_WORDS[state.removal]}; nothing was changed."
    )


def removal_steps(status: ConcernStatus, removal: RemovalStatus | None) -> tuple[RemovalStep, ...]:
    """Every removal step the remover may take now, in table order: the buttons."""
    if status in FINAL or removal is None:
        return ()
    return tuple(row for row in REMOVAL_STEPS if row.source is removal)


def removal_actions(
    reference: str, status: ConcernStatus, removal: RemovalStatus | None
) -> tuple[NoticeAction, ...]:
    """The buttons to put on the remover's notice about `reference`."""
    return tuple(
        NoticeAction(action_name(step.action), step.label, reference, step.style)
        for step in removal_steps(status, removal)
    )
