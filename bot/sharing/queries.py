"""Information sharing's answers straight from the hub: a request's status, my requests, who
holds some information and who can advise on sharing."""

from __future__ import annotations

from enum import StrEnum

from bot.core import contacts
from bot.core.module import Answer, HelpLine, OpenItem, StatusLookup, plain
from bot.core.unit import UnitOfWork
from bot.sharing import owners
from bot.sharing.actions import request_status
from bot.sharing.lawful_basis import OWNER_DECIDES
from dialogs.messages import Notice, Outbound, Say
from storage import directory, records
from storage.models import Person

REQUEST_DONE = frozenset({"closed", "withdrawn", "expired"})


class Question(StrEnum):
    """The questions information sharing answers, as its intents ask them."""

    MY_REQUESTS = "my_requests"
    ADVISERS = "advisers"
    WHO_HOLDS = "who_holds"


HELP = (
    HelpLine("- ask a partner for information: say 'request information'"),
    HelpLine(
        "- not sure whom to ask? 'who holds tenancy records'; who can advise you on sharing "
        "(your information governance and Prevent leads): 'who can advise me'"
    ),
    HelpLine(
        "- data owners: act on a request with its buttons or by typing e.g. "
        "'acknowledge IR-2026-0001'",
        roles=("data_owner", "information_governance"),
    ),
)


async def my_requests(uow: UnitOfWork, actor: Person) -> Outbound:
    """The information requests the actor made, newest first."""
    requests = await records.requests_by_requester(uow.session, actor.id)
    if not requests:
        return Say("You haven't made any information requests yet. Say 'request information'.")
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
    Question.ADVISERS: plain(advisers),
    Question.WHO_HOLDS: who_holds,
}
STATUS = StatusLookup(request_status, prefixes=("IR",))
