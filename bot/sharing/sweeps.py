"""Scheduled work of the information-sharing life cycle: reminders, lapses, agreement reviews.

Each sweep runs in one transaction and claims its rows atomically (SKIP LOCKED on PostgreSQL), then
advances them, so two replicas ticking at once remind once; outbox dedupe keys make a retried tick
harmless too. A sweep that runs late sends only the latest reminder that fell due, never a burst.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from bot.sharing.actions import lapse
from bot.sharing.case import holders, load_case
from bot.sharing.deadlines import REMINDER_TEXT, Point, Reminder, moment, points_of
from bot.sharing.lifecycle import STAGES, Clock, Party, RequestStatus
from bot.sharing.requests import PURPOSE_LABELS
from dialogs.messages import Notice
from storage import directory
from storage import sharing as store
from storage.models import InformationRequest, Person, SharingAgreement

BATCH = 100
REMINDER_KIND = "request_reminder"
AGREEMENT_KIND = "agreement_review"
DELETION_KIND = "request_deletion"

ASKS: dict[tuple[Party, Clock], str] = {
    (Party.OWNER, Clock.ACKNOWLEDGE): "Please acknowledge information request {reference}.",
    (Party.OWNER, Clock.DECIDE): "Please decide information request {reference}.",
    (Party.REQUESTER, Clock.ANSWER): (
        "Please answer the data owner's question about {reference}; without an answer it "
        "expires after the due date."
    ),
    (Party.OWNER, Clock.FULFIL): (
        "Please send the approved information for {reference} and mark it fulfilled."
    ),
    (Party.REVIEWER, Clock.REVIEW): "Please answer the challenge to {reference}.",
    (Party.AUTHORISER, Clock.AUTHORISE): (
        "Please authorise or refuse information request {reference}; it goes to the data "
        "owner only once you authorise it."
    ),
    (Party.OWNER, Clock.REDECIDE): (
        "The challenge to {reference} was upheld: please record your new decision (approve, or "
        "approve in part), then send it."
    ),
}


@dataclass(frozen=True)
class SweepReport:
    """What one sweep of request deadlines did."""

    reminded: int = 0
    lapsed: int = 0


async def sweep_requests(uow: UnitOfWork) -> SweepReport:
    """Send the reminders that are due and end the stages whose window has passed."""
    reminded = lapsed = 0
    for request in await store.claim_due_requests(uow.session, uow.now, BATCH):
        points = points_of(request, uow.calendar)
        due = [
            i
            for i in range(request.nudge_stage, len(points))
            if moment(points[i].day, uow.calendar) <= uow.now
        ]
        if not due:
            upcoming = points[request.nudge_stage :]
            request.next_nudge_at = moment(upcoming[0].day, uow.calendar) if upcoming else None
            continue
        index = due[-1]
        point = points[index]
        request.nudge_stage = index + 1
        request.next_nudge_at = (
            moment(points[index + 1].day, uow.calendar) if index + 1 < len(points) else None
        )
        stage = STAGES[RequestStatus(request.status)]
        if point.reminder is Reminder.LAPSE and stage.lapse is not None:
            lapsed += await lapse(uow, request, stage.lapse)
        elif await remind(uow, request, point):
            reminded += 1
    return SweepReport(reminded, lapsed)


async def remind(uow: UnitOfWork, request: InformationRequest, point: Point) -> bool:
    """Remind whoever holds the request now (their deputies too once it is overdue)."""
    case = await load_case(uow, request)
    stage = STAGES[case.status]
    ask = ASKS.get((stage.holder, stage.clock))
    people = holders(case, stage.holder, overdue=point.reminder is Reminder.OVERDUE)
    if ask is None or not people or request.stage_due_on is None:
        return False
    event = await store.last_event_id(uow.session, request.id)
    purpose = PURPOSE_LABELS.get(request.purpose_type, request.purpose_type)
    notice = Notice(
        kind=REMINDER_KIND,
        title=f"Reminder: {request.reference} ({REMINDER_TEXT[point.reminder]})",
        lines=(
            ask.format(reference=request.reference),
            f"Due by {request.stage_due_on:%d %b %Y}"
            + (" (overdue)" if point.reminder is Reminder.OVERDUE else ""),
            f"{request.partner.name}: {purpose}",
            f"Say status {request.reference} to see it and act on it.",
        ),
        reference=request.reference,
    )
    for person in people:
        await uow.notify(
            person,
            notice,
            dedupe_key=(
                f"request-reminder:{request.reference}:{event}:{point.reminder.value}:{person.id}"
            ),
        )
    await uow.audit(
        None,
        "request.reminded",
        request.reference,
        status=request.status,
        reminder=point.reminder.value,
        due_on=request.stage_due_on.isoformat(),
        to=[p.email for p in people],
    )
    return True


async def remind_deletions(uow: UnitOfWork) -> int:
    """Remind each requester, once, on the delete-by date they gave, to delete what was shared."""
    reminded = 0
    for request in await store.claim_deletions_due(uow.session, uow.today, BATCH):
        case = await load_case(uow, request)
        request.delete_reminded_at = uow.now
        if not case.requester.in_directory or request.delete_by is None:
            continue
        notice = Notice(
            kind=DELETION_KIND,
            title=f"Time to delete the information from {request.reference}",
            lines=(
                f"You said you would delete the information {request.partner.name} shared for "
                f"{request.reference} by {request.delete_by:%d %b %Y}.",
                "Please delete it now, with any copies and printouts, unless a record of your "
                "case must keep it; if so, tell your information governance lead.",
            ),
            reference=request.reference,
        )
        await uow.notify(case.requester, notice, dedupe_key=f"request-deletion:{request.reference}")
        await uow.audit(
            None,
            "request.deletion_reminded",
            request.reference,
            delete_by=request.delete_by.isoformat(),
            to=case.requester.email,
        )
        reminded += 1
    return reminded


async def flag_agreement_reviews(uow: UnitOfWork) -> int:
    """Tell each agreement's owner, once per review date, that it is past its review date.

    An agreement without an owner is flagged to the partnership coordinators instead. A new
    review date (re-imported) makes it eligible again once that date passes.
    """
    flagged = 0
    for agreement in await store.claim_agreements_past_review(uow.session, uow.today, BATCH):
        notified = agreement.review_notified_at
        if notified is not None and uow.calendar.local(notified).date() > agreement.review_date:
            continue
        owner = await uow.session.get(Person, agreement.owner_id) if agreement.owner_id else None
        people = (
            [owner]
            if owner is not None
            else list(await directory.people_with_role(uow.session, Role.COORDINATOR))
        )
        notice = review_notice(agreement)
        for person in people:
            await uow.notify(
                person,
                notice,
                dedupe_key=(
                    f"agreement-review:{agreement.reference}:{agreement.review_date}:{person.id}"
                ),
            )
        agreement.review_notified_at = uow.now
        await uow.audit(
            None,
            "agreement.review_flagged",
            agreement.reference,
            review_date=agreement.review_date.isoformat(),
            to=[p.email for p in people],
        )
        flagged += 1
    return flagged


def review_notice(agreement: SharingAgreement) -> Notice:
    """The flag an agreement's owner gets when its review date has passed."""
    return Notice(
        kind=AGREEMENT_KIND,
        title=f"Sharing agreement {agreement.reference} is past its review date",
        lines=(
            agreement.title,
            f"Review date: {agreement.review_date:%d %b %Y}",
            f"Parties: {', '.join(agreement.parties)}",
            "Requests can still cite it, but please review it with the parties and record the "
            "new review date in the agreements register.",
        ),
        reference=agreement.reference,
    )
