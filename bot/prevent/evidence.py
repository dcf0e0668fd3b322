"""What a manager sees of a concern beyond its own fields: photos, assignee and its history.

Only managers see these lines (alerts are sent by DM, `status` checks the role first). The
reporter is named only when they agreed to show their name; otherwise the history says "the
reporter". The history comes from the audit trail, which holds the reference, the kind of
change, who and when (never the details), shown in local time.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.core.unit import UnitOfWork
from storage.models import Attachment, AuditEntry, Concern, ConcernFollowUp, Person

HISTORY_LIMIT = 12
"""The newest history lines shown; the audit trail keeps them all."""
CHANGE_WORDS = {
    "reported": "reported",
    "acknowledged": "acknowledged",
    "assigned": "assigned",
    "referred": "referral recorded",
    "removal_requested": "removal requested",
    "priority_changed": "priority changed",
    "duplicate": "marked duplicate",
    "closed": "closed",
    "escalated": "escalated (not acknowledged in time)",
    "removed": "removed",
    "cannot_remove": "removal not possible",
    "removal_passed_on": "removal passed on",
    "removal_reminded": "remover reminded",
    "removal_overdue": "removal overdue",
    "reporter_asked": "question put to the reporter",
    "reporter_answered": "question answered",
    "reporter_unreachable": "question not sent: reporter no longer reachable",
}
SYSTEM = "system"
THE_REPORTER = "the reporter"
BY_THE_REPORTER = frozenset({"reported", "reporter_answered"})
"""Changes only the reporter makes: never named from the audit row, which keeps their email
even after the concern is anonymised."""


def shows_name(concern: Concern) -> bool:
    """Whether the reporter agreed that their name may be shown on this report."""
    answers = concern.answers if isinstance(concern.answers, dict) else {}
    return answers.get("show_name") == "yes"


async def reporter_label(uow: UnitOfWork, concern: Concern) -> str:
    """How managers see the reporter: their name if they agreed, else "the reporter"."""
    if concern.reporter_id is None or not shows_name(concern):
        return THE_REPORTER
    reporter = await uow.session.get(Person, concern.reporter_id)
    return reporter.name if reporter is not None else THE_REPORTER


async def photo_lines(uow: UnitOfWork, concern: Concern) -> tuple[str, ...]:
    """How many photos came with the report, each numbered with the start of its SHA-256."""
    photos = list(
        await uow.session.scalars(
            select(Attachment)
            .where(Attachment.record_reference == concern.reference)
            .order_by(Attachment.id)
        )
    )
    if not photos:
        return ("Photos: none",)
    return (
        f"Photos: {len(photos)}",
        # Numbered, never by the file's own name, which can name the reporter ("IMG Alex.jpg")
        *(f"- Photo {n} (SHA-256 {p.sha256[:12]}...)" for n, p in enumerate(photos, start=1)),
    )


async def assignee_line(uow: UnitOfWork, concern: Concern) -> str:
    """Who the concern is assigned to, by name."""
    if concern.assigned_to_id is None:
        return "Assigned to: nobody yet"
    assignee = await uow.session.get(Person, concern.assigned_to_id)
    return f"Assigned to: {assignee.name if assignee else 'someone who has left'}"


async def history_lines(uow: UnitOfWork, concern: Concern) -> tuple[str, ...]:
    """The concern's changes from the audit trail, oldest first: when (local), what, who."""
    rows = list(
        await uow.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.record_reference == concern.reference,
                AuditEntry.action.startswith("concern."),
            )
            .order_by(AuditEntry.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    if not rows:
        return ()
    reporter = await uow.session.get(Person, concern.reporter_id) if concern.reporter_id else None
    names = {
        p.email: p.name
        for p in await uow.session.scalars(
            select(Person).where(Person.email.in_({r.actor for r in rows}))
        )
    }
    label = await reporter_label(uow, concern)
    lines = ["History:"]
    for row in reversed(rows):
        kind = row.action.removeprefix("concern.")
        if row.actor == SYSTEM:
            who = "the hub"
        elif kind in BY_THE_REPORTER or (reporter is not None and row.actor == reporter.email):
            who = label
        else:
            who = names.get(row.actor, "someone who has left")
        when = f"{uow.calendar.local(row.at):%a %d %b %H:%M}"
        lines.append(f"- {when} {CHANGE_WORDS.get(kind, kind.replace('_', ' '))} by {who}")
    return tuple(lines)


async def follow_ups(uow: UnitOfWork, concern: Concern) -> list[ConcernFollowUp]:
    """The questions put to the concern's reporter, oldest first."""
    return list(
        await uow.session.scalars(
            select(ConcernFollowUp)
            .where(ConcernFollowUp.concern_id == concern.id)
            .order_by(ConcernFollowUp.id)
        )
    )


async def follow_up_lines(uow: UnitOfWork, concern: Concern) -> tuple[str, ...]:
    """Each question to the reporter, who asked it and when, and the answer or that it waits."""
    asked = await follow_ups(uow, concern)
    if not asked:
        return ()
    label = await reporter_label(uow, concern)
    lines = ["Questions to the reporter:"]
    for follow_up in asked:
        asker = (
            await uow.session.get(Person, follow_up.asked_by_id) if follow_up.asked_by_id else None
        )
        when = f"{uow.calendar.local(follow_up.asked_at):%a %d %b %H:%M}"
        lines.append(f"- {when} {asker.name if asker else 'a manager'} asked: {follow_up.question}")
        if follow_up.answered_at is None:
            lines.append("  Not answered yet.")
        else:
            answered = f"{uow.calendar.local(follow_up.answered_at):%a %d %b %H:%M}"
            lines.append(f"  {answered} {label} answered: {follow_up.answer}")
    return tuple(lines)


async def manager_lines(uow: UnitOfWork, concern: Concern) -> tuple[str, ...]:
    """Photos and assignee, for the alert and a manager's `status`."""
    return (*await photo_lines(uow, concern), await assignee_line(uow, concern))
