"""What a person has open in the hub, for a home screen: concerns, requests, recommendations.

Only the actor's own records are listed (what they reported, requested or own), so no visibility
rule beyond ownership is needed; channels render the result and never query records themselves.
The forms a home screen offers to start come with it, so channels name no domain's form.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.unit import UnitOfWork
from bot.prevent import forms as concern
from bot.prevent.forms import CATEGORIES
from bot.recommendations.forms import update as recommendation_update
from bot.recommendations.items import CLOSED, STATUS_LABELS, rag
from bot.sharing import forms as info_request
from storage import records
from storage.models import Person

CONCERN_DONE = frozenset({"closed", "duplicate"})
REQUEST_DONE = frozenset({"closed", "withdrawn", "expired"})
CATEGORY_LABELS = {o.value: o.label for o in CATEGORIES}


@dataclass(frozen=True)
class Start:
    """A button that starts a conversation about a form."""

    form_id: str
    label: str


STARTS = (
    Start(concern.FORM_ID, "Log a concern"),
    Start(info_request.FORM_ID, "Request information"),
)
UPDATE_START = Start(recommendation_update.FORM_ID, "Update a recommendation")


@dataclass(frozen=True)
class OpenItem:
    """One open record, in a line: its reference, what it is, and where it stands."""

    reference: str
    summary: str
    status: str


@dataclass(frozen=True)
class Overview:
    """Everything open for one person, newest first (recommendations by reference)."""

    name: str
    in_directory: bool
    concerns: tuple[OpenItem, ...]
    requests: tuple[OpenItem, ...]
    recommendations: tuple[OpenItem, ...]

    @property
    def starts(self) -> tuple[Start, ...]:
        """The forms to offer: updating a recommendation only to someone who owns one."""
        return (*STARTS, UPDATE_START) if self.recommendations else STARTS


async def overview(uow: UnitOfWork, actor: Person) -> Overview:
    """The actor's open concerns, information requests and recommendations."""
    concerns = [
        OpenItem(
            c.reference,
            f"{CATEGORY_LABELS.get(c.category, c.category)}, {c.location_text}",
            f"{c.priority}, {c.status.replace('_', ' ')}",
        )
        for c in await records.concerns_by_reporter(uow.session, actor.id)
        if c.status not in CONCERN_DONE
    ]
    requests = [
        OpenItem(
            r.reference,
            f"To {r.partner.name}",
            f"{r.status.replace('_', ' ')}, decision due {r.decide_by:%d %b %Y}",
        )
        for r in await records.requests_by_requester(uow.session, actor.id)
        if r.status not in REQUEST_DONE
    ]
    cadence = uow.settings.recommendation_cadence_days
    recommendations = [
        OpenItem(
            rec.reference,
            rec.title,
            f"{STATUS_LABELS.get(rec.status, rec.status)}, "
            f"{rag(rec, uow.today, uow.calendar, cadence).value.upper()}"
            + (f", due {rec.due_date:%d %b %Y}" if rec.due_date else ""),
        )
        for rec in await records.recommendations_owned_by(uow.session, actor.id)
        if rec.status not in CLOSED
    ]
    return Overview(
        actor.name,
        actor.in_directory,
        tuple(concerns),
        tuple(requests),
        tuple(recommendations),
    )
