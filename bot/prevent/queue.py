"""The managers' queue of concerns: filtered, urgent and overdue first, with what a map needs.

Read-only, and for the Prevent / Community Safety team (and admins) only: anyone else gets None,
as if there were no queue, so the pages can answer "not found" without knowing the roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.core.exports import Table
from bot.core.unit import UnitOfWork
from bot.prevent.alerts import LABELS, is_manager, removal_of, status_text
from bot.prevent.area import area_name, export_concerns, place_name
from bot.prevent.forms import CATEGORIES
from bot.prevent.lifecycle import OPEN, ConcernStatus, RemovalStatus
from bot.prevent.triage import Priority
from storage.models import Concern, Person, TensionArea

URGENT = frozenset({Priority.P0.name, Priority.P1.name})
OPEN_CONCERNS = "open"
"""The status filter meaning new or acknowledged."""
EXPORT_OPERATOR = "web hub"


@dataclass(frozen=True)
class QueueFilters:
    """What the manager narrowed the queue to; an empty value means any."""

    priority: str = ""
    status: str = ""
    area: str = ""
    category: str = ""
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class QueueRow:
    """One concern in the queue: what it is, where, how urgent and whether it is late.

    `due` is the acknowledgement deadline while it waits, else the removal deadline while a
    removal is requested; local time. Coordinates come from the gazetteer (None: not placed)."""

    reference: str
    priority: str
    category: str
    place: str
    area: str
    status: str
    reported: datetime
    due: datetime | None
    overdue: bool
    latitude: float | None
    longitude: float | None

    @property
    def urgent(self) -> bool:
        return self.priority in URGENT


@dataclass(frozen=True)
class Queue:
    """The filtered queue and the choices its filter offers."""

    rows: tuple[QueueRow, ...]
    priorities: tuple[str, ...]
    statuses: tuple[tuple[str, str], ...]
    """(value, label) of each status choice."""
    categories: tuple[tuple[str, str], ...]
    areas: tuple[str, ...]


@dataclass(frozen=True)
class TensionRow:
    """An area of elevated tension in force, for the list with its End button."""

    reference: str
    label: str
    reason: str
    starts: datetime
    ends: datetime


STATUSES = (
    (OPEN_CONCERNS, "Open (new or acknowledged)"),
    (ConcernStatus.NEW.value, "Waiting for acknowledgement"),
    (ConcernStatus.ACKNOWLEDGED.value, "Acknowledged"),
    (ConcernStatus.CLOSED.value, "Closed"),
    (ConcernStatus.DUPLICATE.value, "Duplicate"),
)


def _due(concern: Concern) -> datetime | None:
    if concern.status == ConcernStatus.NEW and concern.ack_due_at is not None:
        return concern.ack_due_at
    if removal_of(concern) is RemovalStatus.REQUESTED and concern.status in OPEN:
        return concern.removal_due_at
    return None


def _row(uow: UnitOfWork, concern: Concern) -> QueueRow:
    due = _due(concern)
    return QueueRow(
        reference=concern.reference,
        priority=concern.priority,
        category=LABELS.get(concern.category, concern.category),
        place=place_name(concern),
        area=area_name(concern),
        status=status_text(concern),
        reported=uow.calendar.local(concern.created_at),
        due=uow.calendar.local(due) if due is not None else None,
        overdue=due is not None and due <= uow.now,
        latitude=concern.latitude,
        longitude=concern.longitude,
    )


def _rank(row: QueueRow, status: str) -> tuple[int, str, float]:
    """Open urgent or overdue concerns first, then the other open ones, then the rest; by
    priority within each, newest first."""
    still_open = status in OPEN
    first = 0 if still_open and (row.urgent or row.overdue) else 1 if still_open else 2
    return first, row.priority, -row.reported.timestamp()


async def concern_queue(filters: QueueFilters, uow: UnitOfWork, actor: Person) -> Queue | None:
    """The concerns matching `filters`, most pressing first; None for anyone but a manager."""
    if not is_manager(actor):
        return None
    query = select(Concern)
    if filters.priority:
        query = query.where(Concern.priority == filters.priority)
    if filters.status == OPEN_CONCERNS:
        query = query.where(Concern.status.in_(sorted(s.value for s in OPEN)))
    elif filters.status:
        query = query.where(Concern.status == filters.status)
    if filters.category:
        query = query.where(Concern.category == filters.category)
    zone = uow.settings.timezone
    if filters.since is not None:
        start = datetime.combine(filters.since, datetime.min.time(), tzinfo=zone)
        query = query.where(Concern.created_at >= start)
    if filters.until is not None:
        end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        query = query.where(Concern.created_at < end)
    concerns = list(await uow.session.scalars(query.order_by(Concern.id)))
    ranked = sorted(((_row(uow, c), c.status) for c in concerns), key=lambda p: _rank(*p))
    rows = tuple(row for row, _status in ranked if not filters.area or row.area == filters.area)
    every_area = await uow.session.scalars(select(Concern))
    return Queue(
        rows=rows,
        priorities=tuple(p.name for p in Priority),
        statuses=STATUSES,
        categories=tuple((o.value, o.label) for o in CATEGORIES),
        areas=tuple(sorted({area_name(c) for c in every_area} - {""})),
    )


async def tension_rows(uow: UnitOfWork, actor: Person) -> tuple[TensionRow, ...] | None:
    """The areas of elevated tension in force, soonest to end first; None for non-managers."""
    if not is_manager(actor):
        return None
    areas = await uow.session.scalars(
        select(TensionArea).where(TensionArea.ends_at > uow.now).order_by(TensionArea.ends_at)
    )
    return tuple(
        TensionRow(
            f"TA-{a.id}",
            a.label,
            a.reason,
            uow.calendar.local(a.starts_at),
            uow.calendar.local(a.ends_at),
        )
        for a in areas
    )


async def export_for(since: date, uow: UnitOfWork, actor: Person) -> Table | None:
    """`saferhub concerns export`'s table (without reporters) for a manager; None for others.
    Audited like the command, naming the manager and the web hub as the operator."""
    if not is_manager(actor):
        return None
    return await export_concerns(
        uow, since, actor=actor, operator=EXPORT_OPERATOR, with_reporters=False
    )
