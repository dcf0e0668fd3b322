"""The register of information sharing: every request, its decision record and every step.

What the Information Board needs to see what was shared, with whom, why and how fast: one row
per request (who asked whom, for what purpose, under which law, the decision record in force and
any earlier decisions it superseded after an upheld challenge, what was sent and when, the
working days it took, the challenges) with its whole history in the last column. Personal details of the
subject (the case, the data wanted, clarifications) are not part of the register.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from bot.core.calendar import WorkingCalendar
from bot.core.exports import Cell, ExportFormat, Table
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from bot.sharing.lifecycle import ChallengeLevel, RequestStatus
from bot.sharing.requests import PURPOSE_LABELS
from bot.sharing.views import DECLINE_LABELS, OUTCOME_WORDS, decision_word
from storage import directory
from storage import sharing as store
from storage.models import (
    Challenge,
    InformationRequest,
    Person,
    RequestDecision,
    RequestEvent,
    SharingAgreement,
)

FORMATS = (*ExportFormat, "json")
OVERSIGHT_ROLES = frozenset(
    {Role.BOARD, Role.INFORMATION_GOVERNANCE, Role.DPO, Role.CHAIR, Role.ADMIN}
)
"""Who oversees sharing on the web: the register, the board pack and the agreements."""
REVIEW_SOON_DAYS = 30
"""An agreement due for review within this many days is flagged as due soon."""


@dataclass(frozen=True)
class RegisterRow:
    """One request in the register (plain strings and numbers, ready for CSV, XLSX or JSON)."""

    reference: str
    submitted: str
    requester: str
    requester_organisation: str
    data_owner: str
    purpose: str
    suggested_lawful_basis: str
    agreement: str
    urgency: str
    status: str
    decision: str
    decline_reason: str
    decided: str
    decided_by: str
    position: str
    lawful_basis_relied_on: str
    to_share: str
    withheld: str
    redactions: str
    delivery_route: str
    retention: str
    shared: str
    sent_route: str
    sent_on: str
    fulfilled_by: str
    earlier_decisions: str
    working_days_to_decision: int | None
    paused_working_days: int
    challenges: str
    closed: str
    steps: str


def working_days_to_decision(request: InformationRequest, calendar: WorkingCalendar) -> int | None:
    """Working days from submission to the first decision, less the days spent waiting for
    answers (a new decision after an upheld challenge does not restart the count)."""
    if request.decided_at is None:
        return None
    start = calendar.local(request.submitted_at).date()
    end = calendar.local(request.decided_at).date()
    return max(0, calendar.working_days_between(start, end) - request.paused_working_days)


def _when(moment: datetime | None, calendar: WorkingCalendar) -> str:
    return calendar.local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _step(event: RequestEvent, people: dict[int, Person], calendar: WorkingCalendar) -> str:
    who = people[event.actor_id].name if event.actor_id in people else "the hub"
    status = RequestStatus(event.to_status).label
    if event.from_status == RequestStatus.AWAITING_AUTHORISATION and event.to_status == (
        RequestStatus.SUBMITTED
    ):
        status = "authorised and submitted"
    extra = ""
    if event.note.get("to_partner"):
        extra = f" to {event.note['to_partner']}"
    elif event.note.get("level"):
        extra = f" ({ChallengeLevel(str(event.note['level'])).label})"
    return f"{_when(event.at, calendar)} {status}{extra} by {who}"


def _earlier(
    decisions: Sequence[RequestDecision], people: dict[int, Person], calendar: WorkingCalendar
) -> str:
    """The decisions no longer in force, newest first, each marked as superseded."""
    found = []
    for decision in reversed(decisions[:-1]):
        decider = people.get(decision.decided_by_id)
        position = f", {decision.position}" if decision.position else ""
        reason = DECLINE_LABELS.get(decision.decline_reason, decision.decline_reason)
        found.append(
            f"{decision_word(decision)} {_when(decision.decided_at, calendar)} by "
            f"{decider.name if decider else ''}{position}"
            + (f" ({reason})" if reason else "")
            + ", superseded after the challenge was upheld"
        )
    return "; ".join(found)


def _challenges(challenges: Sequence[Challenge]) -> str:
    return "; ".join(
        f"{ChallengeLevel(c.level).label}: {OUTCOME_WORDS.get(c.outcome, 'pending')}"
        for c in challenges
    )


async def register_rows(uow: UnitOfWork, since: date) -> list[RegisterRow]:
    """Every request with any step on or after `since` (local date), oldest first."""
    calendar = uow.calendar
    start = datetime.combine(since, datetime.min.time(), tzinfo=calendar.timezone)
    requests = await store.requests_active_since(uow.session, start)
    ids = [r.id for r in requests]
    events = await store.events_of(uow.session, ids)
    decisions = await store.decision_histories(uow.session, ids)
    challenges = await store.challenges_for(uow.session, ids)
    wanted = {r.requester_id for r in requests}
    wanted |= {e.actor_id for steps in events.values() for e in steps if e.actor_id}
    wanted |= {d.decided_by_id for made in decisions.values() for d in made}
    wanted |= {d.fulfilled_by_id for made in decisions.values() for d in made if d.fulfilled_by_id}
    people = await store.people_by_id(uow.session, wanted)
    agreements = {a.id: a.reference for a in await store.agreements(uow.session)}
    return [
        _row(
            request,
            people,
            decisions[request.id],
            challenges[request.id],
            events[request.id],
            agreements,
            calendar,
        )
        for request in requests
    ]


def _row(
    request: InformationRequest,
    people: dict[int, Person],
    decisions: Sequence[RequestDecision],
    challenges: Sequence[Challenge],
    events: Sequence[RequestEvent],
    agreements: dict[int, str],
    calendar: WorkingCalendar,
) -> RegisterRow:
    """The row of one request: the decision in force first, then those it superseded."""
    requester = people.get(request.requester_id)
    decision = decisions[-1] if decisions else None
    decider = people.get(decision.decided_by_id) if decision else None
    sender = people.get(decision.fulfilled_by_id or 0) if decision else None
    return RegisterRow(
        reference=request.reference,
        submitted=_when(request.submitted_at, calendar),
        requester=requester.name if requester else "",
        requester_organisation=requester.partner.name
        if requester is not None and requester.partner
        else "",
        data_owner=request.partner.name,
        purpose=PURPOSE_LABELS.get(request.purpose_type, request.purpose_type),
        suggested_lawful_basis=request.lawful_basis,
        agreement=agreements.get(request.agreement_id or 0, "none (one-off)"),
        urgency=request.urgency.replace("_", " "),
        status=RequestStatus(request.status).label,
        decision=decision_word(decision) if decision else "",
        decline_reason=DECLINE_LABELS.get(decision.decline_reason, decision.decline_reason)
        if decision
        else "",
        decided=_when(decision.decided_at if decision else None, calendar),
        decided_by=decider.name if decider else "",
        position=decision.position if decision else "",
        lawful_basis_relied_on=decision.lawful_basis if decision else "",
        to_share=decision.shared_description if decision else "",
        withheld=decision.withheld if decision else "",
        redactions=decision.redactions if decision else "",
        delivery_route=decision.security if decision else "",
        retention=decision.retention if decision else "",
        shared=decision.sent_description if decision else "",
        sent_route=decision.sent_route if decision else "",
        sent_on=decision.sent_on.isoformat() if decision and decision.sent_on else "",
        fulfilled_by=sender.name if sender else "",
        earlier_decisions=_earlier(decisions, people, calendar),
        working_days_to_decision=working_days_to_decision(request, calendar),
        paused_working_days=request.paused_working_days,
        challenges=_challenges(challenges),
        closed=_when(request.closed_at, calendar),
        steps="; ".join(_step(e, people, calendar) for e in events),
    )


def render(rows: Sequence[RegisterRow], fmt: str) -> str | bytes:
    """The register as CSV or XLSX (a header row, then one row per request) or as a JSON list."""
    if fmt == "json":
        return json.dumps([asdict(r) for r in rows], indent=2) + "\n"
    return Table(
        "Register",
        tuple(RegisterRow.__dataclass_fields__),
        tuple(tuple(asdict(row).values()) for row in rows),
    ).rendered(fmt)


async def export_register(uow: UnitOfWork, since: date, fmt: str, operator: str) -> str | bytes:
    """The register since `since` in `fmt`; the export itself is audited (who saw what, and the
    operating-system account that ran it)."""
    rows = await register_rows(uow, since)
    await uow.audit(
        None,
        "sharing.register_exported",
        "",
        since=since.isoformat(),
        format=fmt,
        rows=len(rows),
        operator=operator,
    )
    return render(rows, fmt)


async def agreements_register(uow: UnitOfWork) -> Table:
    """The sharing agreements, each with its review status and how often it was cited."""
    cited = await store.citations(uow.session)
    listed = await store.agreements(uow.session)
    owners = await store.people_by_id(
        uow.session, {a.owner_id for a in listed if a.owner_id is not None}
    )
    return Table(
        "Agreements",
        (
            "reference",
            "title",
            "parties",
            "purposes",
            "lawful_bases",
            "review_date",
            "review_overdue",
            "owner",
            "requests_citing",
        ),
        tuple(_agreement(agreement, owners, cited, uow.today) for agreement in listed),
    )


def _agreement(
    agreement: SharingAgreement, owners: dict[int, Person], cited: dict[int, int], today: date
) -> tuple[Cell, ...]:
    owner = owners.get(agreement.owner_id) if agreement.owner_id else None
    return (
        agreement.reference,
        agreement.title,
        ";".join(agreement.parties),
        ";".join(agreement.purposes),
        agreement.lawful_bases,
        agreement.review_date.isoformat(),
        "yes" if agreement.review_date < today else "no",
        owner.email if owner else "",
        cited.get(agreement.id, 0),
    )


def oversees(person: Person) -> bool:
    """Whether `person` may see the register, the board pack and the agreements."""
    return any(person.has_role(role) for role in OVERSIGHT_ROLES)


@dataclass(frozen=True)
class RegisterFilter:
    """Which requests of the register to show: any step on or after `since`, submitted on or
    before `until` (if given), to or from `partner` (a name; all if empty), in `status`."""

    since: date
    until: date | None = None
    partner: str = ""
    status: str = ""

    def keeps(self, row: RegisterRow) -> bool:
        return (
            (self.until is None or row.submitted[:10] <= self.until.isoformat())
            and (not self.partner or self.partner in (row.data_owner, row.requester_organisation))
            and (not self.status or row.status == RequestStatus(self.status).label)
        )


@dataclass(frozen=True)
class RegisterView:
    """The register's rows as filtered, with the choices its filters offer."""

    rows: tuple[RegisterRow, ...]
    partners: tuple[str, ...]
    statuses: tuple[RequestStatus, ...]


async def filtered_register(
    uow: UnitOfWork, actor: Person, wanted: RegisterFilter
) -> RegisterView | None:
    """The register as `wanted` filters it (None for someone who does not oversee sharing)."""
    if not oversees(actor):
        return None
    rows = tuple(row for row in await register_rows(uow, wanted.since) if wanted.keeps(row))
    partners = tuple(sorted(p.name for p in await directory.partners(uow.session)))
    return RegisterView(rows, partners, tuple(RequestStatus))


async def download_register(
    uow: UnitOfWork, actor: Person, wanted: RegisterFilter, fmt: ExportFormat
) -> str | bytes | None:
    """The filtered register as CSV or XLSX, as the command line exports it; the download is
    audited with who took it and the filter (None for someone who does not oversee sharing)."""
    view = await filtered_register(uow, actor, wanted)
    if view is None:
        return None
    await uow.audit(
        actor,
        "sharing.register_exported",
        "",
        since=wanted.since.isoformat(),
        until=wanted.until.isoformat() if wanted.until else "",
        partner=wanted.partner,
        status=wanted.status,
        format=fmt.value,
        rows=len(view.rows),
        operator="web",
    )
    return render(view.rows, fmt)


class Review(StrEnum):
    """Where an agreement stands against its review date."""

    LAPSED = "lapsed"
    SOON = "due soon"
    CURRENT = "current"


@dataclass(frozen=True)
class AgreementRow:
    """A sharing agreement as the Information Board reviews it."""

    reference: str
    title: str
    parties: tuple[str, ...]
    purposes: tuple[str, ...]
    lawful_bases: str
    review_date: date
    review: Review
    owner: str
    requests_citing: int


async def agreement_rows(uow: UnitOfWork, actor: Person) -> tuple[AgreementRow, ...] | None:
    """Every agreement with its parties and purposes by name and its review status (None for
    someone who does not oversee sharing)."""
    if not oversees(actor):
        return None
    names = {p.code.upper(): p.name for p in await directory.partners(uow.session)}
    cited = await store.citations(uow.session)
    listed = await store.agreements(uow.session)
    owners = await store.people_by_id(
        uow.session, {a.owner_id for a in listed if a.owner_id is not None}
    )
    soon = uow.today + timedelta(days=REVIEW_SOON_DAYS)
    return tuple(
        AgreementRow(
            reference=a.reference,
            title=a.title,
            parties=tuple(names.get(code.upper(), code) for code in a.parties),
            purposes=tuple(PURPOSE_LABELS.get(p, p) for p in a.purposes),
            lawful_bases=a.lawful_bases,
            review_date=a.review_date,
            review=Review.LAPSED
            if a.review_date < uow.today
            else Review.SOON
            if a.review_date <= soon
            else Review.CURRENT,
            owner=owners[a.owner_id].name if a.owner_id in owners else "",
            requests_citing=cited.get(a.id, 0),
        )
        for a in listed
    )
