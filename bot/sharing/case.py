"""One information request and the people around it: who plays which part, who sees what.

A `Case` is a request with its requester, the owner's liaison officers and their deputies, its
decision records (the newest in force, the earlier ones superseded after an upheld challenge), its
challenges and the reviewers at the current level, and the authoriser the requester named where
the data owner requires one (the owner's side has no part in the request until it is
authorised). `standing` works out the parts an actor plays in it (a requester is only ever the
requester, so nobody decides, reviews or authorises their own request) and how much they may
see: personal details of the subject only for the requester, the owner's liaison officers and
deputies, and the authoriser; the decision trail for partnership and review roles, and for the
information-governance leads of the two organisations in the request; nothing for anyone else
(docs/sharing.md, "Information governance: what it sees and why").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from bot.sharing.lifecycle import ChallengeLevel, Guard, Party, RequestStatus
from storage import directory
from storage import sharing as store
from storage.models import Challenge, InformationRequest, Person, RequestDecision

PARTNERSHIP_ROLES = (Role.ADMIN, Role.COORDINATOR, Role.BOARD)
PARTNER_REVIEW_ROLES = (Role.CHALLENGE_REVIEWER, Role.DPO)


class Visibility(IntEnum):
    """How much of a request someone may see: nothing, its decision trail, or everything."""

    NONE = 0
    STATUS = 1
    FULL = 2


@dataclass(frozen=True)
class Case:
    """A request with the people and records every decision about it needs."""

    request: InformationRequest
    requester: Person
    officers: tuple[Person, ...]
    deputies: tuple[Person, ...]
    decision: RequestDecision | None
    challenges: tuple[Challenge, ...]
    reviewers: tuple[Person, ...]
    people: dict[int, Person]
    authoriser: Person | None = None
    earlier: tuple[RequestDecision, ...] = ()
    """Decisions superseded by a later one (after an upheld challenge), oldest first."""

    @property
    def status(self) -> RequestStatus:
        return RequestStatus(self.request.status)

    @property
    def reference(self) -> str:
        return self.request.reference

    @property
    def challenge(self) -> Challenge | None:
        """The newest challenge, if the decision was challenged."""
        return self.challenges[-1] if self.challenges else None

    @property
    def reached_owner(self) -> bool:
        """Whether the data owner has the request: it needed no authoriser, or was authorised."""
        return self.request.authoriser_id is None or self.request.authorised_at is not None

    def is_owner(self, person: Person) -> bool:
        """A liaison officer of the data owner, or one of their deputies."""
        return any(p.id == person.id for p in (*self.officers, *self.deputies))

    def name_of(self, person_id: int | None) -> str:
        person = self.people.get(person_id) if person_id is not None else None
        return person.name if person else "someone no longer in the directory"


@dataclass(frozen=True)
class Standing:
    """The parts someone plays in one request and how much of it they may see."""

    parties: frozenset[Party]
    visibility: Visibility


async def load_case(uow: UnitOfWork, request: InformationRequest) -> Case:
    """Everything about `request` that the table, the views and the notices use."""
    session = uow.session
    officers = tuple(await directory.people_with_role(session, Role.DATA_OWNER, request.partner_id))
    deputy_ids = {o.deputy_id for o in officers if o.deputy_id is not None} - {
        o.id for o in officers
    }
    decisions = tuple(await store.decisions_of_request(session, request.id))
    decision = decisions[-1] if decisions else None
    challenges = tuple(await store.challenges_of(session, request.id))
    ids = {request.requester_id, *deputy_ids}
    if request.authoriser_id is not None:
        ids.add(request.authoriser_id)
    ids |= {c.decided_by_id for c in challenges if c.decided_by_id is not None}
    ids |= {d.decided_by_id for d in decisions}
    ids |= {d.fulfilled_by_id for d in decisions if d.fulfilled_by_id is not None}
    people = {p.id: p for p in officers} | await store.people_by_id(session, ids)
    requester = people[request.requester_id]
    case = Case(
        request,
        requester,
        officers,
        tuple(people[i] for i in sorted(deputy_ids) if i in people),
        decision,
        challenges,
        (),
        people,
        authoriser=people.get(request.authoriser_id) if request.authoriser_id is not None else None,
        earlier=decisions[:-1],
    )
    if case.status is RequestStatus.CHALLENGED and case.challenge is not None:
        level = ChallengeLevel(case.challenge.level)
        reviewers = tuple(await reviewers_at(session, case, level))
        case = replace(case, reviewers=reviewers)
    return case


async def reviewers_at(session: AsyncSession, case: Case, level: ChallengeLevel) -> list[Person]:
    """Who answers a challenge at `level`: never the requester or the person who decided.

    The owner's challenge reviewer (else its information-governance lead), the owner's DPO (else
    any DPO), then the Information Board.
    """
    partner_id = case.request.partner_id

    async def holding(role: Role, own_partner: bool) -> list[Person]:
        people = await directory.people_with_role(session, role)
        return [p for p in people if not own_partner or p.partner_id == partner_id]

    if level is ChallengeLevel.OWNER_REVIEWER:
        found = await holding(Role.CHALLENGE_REVIEWER, True) or await holding(
            Role.INFORMATION_GOVERNANCE, True
        )
    elif level is ChallengeLevel.DPO:
        found = await holding(Role.DPO, True) or await holding(Role.DPO, False)
    else:
        found = await holding(Role.BOARD, False)
    excluded = {case.request.requester_id}
    excluded |= {
        d.decided_by_id for d in (*case.earlier, *([case.decision] if case.decision else []))
    }
    return [p for p in found if p.id not in excluded and p.in_directory]


def standing(case: Case, actor: Person | None) -> Standing:
    """The parts `actor` plays in the request (None: the hub's own clock) and what they see.

    The requester is only ever the requester: someone cannot decide or review their own request,
    whatever other roles they hold.
    """
    if actor is None:
        return Standing(frozenset({Party.SYSTEM}), Visibility.FULL)
    if actor.id == case.request.requester_id:
        return Standing(frozenset({Party.REQUESTER}), Visibility.FULL)
    parties: set[Party] = set()
    if (
        case.authoriser is not None
        and actor.id == case.authoriser.id
        and actor.has_role(Role.AUTHORISER)
    ):
        parties.add(Party.AUTHORISER)  # the one named, while they still hold the role
    if case.is_owner(actor) and case.reached_owner:
        parties.add(Party.OWNER)
    if any(p.id == actor.id for p in case.reviewers):
        parties.add(Party.REVIEWER)
    if parties & {Party.OWNER, Party.AUTHORISER}:
        visibility = Visibility.FULL
    elif (
        parties
        or any(actor.has_role(r) for r in PARTNERSHIP_ROLES)
        or (
            actor.partner_id == case.request.partner_id
            and any(actor.has_role(r) for r in PARTNER_REVIEW_ROLES)
        )
        or governs(case, actor)
    ):
        visibility = Visibility.STATUS
    else:
        visibility = Visibility.NONE
    return Standing(frozenset(parties), visibility)


def governs(case: Case, actor: Person) -> bool:
    """An information-governance lead of the owner or of the requester's organisation: they
    oversee their organisation's sharing from the decision trail, not the subject's details."""
    return (
        actor.has_role(Role.INFORMATION_GOVERNANCE)
        and actor.partner_id is not None
        and actor.partner_id in (case.request.partner_id, case.requester.partner_id)
    )


def guards(uow: UnitOfWork, case: Case) -> frozenset[Guard]:
    """The guards that hold now: inside the challenge window, a higher level exists."""
    held: set[Guard] = set()
    since = None
    if case.status in (RequestStatus.DECLINED, RequestStatus.PARTIALLY_APPROVED):
        since = case.decision.decided_at if case.decision else None
    elif case.status is RequestStatus.CHALLENGE_REJECTED and case.challenge is not None:
        since = case.challenge.decided_at
    if since is not None:
        start = uow.calendar.local(since).date()
        if (
            uow.calendar.working_days_between(start, uow.today)
            <= uow.settings.deadlines.challenge_days
        ):
            held.add(Guard.CHALLENGE_WINDOW)
    if case.challenge is not None and ChallengeLevel(case.challenge.level).next() is not None:
        held.add(Guard.NEXT_LEVEL)
    return frozenset(held)


def challenge_level(case: Case) -> ChallengeLevel | None:
    """The level a challenge raised now goes to: the next one when a rejected challenge is taken
    further, else the first (a new decision made after an upheld challenge is challenged afresh)."""
    if case.status is RequestStatus.CHALLENGE_REJECTED and case.challenge is not None:
        return ChallengeLevel(case.challenge.level).next()
    return ChallengeLevel.OWNER_REVIEWER


def holders(case: Case, party: Party, overdue: bool = False) -> list[Person]:
    """The people who hold the request for `party` now (deputies too once it is overdue)."""
    if party is Party.REQUESTER:
        return [case.requester]
    if party is Party.REVIEWER:
        return list(case.reviewers)
    if party is Party.AUTHORISER:
        return [case.authoriser] if case.authoriser is not None else []
    if party is not Party.OWNER or not case.reached_owner:
        return []
    holder = next(
        (p for p in (*case.officers, *case.deputies) if p.id == case.request.holder_id), None
    )
    chosen = [holder] if holder is not None else list(case.officers)
    if overdue:
        known = {p.id for p in chosen}
        for person in chosen[:]:
            deputy = case.people.get(person.deputy_id) if person.deputy_id else None
            if deputy is not None and deputy.id not in known:
                chosen.append(deputy)
                known.add(deputy.id)
    return chosen
