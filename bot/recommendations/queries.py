"""The register's answers straight from the hub: an item's status, my actions, the coordinators'
questions (overdue items, one service's items, the progress report)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from bot.core.module import Answer, HelpLine, OpenItem, StatusLookup, plain
from bot.core.reference import NOT_FOUND
from bot.core.unit import UnitOfWork
from bot.recommendations import progress
from bot.recommendations.items import CLOSED, STATUS_LABELS, rag
from dialogs.messages import Notice, Outbound, Say
from storage import records
from storage.models import Person, Recommendation


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
    """The status of register item `reference`: its owner, due date and RAG."""
    rec = await records.recommendation_by_reference(uow.session, reference)
    if rec is None:
        return Say(NOT_FOUND)
    rating = rag(rec, uow.today, uow.calendar, uow.settings.recommendation_cadence_days)
    return Notice(
        kind="status",
        title=f"{rec.reference}: {STATUS_LABELS.get(rec.status, rec.status)}",
        lines=(
            rec.title,
            f"Owner: {rec.owner.name if rec.owner else 'unassigned'}",
            f"Due: {rec.due_date:%d %b %Y}" if rec.due_date else "Due: no date set",
            f"RAG: {rating.value}",
        ),
        reference=rec.reference,
    )


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


QUERIES: dict[str, Answer] = {
    Question.MY_ACTIONS: plain(my_actions),
    Question.OVERDUE_ACTIONS: plain(progress.overdue_actions),
    Question.ACTIONS_FOR: progress.actions_for,
    Question.PROGRESS_REPORT: plain(progress.progress_summary),
}
STATUS = StatusLookup(item_status)
"""Register items are named freely (VUL-18, TA-1): every prefix no other domain claims."""
