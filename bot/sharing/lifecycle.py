"""The information-request life cycle as one table: which action, from which status, by whom.

Pure data and pure functions (no I/O, no clock). The sharing service asks `check` before it
changes anything, and builds every notice's buttons from `available`, so the buttons a person
sees and the actions the hub accepts can never disagree. DOMAIN.md section 3 gives the cycle:

submitted -> acknowledged -> [more_info_needed -> under_review] -> approved | partially_approved |
declined -> [challenged -> challenge_upheld (-> a new decision, approve or approve in part, that
supersedes the first) | challenge_rejected -> challenged at the next level] -> fulfilled ->
closed; also withdrawn, expired, and redirect to another data owner (which starts the request
again as submitted with that owner). Where the data owner requires it, a request starts as
awaiting_authorisation: an authoriser of the requester's own organisation authorises it
(-> submitted, and only then is the owner told) or refuses it (not_authorised).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.checks import Allowed, Refused
from dialogs.messages import NoticeAction

ACTION_PREFIX = "request."


class RequestStatus(StrEnum):
    """Where an information request is in its life cycle."""

    AWAITING_AUTHORISATION = "awaiting_authorisation"
    NOT_AUTHORISED = "not_authorised"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    MORE_INFO_NEEDED = "more_info_needed"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    DECLINED = "declined"
    CHALLENGED = "challenged"
    CHALLENGE_UPHELD = "challenge_upheld"
    CHALLENGE_REJECTED = "challenge_rejected"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        """The status in plain words."""
        return STATUS_LABELS[self]


STATUS_LABELS: dict[RequestStatus, str] = {
    RequestStatus.AWAITING_AUTHORISATION: "awaiting authorisation",
    RequestStatus.NOT_AUTHORISED: "not authorised",
    RequestStatus.SUBMITTED: "submitted",
    RequestStatus.ACKNOWLEDGED: "acknowledged",
    RequestStatus.MORE_INFO_NEEDED: "waiting for more information",
    RequestStatus.UNDER_REVIEW: "under review",
    RequestStatus.APPROVED: "approved",
    RequestStatus.PARTIALLY_APPROVED: "approved in part",
    RequestStatus.DECLINED: "declined",
    RequestStatus.CHALLENGED: "challenged",
    RequestStatus.CHALLENGE_UPHELD: "challenge upheld",
    RequestStatus.CHALLENGE_REJECTED: "challenge rejected",
    RequestStatus.FULFILLED: "fulfilled",
    RequestStatus.CLOSED: "closed",
    RequestStatus.WITHDRAWN: "withdrawn",
    RequestStatus.EXPIRED: "expired",
}
FINAL = frozenset(
    {
        RequestStatus.CLOSED,
        RequestStatus.WITHDRAWN,
        RequestStatus.EXPIRED,
        RequestStatus.NOT_AUTHORISED,
    }
)


class Party(StrEnum):
    """The part someone plays in one request; a person's roles are resolved per request."""

    REQUESTER = "requester"
    OWNER = "owner"
    REVIEWER = "reviewer"
    SYSTEM = "system"
    AUTHORISER = "authoriser"


PARTY_NAMES: dict[Party, str] = {
    Party.REQUESTER: "the requester",
    Party.OWNER: "the data owner's liaison officers (or their deputies)",
    Party.REVIEWER: "the challenge reviewer at the current level",
    Party.SYSTEM: "the hub's deadlines",
    Party.AUTHORISER: "the authoriser named on the request",
}


class RequestAction(StrEnum):
    """Something a person (or the hub's clock) can do to a request."""

    ACKNOWLEDGE = "acknowledge"
    ASK = "ask_more_info"
    ANSWER = "answer"
    APPROVE = "approve"
    APPROVE_IN_PART = "approve_in_part"
    DECLINE = "decline"
    REDIRECT = "redirect"
    CHALLENGE = "challenge"
    UPHOLD = "uphold_challenge"
    REJECT = "reject_challenge"
    ESCALATE = "escalate_challenge"
    FULFIL = "fulfil"
    WITHDRAW = "withdraw"
    CLOSE = "close"
    EXPIRE = "expire"
    AUTHORISE = "authorise"
    REFUSE = "refuse"


class Guard(StrEnum):
    """A condition beyond status and party, evaluated by the service from dates and levels."""

    CHALLENGE_WINDOW = "challenge_window"
    NEXT_LEVEL = "next_level"


GUARD_REFUSALS: dict[Guard, str] = {
    Guard.CHALLENGE_WINDOW: "The window to challenge {reference} has closed.",
    Guard.NEXT_LEVEL: (
        "{reference} has been through every level of challenge: the Information Board's "
        "answer is final."
    ),
}


@dataclass(frozen=True)
class Transition:
    """One row of the table: `action` by one of `parties` moves `sources` to `target`.

    `tell` names who hears about it (besides the actor); `guards` must all hold as well.
    `style` colours the button only where nothing is being decided: a decision (approve,
    decline, uphold, reject) is offered plainly, so the buttons never lean one way.
    """

    action: RequestAction
    sources: frozenset[RequestStatus]
    target: RequestStatus
    parties: frozenset[Party]
    label: str
    verb: str
    tell: frozenset[Party] = frozenset()
    guards: frozenset[Guard] = frozenset()
    style: str = ""


def _row(
    action: RequestAction,
    sources: set[RequestStatus],
    target: RequestStatus,
    parties: set[Party],
    label: str,
    verb: str,
    *,
    tell: set[Party] | None = None,
    guards: set[Guard] | None = None,
    style: str = "",
) -> Transition:
    return Transition(
        action,
        frozenset(sources),
        target,
        frozenset(parties),
        label,
        verb,
        frozenset(tell or ()),
        frozenset(guards or ()),
        style,
    )


S = RequestStatus
P = Party
A = RequestAction
OPEN_BEFORE_DECISION = {S.SUBMITTED, S.ACKNOWLEDGED, S.UNDER_REVIEW}

TRANSITIONS: tuple[Transition, ...] = (
    _row(
        A.ACKNOWLEDGE,
        {S.SUBMITTED},
        S.ACKNOWLEDGED,
        {P.OWNER},
        "Acknowledge",
        "acknowledge",
        tell={P.REQUESTER},
        style="primary",
    ),
    _row(
        A.ASK,
        OPEN_BEFORE_DECISION,
        S.MORE_INFO_NEEDED,
        {P.OWNER},
        "Ask for more information",
        "ask for more information about",
        tell={P.REQUESTER},
    ),
    _row(
        A.ANSWER,
        {S.MORE_INFO_NEEDED},
        S.UNDER_REVIEW,
        {P.REQUESTER},
        "Answer",
        "answer questions about",
        tell={P.OWNER},
        style="primary",
    ),
    _row(
        A.APPROVE,
        OPEN_BEFORE_DECISION,
        S.APPROVED,
        {P.OWNER},
        "Approve",
        "approve",
        tell={P.REQUESTER},
    ),
    _row(
        A.APPROVE_IN_PART,
        OPEN_BEFORE_DECISION,
        S.PARTIALLY_APPROVED,
        {P.OWNER},
        "Approve in part",
        "approve",
        tell={P.REQUESTER},
    ),
    _row(
        A.DECLINE,
        OPEN_BEFORE_DECISION,
        S.DECLINED,
        {P.OWNER},
        "Decline",
        "decline",
        tell={P.REQUESTER},
    ),
    _row(
        A.REDIRECT,
        OPEN_BEFORE_DECISION,
        S.SUBMITTED,
        {P.OWNER},
        "Redirect to another owner",
        "redirect",
        tell={P.REQUESTER, P.OWNER},
    ),
    _row(
        A.CHALLENGE,
        {S.DECLINED, S.PARTIALLY_APPROVED},
        S.CHALLENGED,
        {P.REQUESTER},
        "Challenge the decision",
        "challenge",
        tell={P.REVIEWER, P.OWNER},
        guards={Guard.CHALLENGE_WINDOW},
    ),
    _row(
        A.UPHOLD,
        {S.CHALLENGED},
        S.CHALLENGE_UPHELD,
        {P.REVIEWER},
        "Uphold the challenge",
        "decide the challenge to",
        tell={P.REQUESTER, P.OWNER},
    ),
    _row(
        A.REJECT,
        {S.CHALLENGED},
        S.CHALLENGE_REJECTED,
        {P.REVIEWER},
        "Reject the challenge",
        "decide the challenge to",
        tell={P.REQUESTER, P.OWNER},
    ),
    _row(
        A.APPROVE,
        {S.CHALLENGE_UPHELD},
        S.APPROVED,
        {P.OWNER},
        "Approve",
        "record a new decision on",
        tell={P.REQUESTER},
    ),
    _row(
        A.APPROVE_IN_PART,
        {S.CHALLENGE_UPHELD},
        S.PARTIALLY_APPROVED,
        {P.OWNER},
        "Approve in part",
        "record a new decision on",
        tell={P.REQUESTER},
    ),
    _row(
        A.ESCALATE,
        {S.CHALLENGE_REJECTED},
        S.CHALLENGED,
        {P.REQUESTER},
        "Take the challenge further",
        "take further the challenge to",
        tell={P.REVIEWER, P.OWNER},
        guards={Guard.CHALLENGE_WINDOW, Guard.NEXT_LEVEL},
    ),
    _row(
        A.FULFIL,
        {S.APPROVED, S.PARTIALLY_APPROVED},
        S.FULFILLED,
        {P.REQUESTER, P.OWNER},
        "Mark fulfilled",
        "mark as fulfilled",
        tell={P.REQUESTER, P.OWNER},
        style="primary",
    ),
    _row(
        A.WITHDRAW,
        {
            *OPEN_BEFORE_DECISION,
            S.AWAITING_AUTHORISATION,
            S.MORE_INFO_NEEDED,
            S.APPROVED,
            S.PARTIALLY_APPROVED,
            S.CHALLENGE_UPHELD,
        },
        S.WITHDRAWN,
        {P.REQUESTER},
        "Withdraw",
        "withdraw",
        tell={P.OWNER},
        style="danger",
    ),
    _row(
        A.CLOSE,
        {S.FULFILLED},
        S.CLOSED,
        {P.REQUESTER, P.OWNER, P.SYSTEM},
        "Close",
        "close",
        tell={P.REQUESTER, P.OWNER},
    ),
    _row(
        A.CLOSE,
        {S.DECLINED, S.CHALLENGE_REJECTED},
        S.CLOSED,
        {P.REQUESTER, P.SYSTEM},
        "Accept and close",
        "close",
        tell={P.REQUESTER, P.OWNER},
    ),
    _row(
        A.EXPIRE,
        {S.MORE_INFO_NEEDED},
        S.EXPIRED,
        {P.SYSTEM},
        "Expire",
        "expire",
        tell={P.REQUESTER, P.OWNER},
    ),
    _row(
        A.AUTHORISE,
        {S.AWAITING_AUTHORISATION},
        S.SUBMITTED,
        {P.AUTHORISER},
        "Authorise",
        "authorise",
        tell={P.REQUESTER, P.OWNER},
        style="primary",
    ),
    _row(
        A.REFUSE,
        {S.AWAITING_AUTHORISATION},
        S.NOT_AUTHORISED,
        {P.AUTHORISER},
        "Refuse",
        "refuse",
        tell={P.REQUESTER},
    ),
)


def check(
    reference: str,
    status: RequestStatus,
    action: RequestAction,
    parties: frozenset[Party],
    guards: frozenset[Guard] = frozenset(),
) -> Allowed[Transition] | Refused:
    """Whether someone playing `parties` may take `action` on a request in `status` now.

    `guards` are the conditions that hold at the moment (inside the challenge window, a higher
    challenge level exists). The first reason that applies is given: a closed request, the wrong
    status (including acting twice), the wrong party (including deciding one's own request), a
    guard.
    """
    rows = [t for t in TRANSITIONS if t.action is action]
    if not rows:
        return Refused("That is not something that can be done to an information request.")
    if status in FINAL:
        return Refused(f"{reference} is {status.label}, so nothing more can be done with it.")
    here = [t for t in rows if status in t.sources]
    if not here:
        if any(t.target is status for t in rows):
            return Refused(f"{reference} is already {status.label}.")
        return Refused(
            f"{reference} is {status.label}, so you cannot {rows[0].verb} it now. "
            f"Say status {reference} to see what can be done.",
        )
    mine = [t for t in here if t.parties & parties]
    if not mine:
        row = here[0]
        if Party.REQUESTER in parties:
            return Refused(
                f"You made {reference}, so you cannot {row.verb} it: "
                f"that is for {_names(row.parties)}.",
            )
        return Refused(f"Only {_names(row.parties)} can {row.verb} {reference}.")
    row = mine[0]
    missing = sorted(row.guards - guards)
    if missing:
        return Refused(GUARD_REFUSALS[missing[0]].format(reference=reference))
    return Allowed(row)


def available(
    status: RequestStatus, parties: frozenset[Party], guards: frozenset[Guard] = frozenset()
) -> tuple[Transition, ...]:
    """Every transition these parties may take now, in table order: the buttons to offer."""
    if status in FINAL:
        return ()
    seen: set[RequestAction] = set()
    found: list[Transition] = []
    for row in TRANSITIONS:
        if (
            status in row.sources
            and row.parties & parties
            and row.guards <= guards
            and row.action not in seen
        ):
            seen.add(row.action)
            found.append(row)
    return tuple(found)


def action_name(action: RequestAction) -> str:
    """The button name of a life-cycle action (request.approve...)."""
    return f"{ACTION_PREFIX}{action.value}"


def notice_actions(
    reference: str,
    status: RequestStatus,
    parties: frozenset[Party],
    guards: frozenset[Guard] = frozenset(),
) -> tuple[NoticeAction, ...]:
    """The buttons to put on a notice about `reference` for these parties, from the table."""
    return tuple(
        NoticeAction(action_name(t.action), t.label, reference, t.style)
        for t in available(status, parties, guards)
    )


def _names(parties: frozenset[Party]) -> str:
    people = [PARTY_NAMES[p] for p in Party if p in parties and p is not Party.SYSTEM]
    return " or ".join(people) if people else PARTY_NAMES[Party.SYSTEM]


class Clock(StrEnum):
    """Which deadline runs while a request sits in a status."""

    ACKNOWLEDGE = "acknowledge"
    DECIDE = "decide"
    REDECIDE = "redecide"
    ANSWER = "answer"
    FULFIL = "fulfil"
    CHALLENGE = "challenge"
    REVIEW = "review"
    SETTLE = "settle"
    AUTHORISE = "authorise"


@dataclass(frozen=True)
class Stage:
    """Who holds a request in a status, which deadline runs, and what happens when it passes.

    With `nudges`, the holder is reminded at 50 %, 80 %, on the due day and once overdue; with a
    `lapse`, the hub takes that action the working day after the due date instead.
    """

    holder: Party
    clock: Clock
    nudges: bool = True
    lapse: RequestAction | None = None


STAGES: dict[RequestStatus, Stage] = {
    S.AWAITING_AUTHORISATION: Stage(P.AUTHORISER, Clock.AUTHORISE),
    S.SUBMITTED: Stage(P.OWNER, Clock.ACKNOWLEDGE),
    S.ACKNOWLEDGED: Stage(P.OWNER, Clock.DECIDE),
    S.UNDER_REVIEW: Stage(P.OWNER, Clock.DECIDE),
    S.MORE_INFO_NEEDED: Stage(P.REQUESTER, Clock.ANSWER, lapse=A.EXPIRE),
    S.APPROVED: Stage(P.OWNER, Clock.FULFIL),
    S.PARTIALLY_APPROVED: Stage(P.OWNER, Clock.FULFIL),
    S.CHALLENGE_UPHELD: Stage(P.OWNER, Clock.REDECIDE),
    S.DECLINED: Stage(P.REQUESTER, Clock.CHALLENGE, nudges=False, lapse=A.CLOSE),
    S.CHALLENGED: Stage(P.REVIEWER, Clock.REVIEW),
    S.CHALLENGE_REJECTED: Stage(P.REQUESTER, Clock.CHALLENGE, nudges=False, lapse=A.CLOSE),
    S.FULFILLED: Stage(P.REQUESTER, Clock.SETTLE, nudges=False, lapse=A.CLOSE),
}


class ChallengeLevel(StrEnum):
    """Who answers a challenge, in order: the owner's reviewer, the DPO, the Information Board."""

    OWNER_REVIEWER = "owner_reviewer"
    DPO = "dpo"
    BOARD = "board"

    @property
    def label(self) -> str:
        """The level in plain words."""
        return {
            ChallengeLevel.OWNER_REVIEWER: "the data owner's challenge reviewer",
            ChallengeLevel.DPO: "the data protection officer",
            ChallengeLevel.BOARD: "the Information Board",
        }[self]

    def next(self) -> ChallengeLevel | None:
        """The level a rejected challenge can be taken to, if any."""
        order = list(ChallengeLevel)
        position = order.index(self)
        return order[position + 1] if position + 1 < len(order) else None
