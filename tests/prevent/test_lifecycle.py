"""The concern life-cycle table against an independent statement of DOMAIN.md section 2.

Every (status, action, role) combination is checked: the legal ones move to the expected status,
every other one is refused with the reason a manager is told today, and nothing outside the list
below is ever allowed.
"""

from __future__ import annotations

import itertools

import pytest

from bot.core.checks import Allowed, Refused
from bot.core.roles import Role
from bot.prevent.lifecycle import (
    FINAL,
    MANAGERS,
    OPEN,
    TRANSITIONS,
    ConcernAction,
    ConcernState,
    ConcernStatus,
    RemovalAction,
    RemovalStatus,
    available,
    check,
    check_removal,
    notice_actions,
    removal_actions,
    removal_steps,
)

S, A = ConcernStatus, ConcernAction
R, RA = RemovalStatus, RemovalAction
REFERENCE = "CN-2026-0001"
ON_OPEN = {
    A.ASSIGN: S.ACKNOWLEDGED,
    A.REFER: S.ACKNOWLEDGED,
    A.REQUEST_REMOVAL: S.ACKNOWLEDGED,
    A.DUPLICATE: S.DUPLICATE,
    A.CLOSE: S.CLOSED,
}

# (from, action) -> to, for a Prevent manager or an admin: the cycle written out by hand.
LEGAL: dict[tuple[ConcernStatus, ConcernAction], ConcernStatus] = {
    (S.NEW, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    **{(s, action): to for s in (S.NEW, S.ACKNOWLEDGED) for action, to in ON_OPEN.items()},
    (S.NEW, A.CHANGE_PRIORITY): S.NEW,
    (S.ACKNOWLEDGED, A.CHANGE_PRIORITY): S.ACKNOWLEDGED,
    (S.NEW, A.ASK): S.NEW,  # asking the reporter leaves the status as it is
    (S.ACKNOWLEDGED, A.ASK): S.ACKNOWLEDGED,
}
STATES = {
    S.NEW: ConcernState(REFERENCE, S.NEW),
    S.ACKNOWLEDGED: ConcernState(REFERENCE, S.ACKNOWLEDGED),
    S.DUPLICATE: ConcernState(REFERENCE, S.DUPLICATE, duplicate_of="CN-2026-0000"),
    S.CLOSED: ConcernState(REFERENCE, S.CLOSED, outcome="Removed"),
}
REFUSALS = {
    S.DUPLICATE: f"{REFERENCE} is already duplicate of CN-2026-0000; nothing was changed.",
    S.CLOSED: f"{REFERENCE} is already closed: Removed; nothing was changed.",
    S.ACKNOWLEDGED: f"{REFERENCE} was already acknowledged.",
}
EVERY = list(itertools.product(ConcernStatus, ConcernAction, Role))


@pytest.mark.parametrize(("status", "action", "role"), EVERY, ids=lambda v: str(v))
def test_every_combination_is_answered_as_the_domain_says(status, action, role):
    verdict = check(STATES[status], action, frozenset({role}))
    expected = LEGAL.get((status, action)) if role in (Role.PREVENT_MANAGER, Role.ADMIN) else None
    if expected is not None:
        assert isinstance(verdict, Allowed) and verdict.value.target is expected
    elif role not in (Role.PREVENT_MANAGER, Role.ADMIN):
        assert verdict == Refused(
            "Only the Prevent / Community Safety team can act on concern alerts."
        )
    else:
        assert verdict == Refused(REFUSALS[status])


def test_the_table_has_no_row_the_domain_does_not_list():
    rows = {(t.source, t.action): t.target for t in TRANSITIONS}
    assert rows == LEGAL
    assert all(t.roles == MANAGERS for t in TRANSITIONS)
    assert set(OPEN) | set(FINAL) == set(ConcernStatus) and not OPEN & FINAL


def test_a_concern_dealt_with_offers_nothing():
    for status in FINAL:
        assert available(status, frozenset(Role)) == ()


def test_the_alert_buttons_come_from_the_table():
    new = notice_actions(REFERENCE, S.NEW, MANAGERS)
    assert [(b.action, b.label, b.style) for b in new] == [
        ("concern.acknowledge", "Acknowledge", "primary"),
        ("concern.assign", "Assign", ""),
        ("concern.refer", "Refer", ""),
        ("concern.request_removal", "Request removal", ""),
        ("concern.change_priority", "Change priority", ""),
        ("concern.duplicate", "Duplicate", ""),
        ("concern.close", "Close", ""),
        ("concern.ask", "Ask the reporter", ""),
    ]
    assert all(b.reference == REFERENCE for b in new)
    taken_on = notice_actions(REFERENCE, S.ACKNOWLEDGED, MANAGERS)
    assert [b.label for b in taken_on] == [b.label for b in new][1:]
    assert notice_actions(REFERENCE, S.NEW, frozenset({Role.STAFF})) == ()


def test_the_status_in_words():
    assert STATES[S.NEW].text == "waiting for acknowledgement"
    assert ConcernState(REFERENCE, S.ACKNOWLEDGED, removal=R.REQUESTED).text == (
        "acknowledged, removal requested"
    )
    assert (
        ConcernState(REFERENCE, S.ACKNOWLEDGED, removal=R.REMOVED).text == "acknowledged, removed"
    )
    assert ConcernState(REFERENCE, S.ACKNOWLEDGED, removal=R.CANNOT_REMOVE).text == (
        "acknowledged, removal not possible"
    )
    assert STATES[S.CLOSED].text == "closed: Removed"
    assert STATES[S.DUPLICATE].text == "duplicate of CN-2026-0000"


@pytest.mark.parametrize(("status", "role"), list(itertools.product(ConcernStatus, Role)), ids=str)
def test_the_buttons_shown_are_exactly_the_actions_accepted(status, role):
    roles = frozenset({role})
    shown = {t.action for t in available(status, roles)}
    accepted = {a for a in ConcernAction if isinstance(check(STATES[status], a, roles), Allowed)}
    assert shown == accepted


# The removal beside it, written out by hand: (removal status, action) -> removal status.
REMOVAL_LEGAL: dict[tuple[RemovalStatus, RemovalAction], RemovalStatus] = {
    (R.REQUESTED, RA.REMOVED): R.REMOVED,
    (R.REQUESTED, RA.CANNOT_REMOVE): R.CANNOT_REMOVE,
    (R.REQUESTED, RA.NOT_OURS): R.REQUESTED,
}
NOT_THE_REMOVER = (
    "Only the team asked to remove it, or the Prevent / Community Safety team, can answer a "
    "removal request."
)
REMOVAL_WORDS = {R.REMOVED: "removed", R.CANNOT_REMOVE: "removal not possible"}


def removal_state(status: ConcernStatus, removal: RemovalStatus | None) -> ConcernState:
    state = STATES[status]
    return ConcernState(REFERENCE, status, state.duplicate_of, state.outcome, removal)


@pytest.mark.parametrize(
    ("status", "removal", "action", "role", "remover"),
    list(
        itertools.product(ConcernStatus, [None, *RemovalStatus], RemovalAction, Role, (False, True))
    ),
    ids=str,
)
def test_every_removal_answer_is_answered_as_the_domain_says(
    status, removal, action, role, remover
):
    state = removal_state(status, removal)
    verdict = check_removal(state, action, frozenset({role}), remover)
    expected = REMOVAL_LEGAL.get((removal, action)) if removal else None
    if not (remover or role in (Role.PREVENT_MANAGER, Role.ADMIN)):
        assert verdict == Refused(NOT_THE_REMOVER)
    elif status in FINAL:
        assert verdict == Refused(f"{REFERENCE} is already {state.text}; nothing was changed.")
    elif removal is None:
        assert verdict == Refused(f"No removal was requested for {REFERENCE}; nothing was changed.")
    elif expected is None:
        assert verdict == Refused(
            f"{REFERENCE} is already marked {REMOVAL_WORDS[removal]}; nothing was changed."
        )
    else:
        assert isinstance(verdict, Allowed) and verdict.value.target is expected


@pytest.mark.parametrize(
    ("status", "removal"), list(itertools.product(ConcernStatus, [None, *RemovalStatus])), ids=str
)
def test_the_remover_is_offered_exactly_the_answers_accepted(status, removal):
    state = removal_state(status, removal)
    shown = {step.action for step in removal_steps(status, removal)}
    accepted = {
        a for a in RemovalAction if isinstance(check_removal(state, a, frozenset(), True), Allowed)
    }
    assert shown == accepted


def test_the_removal_request_buttons_come_from_the_table():
    buttons = removal_actions(REFERENCE, S.ACKNOWLEDGED, R.REQUESTED)
    assert [(b.action, b.label, b.style, b.reference) for b in buttons] == [
        ("concern.removed", "Removed", "primary", REFERENCE),
        ("concern.cannot_remove", "Can't remove", "danger", REFERENCE),
        ("concern.not_ours", "Not ours", "", REFERENCE),
    ]
    assert removal_actions(REFERENCE, S.ACKNOWLEDGED, R.REMOVED) == ()
    assert removal_actions(REFERENCE, S.CLOSED, R.REQUESTED) == ()
