"""Answers straight from the hub: status of a record, my actions, my reports, my requests.

Visibility is decided here, not in any renderer: a record the actor may not see is answered
exactly like a record that does not exist, so references cannot be probed.
"""

from __future__ import annotations

from bot.core.unit import UnitOfWork
from bot.prevent.alerts import LABELS, is_manager, status_text
from bot.recommendations.items import STATUS_LABELS, rag
from bot.sharing import actions as sharing
from dialogs.messages import Notice, Outbound, Say
from storage import records
from storage.models import Person

HELP = (
    "I can help you to:\n"
    "- report something you saw (hate graffiti, stickers, symbols): say 'report'\n"
    "- ask a partner for information: say 'request information'\n"
    "- see and update your recommendations: say 'my actions' or 'update an action'\n"
    "- check a record: say 'status CN-2026-0001'\n"
    "- see what you reported or requested: 'my reports', 'my requests'\n"
    "In a conversation: help, back, skip, edit <field>, start over, cancel."
)
ROLE_HELP: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("prevent_manager", "admin"),
        "- Prevent / CST: 'open concerns', 'hotspots', 'concerns near Cheapside this month', "
        "'elevated tension', 'tension areas', 'trigger event'; act on an alert with its buttons "
        "or by typing e.g. 'acknowledge CN-2026-0001'",
    ),
    (
        ("data_owner", "information_governance"),
        "- data owners: act on a request with its buttons or by typing e.g. "
        "'acknowledge IR-2026-0001'",
    ),
    (
        ("coordinator", "board", "chair"),
        "- coordinators: 'overdue actions', 'actions for Housing', 'progress report', "
        "'add an action', 'reassign VUL-18'",
    ),
)


def help_for(actor: Person) -> str:
    """The help text, with the lines for the roles the actor holds."""
    extra = [text for roles, text in ROLE_HELP if any(actor.has_role(r) for r in roles)]
    if not extra:
        return HELP
    body, _, commands = HELP.rpartition("\n")
    return "\n".join([body, *extra, commands])


NOT_FOUND = "I can't find a record with that reference that you can see."


def can_see_concern(actor: Person, reporter_id: int) -> bool:
    return actor.id == reporter_id or is_manager(actor)


async def status(uow: UnitOfWork, actor: Person, reference: str) -> Outbound:
    """The status of CN-/IR-/recommendation `reference`, if the actor may see it."""
    if not reference:
        return Say("Which record? Say status and its reference, for example: status CN-2026-0001.")
    prefix = reference.split("-")[0].upper()
    if prefix == "CN":
        concern = await records.concern_by_reference(uow.session, reference)
        if concern is None or not can_see_concern(actor, concern.reporter_id):
            return Say(NOT_FOUND)
        return Notice(
            kind="status",
            title=f"{concern.reference}: {status_text(concern)}",
            lines=(
                f"Priority: {concern.priority}",
                f"Category: {LABELS.get(concern.category, concern.category)}",
                f"Where: {concern.location_text}",
                f"Reported: {concern.created_at:%d %b %Y}",
            ),
            reference=concern.reference,
        )
    if prefix == "IR":
        return await sharing.request_status(uow, actor, reference)
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
    """The recommendations the actor owns, with status and RAG."""
    owned = await records.recommendations_owned_by(uow.session, actor.id)
    if not owned:
        return Say("You don't own any recommendations.")
    cadence = uow.settings.recommendation_cadence_days
    lines = tuple(
        f"{rec.reference} [{rag(rec, uow.today, uow.calendar, cadence).value.upper()}] {rec.title} "
        f"({STATUS_LABELS.get(rec.status, rec.status)}"
        + (f", due {rec.due_date:%d %b %Y})" if rec.due_date else ")")
        for rec in owned
    )
    return Notice(
        kind="my_actions",
        title=f"Your recommendations ({len(owned)})",
        lines=(
            *lines,
            "Say 'update an action' to post progress, mark one done, or ask for more time.",
        ),
    )


async def my_reports(uow: UnitOfWork, actor: Person) -> Outbound:
    concerns = await records.concerns_by_reporter(uow.session, actor.id)
    if not concerns:
        return Say("You haven't reported any concerns yet. Say 'report' to log one.")
    return Notice(
        kind="my_reports",
        title=f"Your reports ({len(concerns)})",
        lines=tuple(
            f"{c.reference} {LABELS.get(c.category, c.category)}, {c.location_text}: {c.status.replace('_', ' ')}"
            for c in concerns[:20]
        ),
    )


async def my_requests(uow: UnitOfWork, actor: Person) -> Outbound:
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
