"""The register's answers straight from the hub: an item's status, my actions, the coordinators'
questions (overdue items, one service's items, the progress report)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.core.calendar import WorkingCalendar
from bot.core.module import Answer, HelpLine, OpenItem, StatusLookup, plain
from bot.core.reference import NOT_FOUND
from bot.core.unit import UnitOfWork
from bot.recommendations import progress
from bot.recommendations.items import (
    CLOSED,
    DONE,
    STATUS_LABELS,
    Rag,
    RecommendationStatus,
    can_view_register,
    item_actions,
    rag,
)
from dialogs.messages import Notice, Outbound, Say
from storage import records, register
from storage.models import Person, Recommendation, RecommendationUpdate


class Question(StrEnum):
    """The questions the register answers, as its intents ask them."""

    MY_ACTIONS = "my_actions"
    OVERDUE_ACTIONS = "overdue_actions"
    ACTIONS_FOR = "actions_for"
    PROGRESS_REPORT = "progress_report"


CLOSED_SHOWN = 3
"""How many closed items 'my actions' lists under the open ones; the rest are only counted."""

HELP = (
    HelpLine(
        "- see and update your recommendations: say 'my actions', 'update an action' "
        "or 'snooze VUL-18'"
    ),
    HelpLine(
        "- coordinators: 'overdue actions', 'actions for Housing', 'progress report', "
        "'add an action', 'reassign VUL-18'",
        roles=("coordinator", "board", "chair"),
    ),
)


async def item_status(uow: UnitOfWork, actor: Person, reference: str) -> Outbound:
    """The status of register item `reference`: its owner, due date, RAG and latest history,
    with the buttons the actor may press now (`items.item_actions`)."""
    rec = await records.recommendation_by_reference(uow.session, reference)
    if rec is None:
        return Say(NOT_FOUND)
    rating = rag(rec, uow.today, uow.calendar, uow.settings.recommendation_cadence_days)
    asked = (
        (f"New date asked for: {rec.requested_due_date:%d %b %Y}",)
        if rec.status == RecommendationStatus.EXTENSION_REQUESTED and rec.requested_due_date
        else ()
    )
    entries = await register.history(uow.session, rec.id, HISTORY_SHOWN)
    return Notice(
        kind="status",
        title=f"{rec.reference}: {STATUS_LABELS.get(rec.status, rec.status)}",
        lines=(
            rec.title,
            f"Owner: {rec.owner.name if rec.owner else 'unassigned'}",
            f"Source: {rec.source}",
            f"Due: {rec.due_date:%d %b %Y}" if rec.due_date else "Due: no date set",
            *asked,
            f"RAG: {rating.value}",
            *(history_line(update, author, uow.calendar) for update, author in entries),
        ),
        reference=rec.reference,
        actions=item_actions(rec, actor),
    )


HISTORY_SHOWN = 10
"""How many of an item's latest history entries its status shows."""
HISTORY_LABELS = {
    "progress": "progress",
    "done": "marked done",
    "blocked": "blocked",
    "not_mine": "not mine",
    "extension": "asked for more time",
    "snooze": "snoozed",
    "extension_approved": "new date approved",
    "extension_refused": "extension refused",
    "verified": "verified and closed",
    "reopened": "reopened",
    "reassigned": "reassigned",
    "due_date": "due date changed",
    "rag": "RAG rating set",
    "withdrawn": "withdrawn",
    "added": "added",
}


def history_line(update: RecommendationUpdate, author: str, calendar: WorkingCalendar) -> str:
    """One history entry: "20 Nov 2026, Drew Carer: asked for more time (18 Dec 2026): why"."""
    what = HISTORY_LABELS.get(update.kind, update.kind.replace("_", " "))
    if update.new_due_date:
        what += f" ({update.new_due_date:%d %b %Y})"
    note = f": {update.note}" if update.note else ""
    return f"{calendar.local(update.at):%d %b %Y}, {author or 'the hub'}: {what}{note}"


async def my_actions(uow: UnitOfWork, actor: Person) -> Outbound:
    """The recommendations the actor owns: the open ones first, with status and RAG, then the
    closed ones apart, counted, with the most recent few."""
    owned = await records.recommendations_owned_by(uow.session, actor.id)
    if not owned:
        return Say("You don't own any recommendations.")
    cadence = uow.settings.recommendation_cadence_days
    still_open = [rec for rec in owned if rec.status not in CLOSED]
    closed = sorted((rec for rec in owned if rec.status in CLOSED), key=_recency, reverse=True)
    lines = [
        f"{rec.reference} [{rag(rec, uow.today, uow.calendar, cadence).value.upper()}] {rec.title} "
        f"({STATUS_LABELS.get(rec.status, rec.status)}"
        + (f", due {rec.due_date:%d %b %Y})" if rec.due_date else ")")
        for rec in still_open
    ] or ["Nothing open: all your recommendations are closed."]
    if closed:
        shown = closed[:CLOSED_SHOWN]
        more = f", the latest {len(shown)}" if len(closed) > len(shown) else ""
        lines += [
            f"Closed ({len(closed)}{more}):",
            *(
                f"{rec.reference} {rec.title} ({STATUS_LABELS.get(rec.status, rec.status)})"
                for rec in shown
            ),
        ]
    return Notice(
        kind="my_actions",
        title=f"Your recommendations: {len(still_open)} open",
        lines=(
            *lines,
            "Say 'update an action' to post progress, mark one done, or ask for more time.",
        ),
    )


def _recency(rec: Recommendation) -> tuple[date, str]:
    """When a closed item last moved: its last update, else its due date (imported items)."""
    moved = rec.last_update_at.date() if rec.last_update_at else rec.due_date
    return (moved or date.min, rec.reference)


async def open_items(uow: UnitOfWork, actor: Person) -> tuple[OpenItem, ...]:
    """The recommendations the actor owns that are not closed, for a home screen."""
    cadence = uow.settings.recommendation_cadence_days
    return tuple(
        OpenItem(
            rec.reference,
            rec.title,
            f"{STATUS_LABELS.get(rec.status, rec.status)}, "
            f"{rag(rec, uow.today, uow.calendar, cadence).value.upper()}"
            + (f", due {rec.due_date:%d %b %Y}" if rec.due_date else ""),
        )
        for rec in await records.recommendations_owned_by(uow.session, actor.id)
        if rec.status not in CLOSED
    )


OPEN_STATUSES = "open"
"""The register filter's status meaning every status but the closed ones."""


@dataclass(frozen=True)
class RegisterFilter:
    """Which items of the register to list; an empty field does not filter. `owner` is an
    email, `status` a status code or OPEN_STATUSES, `rag` a Rag value."""

    source: str = ""
    owner: str = ""
    status: str = ""
    rag: str = ""


@dataclass(frozen=True)
class RegisterRow:
    """One item of the register as a coordinator's list shows it."""

    reference: str
    title: str
    owner: str
    organisation: str
    source: str
    status: str
    rag: Rag
    due: date | None
    overdue: bool


@dataclass(frozen=True)
class RegisterView:
    """The items a filter chose, overdue first, and what the filter can choose from: the
    sources and the owners (email, name) in the register."""

    rows: tuple[RegisterRow, ...]
    total: int
    sources: tuple[str, ...]
    owners: tuple[tuple[str, str], ...]


async def register_view(
    uow: UnitOfWork, actor: Person, wanted: RegisterFilter
) -> RegisterView | None:
    """The register for coordinators, the chair and the board (None for anyone else): overdue
    items first (the most overdue first), then the rest by source and reference."""
    if not can_view_register(actor):
        return None
    cadence = uow.settings.recommendation_cadence_days
    items = await register.all_items(uow.session)
    rows = [
        RegisterRow(
            reference=rec.reference,
            title=rec.title,
            owner=rec.owner.name if rec.owner else "",
            organisation=(
                rec.owner.partner.name if rec.owner and rec.owner.partner else rec.owning_service
            ),
            source=rec.source,
            status=STATUS_LABELS.get(rec.status, rec.status),
            rag=rag(rec, uow.today, uow.calendar, cadence),
            due=rec.due_date,
            overdue=rec.status not in DONE
            and rec.due_date is not None
            and rec.due_date < uow.today,
        )
        for rec in items
        if _chosen(rec, wanted)
    ]
    chosen = [row for row in rows if not wanted.rag or row.rag.value == wanted.rag]
    chosen.sort(key=lambda row: (not row.overdue, row.due if row.overdue else date.min))
    owners = {rec.owner.email: rec.owner.name for rec in items if rec.owner}
    return RegisterView(
        rows=tuple(chosen),
        total=len(items),
        sources=tuple(sorted({rec.source for rec in items})),
        owners=tuple(sorted(owners.items(), key=lambda pair: pair[1])),
    )


def _chosen(rec: Recommendation, wanted: RegisterFilter) -> bool:
    if wanted.source and rec.source != wanted.source:
        return False
    if wanted.owner and (rec.owner is None or rec.owner.email != wanted.owner.lower()):
        return False
    if wanted.status == OPEN_STATUSES:
        return rec.status not in CLOSED
    return not wanted.status or rec.status == wanted.status


QUERIES: dict[str, Answer] = {
    Question.MY_ACTIONS: plain(my_actions),
    Question.OVERDUE_ACTIONS: plain(progress.overdue_actions),
    Question.ACTIONS_FOR: progress.actions_for,
    Question.PROGRESS_REPORT: plain(progress.progress_summary),
}
STATUS = StatusLookup(item_status)
"""Register items are named freely (VUL-18, TA-1): every prefix no other domain claims."""
