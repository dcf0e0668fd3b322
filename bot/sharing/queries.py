"""Information sharing's answers straight from the hub: a request's status and my requests."""

from __future__ import annotations

from enum import StrEnum

from bot.core.module import Answer, HelpLine, OpenItem, StatusLookup, plain
from bot.core.unit import UnitOfWork
from bot.sharing.actions import request_status
from dialogs.messages import Notice, Outbound, Say
from storage import records
from storage.models import Person

REQUEST_DONE = frozenset({"closed", "withdrawn", "expired"})


class Question(StrEnum):
    """The questions information sharing answers, as its intents ask them."""

    MY_REQUESTS = "my_requests"


HELP = (
    HelpLine("- ask a partner for information: say 'request information'"),
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


QUERIES: dict[str, Answer] = {Question.MY_REQUESTS: plain(my_requests)}
STATUS = StatusLookup(request_status, prefixes=("IR",))
