"""Chasing recommendation owners: one grouped nudge per owner, and escalations when items slip.

What is due lives in the rows: `next_nudge_at` is office opening on the day of an item's next
owner nudge or escalation (see `recommendations.next_nudge_at`). The sweep runs only in office
hours on working days. It claims due owners (their due items travel together), writes one nudge
per owner with buttons per item, escalates items that reached 5 or 20 working days overdue (or
whose owner stopped answering), and advances every row it touched, all in one transaction: a
restart or a second replica neither skips nor repeats a nudge.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from bot.core.ports import MAX_NOTICE_ACTIONS
from bot.core.unit import UnitOfWork, replacement_kind
from bot.recommendations.items import (
    ESCALATION_DAYS,
    GROUPING_DAYS,
    MAX_UNANSWERED,
    NUDGE_KIND,
    OPEN,
    REASSIGN_ACTION,
    STATUS_LABELS,
    chairs_for,
    coordinators_for,
    escalation_target,
    is_coordinator,
    item_line,
    owner_actions,
    owner_nudge,
    replan,
)
from dialogs.messages import Notice, NoticeAction, notice_from_json, notice_to_json
from storage import outbox, register
from storage.audit import Audited, append_audits
from storage.bulk import save_locked
from storage.models import Person, Recommendation
from storage.records import next_reference, next_references

ESCALATION_KIND = "recommendation_escalation"
ITEM_BUTTONS = 6  # what `owner_actions` offers for one item
MAX_ITEMS_WITH_BUTTONS = MAX_NOTICE_ACTIONS // ITEM_BUTTONS
OWNERS_PER_SWEEP = 200
HINT = "Choose an action for each item, or say 'update an action'. Snooze puts one off for a week."


@dataclass(frozen=True)
class NudgeReport:
    """What one sweep sent."""

    owners: int = 0
    items: int = 0
    escalations: int = 0


def nudge_notice(reference: str, items: list[Recommendation], uow: UnitOfWork) -> Notice:
    """One owner's grouped nudge: a line per item, and the item buttons (for the first few)."""
    lines = [item_line(rec, uow.today, uow.calendar) for rec in items]
    if len(items) > MAX_ITEMS_WITH_BUTTONS:
        lines.append(
            f"Actions are offered for the first {MAX_ITEMS_WITH_BUTTONS}; "
            "say 'update an action' for the others."
        )
    lines.append(HINT)
    title = (
        f"{items[0].reference} needs an update from you"
        if len(items) == 1
        else f"Your recommendations: {len(items)} need an update from you"
    )
    buttons = tuple(
        button for rec in items[:MAX_ITEMS_WITH_BUTTONS] for button in owner_actions(rec)
    )
    return Notice(NUDGE_KIND, title, tuple(lines), reference, buttons)


def escalation_reason(rec: Recommendation, level: int, uow: UnitOfWork) -> str:
    """Why an item was escalated, in a few words."""
    late = (
        uow.calendar.working_days_between(rec.due_date, uow.today)
        if rec.due_date is not None and rec.due_date < uow.today
        else 0
    )
    reasons = []
    threshold = max((days for lvl, days in ESCALATION_DAYS if lvl <= level), default=0)
    if threshold and late >= threshold:
        reasons.append(f"{late} working days overdue")
    if rec.unanswered_nudges >= MAX_UNANSWERED:
        reasons.append(f"no answer to the last {rec.unanswered_nudges} nudges")
    if level >= 2:
        reasons.append("escalated to the chair")
    return "; ".join(reasons) or "needs attention"


def escalation_notice(
    reference: str, items: list[tuple[Recommendation, int]], uow: UnitOfWork, buttons: bool
) -> Notice:
    """Items escalated to one person, with the owner and why; coordinators can reassign each."""
    lines = tuple(
        f"{item_line(rec, uow.today, uow.calendar)} "
        f"Owner: {rec.owner.name if rec.owner else 'nobody (it needs a new owner)'}. "
        f"Why: {escalation_reason(rec, level, uow)}."
        for rec, level in items
    )
    count = len(items)
    title = (
        f"Escalated to you: {count} recommendation{'s need' if count > 1 else ' needs'} attention"
    )
    actions = (
        tuple(
            NoticeAction(REASSIGN_ACTION, f"{rec.reference} reassign", rec.reference)
            for rec, _level in items
        )
        if buttons
        else ()
    )
    return Notice(ESCALATION_KIND, title, lines, reference, actions)


async def sweep(uow: UnitOfWork) -> NudgeReport:
    """Claim due owners and items, send grouped nudges and escalations, advance the rows.

    Everything is decided in memory first; then the touched items, the notices and the audit
    rows are written in a few batched statements (10 000 due items took 10 000s of round trips
    one row at a time; see docs/performance.md).
    """
    calendar = uow.calendar
    if calendar.next_office_moment(uow.now) != uow.now:
        return NudgeReport()
    cadence = uow.settings.recommendation_cadence_days
    today = uow.today
    owners = await register.claim_due_owners(uow.session, uow.now, OWNERS_PER_SWEEP)
    touched = [
        *await register.items_of(uow.session, owners, OPEN),
        *await register.claim_unowned_due(uow.session, uow.now, OWNERS_PER_SWEEP),
    ]
    due: dict[int, list[Recommendation]] = defaultdict(list)
    early: dict[int, list[Recommendation]] = defaultdict(list)
    horizon = calendar.add_working_days(today, GROUPING_DAYS)
    escalations: list[tuple[Recommendation, int, int]] = []
    for rec in touched:
        target = escalation_target(rec, today, calendar, cadence)
        if target > rec.escalation_level:
            escalations.append((rec, rec.escalation_level, target))
            rec.escalation_level = target
        nudge = owner_nudge(rec, today, calendar, cadence)
        if nudge is None or rec.owner_id is None:
            continue
        if nudge.day <= today:
            due[rec.owner_id].append(rec)
        elif nudge.update_only and nudge.day <= horizon:
            early[rec.owner_id].append(rec)
    writes = _Writes()
    with uow.session.no_autoflush:
        groups = [[*recs, *early.get(owner_id, [])] for owner_id, recs in due.items()]
        references = await next_references(uow.session, "RN", today.year, len(groups))
        for reference, group in zip(references, groups, strict=True):
            _nudge(uow, reference, group, writes)
        sent = await _escalate(uow, escalations, writes)
        for rec in touched:
            if rec.snoozed_until is not None and rec.snoozed_until <= uow.now:
                rec.snoozed_until = None
            replan(uow, rec)
    await save_locked(uow.session, touched)
    await outbox.enqueue_many(uow.session, writes.notices, now=uow.now)
    await append_audits(uow.session, at=uow.now, entries=writes.audits)
    return NudgeReport(owners=len(due), items=sum(len(g) for g in groups), escalations=sent)


@dataclass
class _Writes:
    """The notices and audit rows a sweep writes once it has decided everything."""

    notices: list[outbox.Queued] = field(default_factory=list)
    audits: list[Audited] = field(default_factory=list)

    def notify(self, recipient: Person, notice: Notice, dedupe_key: str) -> None:
        self.notices.append(
            outbox.Queued(
                dedupe_key=dedupe_key,
                kind=notice.kind,
                payload=notice_to_json(notice),
                recipient_id=recipient.id,
                reference=notice.reference,
            )
        )


def _nudge(uow: UnitOfWork, reference: str, items: list[Recommendation], writes: _Writes) -> None:
    owner = items[0].owner
    assert owner is not None
    refs = ",".join(sorted(rec.reference for rec in items))
    digest = hashlib.sha256(refs.encode()).hexdigest()[:16]
    writes.notify(
        owner,
        nudge_notice(reference, items, uow),
        f"rec-nudge:{owner.id}:{uow.today.isoformat()}:{digest}",
    )
    for rec in items:
        rec.last_nudged_at = uow.now
        rec.unanswered_nudges += 1
    writes.audits.append(
        Audited("system", "recommendation.nudged", reference, {"owner": owner.email, "items": refs})
    )


async def _escalate(
    uow: UnitOfWork, escalations: list[tuple[Recommendation, int, int]], writes: _Writes
) -> int:
    """One notice per recipient listing the items escalated to them in this sweep."""
    if not escalations:
        return 0
    recipients: dict[int, Person] = {}
    lists: dict[int, list[tuple[Recommendation, int]]] = defaultdict(list)
    for rec, before, after in escalations:
        for level in range(before + 1, after + 1):
            people = (
                await coordinators_for(uow, rec.owner_id)
                if level == 1
                else await chairs_for(uow, rec.owner_id)
            )
            for person in people:
                recipients[person.id] = person
                if all(r.id != rec.id for r, _l in lists[person.id]):
                    lists[person.id].append((rec, after))
        writes.audits.append(
            Audited(
                "system",
                "recommendation.escalated",
                rec.reference,
                {
                    "before": before,
                    "after": after,
                    "overdue_since": rec.due_date.isoformat() if rec.due_date else None,
                    "unanswered": rec.unanswered_nudges,
                },
            )
        )
    reference = await next_reference(uow.session, "RE", uow.today.year)
    for person_id, items in lists.items():
        person = recipients[person_id]
        notice = escalation_notice(reference, items, uow, buttons=is_coordinator(person))
        writes.notify(person, notice, f"rec-escalation:{reference}:{person_id}")
    return len(escalations)


async def replan_all(uow: UnitOfWork) -> int:
    """Recompute every item's next nudge from its state (after a bulk change or a clock jump)."""
    items = await register.all_items(uow.session)
    for rec in items:
        replan(uow, rec)
    return len(items)


async def settle_nudges(uow: UnitOfWork, rec: Recommendation, owner_id: int, outcome: str) -> int:
    """Take one item's buttons off every nudge its (former) owner got, saying what became of it.

    The rest of each grouped nudge keeps its buttons; a stale press is refused anyway, this just
    stops people from pressing them.
    """
    rows = await register.notices_to(
        uow.session, owner_id, (NUDGE_KIND, replacement_kind(NUDGE_KIND)), 60
    )
    latest: dict[str, Notice] = {}
    for row in rows:
        latest.setdefault(row.record_reference, notice_from_json(row.payload))
    refreshed = 0
    marker = f"{rec.reference} "
    for notice in latest.values():
        if not any(action.reference == rec.reference for action in notice.actions):
            continue
        lines = tuple(
            f"{rec.reference} {rec.title}: {outcome}." if line.startswith(marker) else line
            for line in notice.lines
        )
        actions = tuple(a for a in notice.actions if a.reference != rec.reference)
        await uow.refresh_notices(
            Notice(NUDGE_KIND, notice.title, lines, notice.reference, actions), NUDGE_KIND
        )
        refreshed += 1
    return refreshed


def outcome_text(rec: Recommendation) -> str:
    """What became of an item, for the line that replaces it in an old nudge."""
    return STATUS_LABELS.get(rec.status, rec.status) + " (answered)"
