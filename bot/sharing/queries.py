"""Information sharing's answers straight from the hub: a request's status, my requests, who
holds some information and who can advise on sharing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.core import contacts
from bot.core.module import Answer, HelpLine, OpenItem, StatusLookup, plain
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from bot.sharing import owners
from bot.sharing.actions import request_status
from bot.sharing.case import Case, load_case
from bot.sharing.lawful_basis import OWNER_DECIDES
from bot.sharing.lifecycle import FINAL, RequestStatus
from bot.sharing.views import WAITING_FOR, is_overdue, waiting
from dialogs.messages import Notice, Outbound, Say
from storage import directory, records
from storage import sharing as store
from storage.models import InformationRequest, Person

REQUEST_DONE = frozenset({"closed", "withdrawn", "expired"})
QUEUED = tuple(
    s for s in RequestStatus if s not in FINAL and s is not RequestStatus.AWAITING_AUTHORISATION
)
"""A data owner's queue: every request to their organisation that is not yet over, and was
authorised where that is needed (until then the owner has no part in it)."""
QUEUE_SHOWN = 25


class Question(StrEnum):
    """The questions information sharing answers, as its intents ask them."""

    MY_REQUESTS = "my_requests"
    MY_QUEUE = "my_queue"
    ADVISERS = "advisers"
    WHO_HOLDS = "who_holds"


HELP = (
    HelpLine("- ask a partner for information: say 'request information'"),
    HelpLine(
        "- not sure whom to ask? 'who holds tenancy records'; who can advise you on sharing "
        "(your information governance and Prevent leads): 'who can advise me'"
    ),
    HelpLine(
        "- data owners: 'my queue' lists requests to your organisation; act on one with its "
        "buttons or by typing e.g. 'acknowledge IR-2026-0001'",
        roles=("data_owner", "information_governance"),
    ),
    HelpLine(
        "- data owners: after an upheld challenge, record your new decision with "
        "'approve IR-2026-0001' or 'approve in part IR-2026-0001' (it replaces the earlier one); "
        "'mark fulfilled IR-2026-0001' asks what was sent, how and when",
        roles=("data_owner",),
    ),
    HelpLine(
        "- challenge reviewers, DPOs and the Information Board: answer a challenge with its "
        "buttons or by typing 'uphold IR-2026-0001' or 'reject IR-2026-0001' (you give your "
        "reasons, then confirm); 'my queue' lists the challenges waiting for you",
        roles=("challenge_reviewer", "information_governance", "dpo", "board"),
    ),
    HelpLine(
        "- authorisers: 'my queue' lists requests waiting for your authorisation; answer with "
        "the buttons or by typing 'authorise IR-2026-0001' or 'refuse IR-2026-0001'",
        roles=("authoriser",),
    ),
)


async def my_requests(uow: UnitOfWork, actor: Person) -> Outbound:
    """The information requests the actor made, newest first."""
    requests = await records.requests_by_requester(uow.session, actor.id)
    if not requests:
        queue = " Requests to your organisation: say 'my queue'." if await _owns(uow, actor) else ""
        return Say(
            f"You haven't made any information requests yet. Say 'request information'.{queue}"
        )
    return Notice(
        kind="my_requests",
        title=f"Your information requests ({len(requests)})",
        lines=tuple(
            f"{r.reference} to {r.partner.name}: {r.status.replace('_', ' ')} (decision due {r.decide_by:%d %b})"
            for r in requests[:20]
        ),
    )


async def open_requests(uow: UnitOfWork, actor: Person) -> tuple[OpenItem, ...]:
    """The information requests the actor made that are still open, for a home screen."""
    return tuple(
        OpenItem(
            r.reference,
            f"To {r.partner.name}",
            f"{r.status.replace('_', ' ')}, decision due {r.decide_by:%d %b %Y}",
        )
        for r in await records.requests_by_requester(uow.session, actor.id)
        if r.status not in REQUEST_DONE
    )


async def _owned_partners(uow: UnitOfWork, actor: Person) -> set[int]:
    """The partners whose requests the actor decides: as liaison officer, or as their deputy."""
    own = {
        r.partner_id for r in actor.roles if r.role == Role.DATA_OWNER and r.partner_id is not None
    }
    return own | await store.deputised_partners(uow.session, actor.id, Role.DATA_OWNER)


async def _owns(uow: UnitOfWork, actor: Person) -> bool:
    return bool(await _owned_partners(uow, actor))


class QueueReason(StrEnum):
    """Why a request is in someone's queue: the part they play in it now."""

    AUTHORISE = "authorise"
    DECIDE = "decide"
    CHALLENGE = "challenge"

    @property
    def label(self) -> str:
        return {
            QueueReason.AUTHORISE: "To authorise",
            QueueReason.DECIDE: "To decide for the data owner",
            QueueReason.CHALLENGE: "Challenge to answer",
        }[self]


@dataclass(frozen=True)
class QueueRow:
    """One request waiting for someone: a row of their queue on the web."""

    reference: str
    reason: QueueReason
    requester: str
    organisation: str
    data_owner: str
    status: str
    waiting_for: str
    submitted: date
    due_on: date | None
    overdue: bool


@dataclass(frozen=True)
class _Waiting:
    """What waits for one person, as the chat queue and the web queue both list it."""

    partners: set[int]
    to_authorise: tuple[InformationRequest, ...]
    to_us: tuple[InformationRequest, ...]
    challenged: tuple[Case, ...]
    people: dict[int, Person]


async def _waiting_for(uow: UnitOfWork, actor: Person) -> _Waiting:
    partners = await _owned_partners(uow, actor)
    to_us = tuple(await store.open_requests_to(uow.session, partners, QUEUED))
    challenged = []
    for request in await store.requests_in(uow.session, (RequestStatus.CHALLENGED,)):
        case = await load_case(uow, request)
        if any(p.id == actor.id for p in case.reviewers):
            challenged.append(case)
    to_authorise = tuple(
        await store.awaiting_authorisation_by(
            uow.session, actor.id, RequestStatus.AWAITING_AUTHORISATION
        )
    )
    people = await store.people_by_id(
        uow.session, {r.requester_id for r in (*to_us, *to_authorise)}
    )
    return _Waiting(partners, to_authorise, to_us, tuple(challenged), people)


async def my_queue(uow: UnitOfWork, actor: Person) -> Outbound:
    """What waits for the actor: requests to their organisation, oldest first, and challenges
    they are to answer, each with its deadline."""
    found = await _waiting_for(uow, actor)
    to_us, to_authorise, challenged, people = (
        found.to_us,
        found.to_authorise,
        found.challenged,
        found.people,
    )
    if not to_us and not challenged and not to_authorise:
        what = "requests to your organisation" if found.partners else "requests waiting for you"
        return Say(f"Nothing is waiting for you: there are no open {what}.")
    lines: list[str] = []
    if to_authorise:
        lines.append(f"Waiting for your authorisation ({len(to_authorise)}):")
        lines += [_queue_line(uow, r, people.get(r.requester_id)) for r in to_authorise]
    if to_us:
        lines.append(f"Requests to your organisation ({len(to_us)}), oldest first:")
        lines += [_queue_line(uow, r, people.get(r.requester_id)) for r in to_us[:QUEUE_SHOWN]]
        if len(to_us) > QUEUE_SHOWN:
            lines.append(f"…and {len(to_us) - QUEUE_SHOWN} more.")
    if challenged:
        lines.append(f"Challenges for you to answer ({len(challenged)}):")
        lines += [_queue_line(uow, c.request, c.requester) for c in challenged[:QUEUE_SHOWN]]
    lines.append("Say status and a reference (e.g. status IR-2026-0001) to see one and act on it.")
    return Notice(kind="my_queue", title="Waiting for you", lines=tuple(lines))


async def queue_rows(uow: UnitOfWork, actor: Person) -> tuple[QueueRow, ...]:
    """Everything waiting for the actor (to authorise, to decide as or for the data owner, a
    challenge to answer), oldest first: the same requests as 'my queue', as rows."""
    found = await _waiting_for(uow, actor)
    entries = [
        *((r, found.people.get(r.requester_id), QueueReason.AUTHORISE) for r in found.to_authorise),
        *((r, found.people.get(r.requester_id), QueueReason.DECIDE) for r in found.to_us),
        *((c.request, c.requester, QueueReason.CHALLENGE) for c in found.challenged),
    ]
    rows = [_queue_row(uow, request, requester, reason) for request, requester, reason in entries]
    return tuple(sorted(rows, key=lambda row: (row.submitted, row.reference)))


def _queue_row(
    uow: UnitOfWork, request: InformationRequest, requester: Person | None, reason: QueueReason
) -> QueueRow:
    status = RequestStatus(request.status)
    return QueueRow(
        reference=request.reference,
        reason=reason,
        requester=requester.name if requester else "someone no longer listed",
        organisation=requester.partner.name if requester and requester.partner else "",
        data_owner=request.partner.name,
        status=status.label,
        waiting_for=WAITING_FOR.get(status, status.label),
        submitted=uow.calendar.local(request.submitted_at).date(),
        due_on=request.stage_due_on,
        overdue=is_overdue(uow, request),
    )


def _queue_line(uow: UnitOfWork, request: InformationRequest, requester: Person | None) -> str:
    organisation = requester.partner.name if requester and requester.partner else ""
    who = f"{requester.name} ({organisation})" if requester else "someone no longer listed"
    submitted = uow.calendar.local(request.submitted_at)
    return (
        f"{request.reference} to {request.partner.name} from {who}, submitted "
        f"{submitted:%d %b}: {waiting(uow, request) or RequestStatus(request.status).label}"
    )


async def advisers(uow: UnitOfWork, actor: Person) -> Outbound:
    """Whom the actor can consult about sharing: their own organisation's information-governance
    and Prevent leads from the directory, else the partnership's, with their email."""
    governance = await contacts.governance_leads(uow.session, actor)
    prevent = await contacts.prevent_leads(uow.session, actor)
    return Notice(
        kind="advisers",
        title="Who can advise you on sharing information",
        lines=(
            *(f"Information governance: {contacts.contact(p)}" for p in governance),
            *(f"Prevent and Channel: {contacts.contact(p)}" for p in prevent),
            OWNER_DECIDES,
        ),
    )


async def who_holds(uow: UnitOfWork, actor: Person, wanted: str) -> Outbound:
    """The partners likeliest to hold the information `wanted`, from their data catalogues."""
    ranking = owners.rank(
        list(await directory.partners(uow.session)), await directory.catalogue(uow.session), wanted
    )
    found = owners.holdings_text(ranking, wanted)
    if not wanted.strip() or not found:
        return Say(
            "I couldn't match that to what partners hold. Try other words, e.g. 'who holds "
            "incident logs', or say 'request information' and pick the partner from the list."
        )
    return Notice(
        kind="who_holds",
        title=f"Who holds {wanted.strip()}",
        lines=(*found.split("\n"), "Say 'request information' to ask one of them."),
    )


QUERIES: dict[str, Answer] = {
    Question.MY_REQUESTS: plain(my_requests),
    Question.MY_QUEUE: plain(my_queue),
    Question.ADVISERS: plain(advisers),
    Question.WHO_HOLDS: who_holds,
}
STATUS = StatusLookup(request_status, prefixes=("IR",))
