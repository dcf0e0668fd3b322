"""Recommendations: their RAG rating and the owner's updates (progress, done, blocked, extension)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from bot.services.calendar import WorkingCalendar
from bot.services.unit import ServiceError, UnitOfWork
from dialogs.messages import JsonValue, Notice
from storage import directory, records
from storage.models import Person, Recommendation, RecommendationUpdate

COORDINATOR_ROLE = "coordinator"
CLOSED = {"closed_verified", "handed_to_service", "withdrawn"}
DONE = CLOSED | {"completed_pending_verification"}
STATUS_LABELS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "blocked": "blocked",
    "extension_requested": "extension requested",
    "completed_pending_verification": "done, awaiting verification",
    "closed_verified": "closed (verified)",
    "handed_to_service": "handed to the service",
    "withdrawn": "withdrawn",
}


class Rag(StrEnum):
    """Red, amber, green, and blue for closed."""

    BLUE = "blue"
    RED = "red"
    AMBER = "amber"
    GREEN = "green"


def rag(rec: Recommendation, today: date, calendar: WorkingCalendar, cadence_days: int) -> Rag:
    """The RAG rating of DOMAIN.md section 4, unless a coordinator overrode it."""
    if rec.rag_override:
        return Rag(rec.rag_override)
    if rec.status in CLOSED:
        return Rag.BLUE
    overdue = rec.due_date is not None and rec.due_date < today and rec.status not in DONE
    if overdue or rec.status == "blocked" or rec.due_date_changes >= 2:
        return Rag.RED
    if rec.status not in DONE:
        if rec.due_date is not None and calendar.working_days_between(today, rec.due_date) <= 10:
            return Rag.AMBER
        last = rec.last_update_at.date() if rec.last_update_at else None
        if last is None or calendar.working_days_between(last, today) > cadence_days:
            return Rag.AMBER
    return Rag.GREEN


NEW_STATUS = {
    "progress": "in_progress",
    "done": "completed_pending_verification",
    "blocked": "blocked",
    "extension": "extension_requested",
}


async def record_update(
    uow: UnitOfWork, owner: Person, answers: dict[str, JsonValue]
) -> Recommendation:
    """Apply an owner's update; only the current owner may update an open recommendation."""
    rec = await records.recommendation_by_reference(uow.session, str(answers["recommendation"]))
    if rec is None:
        raise ServiceError("That recommendation is no longer in the register.")
    if rec.owner_id != owner.id:
        raise ServiceError(f"{rec.reference} is no longer yours, so nothing was changed.")
    if rec.status in CLOSED:
        raise ServiceError(f"{rec.reference} is already closed, so nothing was changed.")
    action = str(answers["action"])
    note = str(answers.get("note") or "")
    new_due = date.fromisoformat(str(answers["new_due"])) if answers.get("new_due") else None
    before = rec.status
    rec.status = NEW_STATUS[action]
    rec.last_update_at = uow.now
    uow.session.add(
        RecommendationUpdate(
            recommendation_id=rec.id,
            author_id=owner.id,
            kind=action,
            note=note,
            new_status=rec.status,
            new_due_date=new_due,
            rag=_optional(answers.get("rag")),
            at=uow.now,
        )
    )
    await uow.audit(
        owner,
        f"recommendation.{action}",
        rec.reference,
        before=before,
        after=rec.status,
        new_due=new_due.isoformat() if new_due else None,
    )
    if action in ("done", "blocked", "extension"):
        await _tell_coordinators(uow, rec, owner, action, note, new_due)
    return rec


def _optional(value: JsonValue) -> str | None:
    return str(value) if value else None


async def _tell_coordinators(
    uow: UnitOfWork,
    rec: Recommendation,
    owner: Person,
    action: str,
    note: str,
    new_due: date | None,
) -> None:
    headline = {
        "done": "marked done: please verify",
        "blocked": "is blocked",
        "extension": f"needs more time: new date {new_due:%d %b %Y}"
        if new_due
        else "needs more time",
    }[action]
    notice = Notice(
        kind=f"recommendation_{action}",
        title=f"{rec.reference} {headline}",
        lines=(rec.title, f"Owner: {owner.name}", f"Note: {note}"),
        reference=rec.reference,
    )
    stamp = uow.now.isoformat()
    for coordinator in await directory.people_with_role(uow.session, COORDINATOR_ROLE):
        await uow.notify(
            coordinator, notice, dedupe_key=f"rec-{action}:{rec.reference}:{coordinator.id}:{stamp}"
        )
