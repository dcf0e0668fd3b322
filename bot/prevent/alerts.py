"""The Prevent manager's side of concerns: alerts, acknowledgement deadlines, actions, escalation.

Alerts go to every on-duty manager with the priority and its reasons and the actions they can take.
P0/P1 alert at once, P2 the same working day, P3 in a daily digest, P4 in a weekly one. When an
alert is not acknowledged by its deadline, it steps up one priority and is sent again; from the
second miss the managers' deputies get it too. Every action is checked against the actor's role and
the concern's state here, audited, shown to the reporter as a short status (never who handled it),
and replaces the alert's buttons everywhere so nobody acts on a stale copy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.unit import ActionHandler, ActionOutcome, ServiceError, Submitter, UnitOfWork, refuse
from bot.prevent import action_forms as concern_actions
from bot.prevent.forms import CATEGORIES, LOCATION_TYPES
from bot.prevent.triage import Place, Priority
from dialogs.messages import (
    ActionInput,
    Completed,
    JsonValue,
    Notice,
    NoticeAction,
    Option,
    Outbound,
    Say,
    notice_to_json,
)
from storage import directory, outbox, records
from storage.dialect import claimable
from storage.models import Concern, ConcernEvent, Person

MANAGER_ROLE = "prevent_manager"
ALERT_KIND = "concern_alert"
LABELS = {o.value: o.label for o in (*CATEGORIES, *LOCATION_TYPES)}
MAX_ESCALATIONS = 3
FOLD_WINDOW = timedelta(minutes=30)
FOLD_RADIUS_M = 50.0
OPEN = ("new", "acknowledged")
HATE_GRAFFITI = "hate_graffiti"

ACKNOWLEDGE = "concern.acknowledge"
DETAIL_ACTIONS: dict[str, tuple[str, str]] = {
    "concern.assign": (concern_actions.ASSIGN, "Assign"),
    "concern.refer": (concern_actions.REFER, "Refer"),
    "concern.request_removal": (concern_actions.REMOVAL, "Request removal"),
    "concern.change_priority": (concern_actions.PRIORITY, "Change priority"),
    "concern.duplicate": (concern_actions.DUPLICATE, "Duplicate"),
    "concern.close": (concern_actions.CLOSE, "Close"),
}


def is_manager(person: Person) -> bool:
    """Prevent / CST managers (and admins) see every concern and act on alerts."""
    return person.has_role(MANAGER_ROLE) or person.has_role("admin")


def ack_due(uow: UnitOfWork, priority: Priority) -> datetime | None:
    """When an alert of this priority must be acknowledged (None: digest only)."""
    calendar = uow.calendar
    if priority is Priority.P0:
        return uow.now + timedelta(minutes=30)
    if priority is Priority.P1:
        return calendar.add_working_hours(uow.now, 1)
    if priority is Priority.P2:
        start = calendar.local(calendar.next_office_moment(uow.now))
        return datetime.combine(start.date(), calendar.closes, tzinfo=calendar.timezone)
    if priority is Priority.P3:
        day = calendar.add_working_days(uow.today, 5)
        return datetime.combine(day, calendar.closes, tzinfo=calendar.timezone)
    return None


def alert_notice(concern: Concern, explanation: str) -> Notice:
    """The manager's alert (by DM only): priority and reasons, what and where, and the actions."""
    lines = [
        explanation,
        f"Category: {LABELS.get(concern.category, concern.category)}",
        f"Where: {concern.location_text} ({LABELS.get(concern.location_type, concern.location_type)})",
        f"Seen: {concern.seen_at:%d %b %Y %H:%M} UTC",
        f"What was seen: {concern.description}",
    ]
    related = concern.answers.get("related") if isinstance(concern.answers, dict) else None
    if isinstance(related, list) and related:
        lines.append("Related: " + ", ".join(str(r) for r in related))
    if concern.fold_count:
        lines.append(
            f"Also reported by {concern.fold_count} other{'s' if concern.fold_count > 1 else ''} since."
        )
    lines.append(f"Status: {status_text(concern)}")
    return Notice(
        kind=ALERT_KIND,
        title=f"{concern.priority} concern {concern.reference}",
        lines=tuple(lines),
        reference=concern.reference,
        actions=alert_actions(concern),
    )


def status_text(concern: Concern) -> str:
    """The concern's state in a few words."""
    if concern.status == "duplicate":
        return f"duplicate of {concern.duplicate_of}"
    if concern.status == "closed":
        return f"closed: {concern.outcome}"
    if concern.status == "acknowledged":
        return "acknowledged" + (", removal requested" if concern.removal_due_at else "")
    return "waiting for acknowledgement"


def alert_actions(concern: Concern) -> tuple[NoticeAction, ...]:
    """The buttons an alert offers in the concern's current state (none once it is closed)."""
    if concern.status not in OPEN:
        return ()
    buttons = []
    if concern.status == "new":
        buttons.append(NoticeAction(ACKNOWLEDGE, "Acknowledge", concern.reference, "primary"))
    buttons.extend(
        NoticeAction(action, label, concern.reference)
        for action, (_f, label) in DETAIL_ACTIONS.items()
    )
    return tuple(buttons)


def explanation_of(concern: Concern) -> str:
    """'P1 because: ...' from the stored reasons of the current priority."""
    reasons = (
        concern.answers.get("reasons_by_priority") if isinstance(concern.answers, dict) else None
    )
    texts = reasons.get(concern.priority) if isinstance(reasons, dict) else None
    if isinstance(texts, list) and texts:
        return f"{concern.priority} because: " + "; ".join(str(t) for t in texts)
    return f"{concern.priority} because: " + "; ".join(concern.reasons)


async def managers(uow: UnitOfWork) -> list[Person]:
    """Every on-duty Prevent manager."""
    return [m for m in await directory.people_with_role(uow.session, MANAGER_ROLE) if m.on_duty]


async def raise_alert(uow: UnitOfWork, concern: Concern, priority: Priority) -> None:
    """Alert the managers about a new concern with the weight of its priority.

    P3 and P4 wait for the daily and weekly digests; a repeat at the same spot within minutes is
    folded into the first alert instead of paging again.
    """
    concern.ack_due_at = ack_due(uow, priority)
    first = await _fold_target(uow, concern)
    if first is not None and Priority[first.priority] <= priority:
        # Many people report the same thing at once: lock the first report so their folds queue
        # (PostgreSQL) instead of failing each other's version checks until the turn gives up.
        await uow.session.refresh(first, with_for_update=True)
        concern.folded_into = first.reference
        first.fold_count += 1
        await uow.refresh_notices(alert_notice(first, explanation_of(first)), ALERT_KIND)
        return
    if priority >= Priority.P3:
        return
    if priority <= Priority.P1 and uow.settings.alerts_channel:
        await _post_to_alerts_channel(uow, concern, priority)
    due = uow.now if priority <= Priority.P1 else uow.calendar.next_office_moment(uow.now)
    notice = alert_notice(concern, explanation_of(concern))
    for manager in await managers(uow):
        await uow.notify(
            manager,
            notice,
            dedupe_key=f"concern-alert:{concern.reference}:{manager.id}",
            due_at=due,
        )


async def _post_to_alerts_channel(uow: UnitOfWork, concern: Concern, priority: Priority) -> None:
    """A post for the shared alerts channel: reference, priority, category and area only.

    Never the description, the exact place or the reporter: details go to managers by DM.
    """
    area = concern.postcode_sector or concern.street_key.title() or "area not given"
    notice = Notice(
        "concern_channel_post",
        f"{priority.label} concern {concern.reference}",
        (
            f"Category: {LABELS.get(concern.category, concern.category)}",
            f"Area: {area}",
            "The Prevent / Community Safety managers have the details by direct message.",
        ),
        concern.reference,
    )
    await outbox.enqueue(
        uow.session,
        dedupe_key=f"concern-channel:{concern.reference}",
        kind=notice.kind,
        payload=notice_to_json(notice),
        now=uow.now,
        channel=uow.settings.alerts_channel,
        reference=concern.reference,
    )


async def _fold_target(uow: UnitOfWork, concern: Concern) -> Concern | None:
    here = Place(concern.latitude, concern.longitude, concern.street_key, concern.postcode_sector)
    recent = await records.reported_since_near(
        uow.session,
        since=uow.now - FOLD_WINDOW,
        street_key=concern.street_key,
        postcode_sector=concern.postcode_sector,
    )
    for earlier in recent:
        if (
            earlier.id == concern.id
            or earlier.folded_into
            or earlier.created_at < uow.now - FOLD_WINDOW
        ):
            continue
        there = Place(
            earlier.latitude, earlier.longitude, earlier.street_key, earlier.postcode_sector
        )
        if here.near(there, FOLD_RADIUS_M) and earlier.status in OPEN:
            return earlier
    return None


async def _check(uow: UnitOfWork, actor: Person, reference: str) -> Concern | str:
    """The concern an action is about, or why the actor may not act on it (now)."""
    if not is_manager(actor):
        return "Only the Prevent / Community Safety team can act on concern alerts."
    concern = await records.concern_by_reference(uow.session, reference)
    if concern is None:
        return f"There is no concern {reference[:20]}."
    if concern.status not in OPEN:
        return f"{concern.reference} is already {status_text(concern)}; nothing was changed."
    return concern


async def _load(
    uow: UnitOfWork, actor: Person, action: str, reference: str
) -> Concern | ActionOutcome:
    """The concern a button is about, or the audited refusal to give."""
    found = await _check(uow, actor, reference)
    if isinstance(found, str):
        return await refuse(uow, actor, action, reference, found)
    return found


async def acknowledge(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Acknowledge an alert: stops escalation, tells the reporter, updates every copy."""
    found = await _load(uow, actor, pressed.action, pressed.reference)
    if isinstance(found, ActionOutcome):
        return found
    if found.status != "new":
        return await refuse(
            uow,
            actor,
            pressed.action,
            found.reference,
            f"{found.reference} was already acknowledged.",
        )
    await _take_on(uow, found)
    await _record(uow, actor, found, "acknowledged", {})
    return ActionOutcome([Say(f"{found.reference} acknowledged.")])


async def _take_on(uow: UnitOfWork, concern: Concern, *, tell_reporter: bool = True) -> None:
    """Acting on a new concern acknowledges it (its escalation stops) and tells the reporter so,
    whichever action came first: acknowledge, assign, refer or request removal."""
    if concern.status != "new":
        return
    concern.status, concern.acknowledged_at = "acknowledged", uow.now
    if tell_reporter:
        await _tell_reporter(
            uow,
            concern,
            "acknowledged",
            "The Community Safety team has acknowledged your report. Thank you.",
        )


def _detail_handler(action: str) -> ActionHandler:
    form_id, _label = DETAIL_ACTIONS[action]

    async def start(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
        found = await _load(uow, actor, action, pressed.reference)
        if isinstance(found, ActionOutcome):
            return found
        return ActionOutcome(start_form=form_id, prefill={"reference": found.reference})

    return start


async def _acting_on(
    uow: UnitOfWork, actor: Person, form_id: str, answers: dict[str, JsonValue]
) -> Concern:
    """Re-check at confirm time: the concern may have been closed while the form was open.

    A refusal raises ServiceError; the turn loop rolls the form's writes back and audits it.
    """
    found = await _check(uow, actor, str(answers.get("reference") or ""))
    if isinstance(found, str):
        raise ServiceError(found)
    return found


async def submit_assign(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    concern = await _acting_on(uow, actor, concern_actions.ASSIGN, answers)
    assignee = await directory.person_by_email(uow.session, str(answers["assignee"]))
    if assignee is None:
        raise ServiceError("That colleague is no longer in the directory.")
    concern.assigned_to_id = assignee.id
    await _take_on(uow, concern)
    await _record(uow, actor, concern, "assigned", {"to": assignee.email})
    notice = alert_notice(concern, explanation_of(concern))
    await uow.notify(
        assignee,
        Notice(
            "concern_assigned",
            f"Assigned to you: {concern.reference}",
            notice.lines,
            concern.reference,
            notice.actions,
        ),
        dedupe_key=f"concern-assigned:{concern.reference}:{assignee.id}:{uow.now.isoformat()}",
    )
    return [Completed(concern.reference, f"{concern.reference} is assigned to {assignee.name}.")]


async def submit_duplicate(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    concern = await _acting_on(uow, actor, concern_actions.DUPLICATE, answers)
    original_ref = str(answers["original"]).strip().upper()
    original = await records.concern_by_reference(uow.session, original_ref)
    if original is None or original.id == concern.id:
        raise ServiceError(f"There is no other concern {original_ref[:20]}; nothing was changed.")
    concern.status, concern.duplicate_of, concern.closed_at = (
        "duplicate",
        original.reference,
        uow.now,
    )
    await _record(uow, actor, concern, "duplicate", {"of": original.reference})
    await _tell_reporter(
        uow, concern, "closed", "Your report matched one the team already has in hand. Thank you."
    )
    return [
        Completed(
            concern.reference,
            f"{concern.reference} is marked as a duplicate of {original.reference}.",
        )
    ]


async def submit_refer(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    concern = await _acting_on(uow, actor, concern_actions.REFER, answers)
    detail = {"to": str(answers["referred_to"]), "reference": answers.get("referral_reference")}
    await _take_on(uow, concern)
    await _record(uow, actor, concern, "referred", detail)
    return [Completed(concern.reference, f"The referral of {concern.reference} is recorded.")]


async def submit_removal(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    concern = await _acting_on(uow, actor, concern_actions.REMOVAL, answers)
    days = 1 if concern.category == HATE_GRAFFITI else 5
    due_day = uow.calendar.add_working_days(uow.today, days)
    concern.removal_due_at = datetime.combine(
        due_day, uow.calendar.closes, tzinfo=uow.calendar.timezone
    )
    await _take_on(uow, concern, tell_reporter=False)  # told below that removal is requested
    remover = str(answers["remover"])
    await _record(
        uow,
        actor,
        concern,
        "removal_requested",
        {"by": remover, "due": concern.removal_due_at.isoformat()},
    )
    partner = await directory.partner_by_code(uow.session, remover)
    officers = (
        await directory.people_with_role(uow.session, "data_owner", partner.id) if partner else []
    )
    request = Notice(
        "removal_request",
        f"Please remove: {concern.reference}",
        (
            f"What: {LABELS.get(concern.category, concern.category)}: {concern.description}",
            f"Where: {concern.location_text}",
            f"Please remove by {concern.removal_due_at:%d %b %Y %H:%M}.",
            *((f"Note: {answers['note']}",) if answers.get("note") else ()),
        ),
        concern.reference,
    )
    for officer in officers:
        await uow.notify(
            officer,
            request,
            dedupe_key=f"removal:{concern.reference}:{officer.id}:{uow.now.isoformat()}",
        )
    await _tell_reporter(
        uow, concern, "removal", "Removal has been requested for what you reported."
    )
    who = partner.name if partner else "the cleansing contractor (by your usual route)"
    return [
        Completed(
            concern.reference,
            f"Removal of {concern.reference} requested from {who}, due {concern.removal_due_at:%d %b %H:%M}.",
        )
    ]


async def submit_priority(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    concern = await _acting_on(uow, actor, concern_actions.PRIORITY, answers)
    before, after = concern.priority, str(answers["priority"])
    reason = str(answers["reason"])
    reprioritise(concern, after, f"changed by a manager: {reason}", keep_earlier=False)
    if concern.status == "new":
        concern.ack_due_at = ack_due(uow, Priority[after])
    await _record(
        uow, actor, concern, "priority_changed", {"from": before, "to": after, "reason": reason}
    )
    return [Completed(concern.reference, f"{concern.reference} is now {after} (was {before}).")]


async def submit_close(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    concern = await _acting_on(uow, actor, concern_actions.CLOSE, answers)
    concern.status, concern.outcome, concern.closed_at = "closed", str(answers["outcome"]), uow.now
    await _record(uow, actor, concern, "closed", {"outcome": concern.outcome})
    await _tell_reporter(
        uow,
        concern,
        "closed",
        "The Community Safety team has dealt with your report and closed it. Thank you.",
    )
    return [Completed(concern.reference, f"{concern.reference} is closed.")]


async def _record(
    uow: UnitOfWork, actor: Person | None, concern: Concern, kind: str, detail: dict[str, JsonValue]
) -> None:
    """One event, one audit row, and every copy of the alert brought up to date."""
    uow.session.add(
        ConcernEvent(
            concern_id=concern.id,
            actor_id=actor.id if actor else None,
            kind=kind,
            detail=detail,
            at=uow.now,
        )
    )
    await uow.audit(actor, f"concern.{kind}", concern.reference, **detail)
    await uow.refresh_notices(alert_notice(concern, explanation_of(concern)), ALERT_KIND)


async def _tell_reporter(uow: UnitOfWork, concern: Concern, step: str, text: str) -> None:
    """A short status for the reporter, without saying who handled it."""
    reporter = await uow.session.get(Person, concern.reporter_id)
    if reporter is None:
        return
    await uow.notify(
        reporter,
        Notice("concern_status", f"Your report {concern.reference}", (text,), concern.reference),
        dedupe_key=f"concern-status:{concern.reference}:{step}",
    )


def reprioritise(
    concern: Concern, priority: str, reason: str, *, keep_earlier: bool = True
) -> None:
    """Set a new priority and record why, so the alert explains it ('P0 because: ...')."""
    stored = (
        concern.answers.get("reasons_by_priority") if isinstance(concern.answers, dict) else None
    )
    reasons = dict(stored) if isinstance(stored, dict) else {}
    earlier = reasons.get(priority) if keep_earlier else None
    reasons[priority] = [*(earlier if isinstance(earlier, list) else []), reason]
    concern.priority = priority
    concern.answers = {**concern.answers, "reasons_by_priority": reasons}


def step_up(priority: str) -> str:
    """One priority level more urgent (P0 stays P0)."""
    return Priority(max(0, Priority[priority].value - 1)).label


async def escalate_due(uow: UnitOfWork, batch: int = 200) -> int:
    """Sweep: every alert past its acknowledgement deadline steps up, is re-sent, then goes to deputies.

    Rows are claimed with SKIP LOCKED on PostgreSQL, and each escalation has its own dedupe key, so
    two replicas never double-alert and a restart never loses an escalation.
    """
    due = await uow.session.scalars(
        claimable(
            uow.session,
            select(Concern)
            .where(
                Concern.status == "new",
                Concern.ack_due_at <= uow.now,
                Concern.escalation_level < MAX_ESCALATIONS,
            )
            .order_by(Concern.ack_due_at)
            .limit(batch),
        )
    )
    count = 0
    staff = await managers(uow)
    for concern in list(due):
        count += 1
        level = concern.escalation_level + 1
        before = concern.priority
        reprioritise(concern, step_up(before), f"not acknowledged in time (was {before})")
        concern.escalation_level = level
        concern.ack_due_at = ack_due(uow, Priority[concern.priority])
        uow.session.add(
            ConcernEvent(
                concern_id=concern.id,
                kind="escalated",
                detail={"from": before, "to": concern.priority, "level": level},
                at=uow.now,
            )
        )
        await uow.audit(
            None,
            "concern.escalated",
            concern.reference,
            before=before,
            after=concern.priority,
            level=level,
        )
        notice = alert_notice(concern, explanation_of(concern))
        await uow.refresh_notices(notice, ALERT_KIND)
        recipients = await _escalation_recipients(uow, staff, level)
        title = f"Not yet acknowledged: {notice.title}"
        for person in recipients:
            await uow.notify(
                person,
                Notice(ALERT_KIND, title, notice.lines, notice.reference, notice.actions),
                dedupe_key=f"concern-escalation:{concern.reference}:{level}:{person.id}",
            )
    return count


async def _escalation_recipients(
    uow: UnitOfWork, staff: Sequence[Person], level: int
) -> list[Person]:
    recipients = {p.id: p for p in staff}
    if level >= 2:
        for manager in staff:
            if manager.deputy_id and manager.deputy_id not in recipients:
                deputy = await uow.session.get(Person, manager.deputy_id)
                if deputy is not None:
                    recipients[deputy.id] = deputy
    return list(recipients.values())


async def send_digests(uow: UnitOfWork) -> int:
    """Sweep: on each working day after opening, one digest per manager of yesterday's P3 concerns;
    on the first working day of the week, the week's P4 concerns too. Once per day, by dedupe key."""
    calendar = uow.calendar
    local = uow.local_now
    if not calendar.is_working_day(local.date()) or local.time() < calendar.opens:
        return 0
    today_open = datetime.combine(local.date(), calendar.opens, tzinfo=calendar.timezone)
    previous = calendar.add_working_days(local.date(), -1)
    since = datetime.combine(previous, calendar.opens, tzinfo=calendar.timezone)
    daily = await _unfolded(uow, "P3", since, today_open)
    weekly: list[Concern] = []
    first_of_week = previous.isocalendar()[1] != local.date().isocalendar()[1]
    if first_of_week:
        weekly = await _unfolded(uow, "P4", today_open - timedelta(days=7), today_open)
    sent = 0
    for items, name in ((daily, "daily"), (weekly, "weekly")):
        if not items:
            continue
        lines = tuple(
            f"{c.reference} {c.priority} {LABELS.get(c.category, c.category)}, {c.location_text}: {status_text(c)}"
            for c in items
        )
        title = f"{'Daily' if name == 'daily' else 'Weekly'} digest: {len(items)} concern{'s' if len(items) > 1 else ''} to review"
        for manager in await managers(uow):
            added = await uow.notify(
                manager,
                Notice(f"concern_digest_{name}", title, lines),
                dedupe_key=f"concern-digest:{name}:{local.date().isoformat()}:{manager.id}",
            )
            sent += int(added)
    return sent


async def _unfolded(
    uow: UnitOfWork, priority: str, since: datetime, until: datetime
) -> list[Concern]:
    rows = await uow.session.scalars(
        select(Concern)
        .where(
            Concern.priority == priority,
            Concern.created_at >= since,
            Concern.created_at < until,
            Concern.folded_into.is_(None),
        )
        .order_by(Concern.id)
    )
    return list(rows)


async def assign_options(
    session: AsyncSession, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """Whom a concern can be assigned to: the Prevent managers and the actor's colleagues."""
    managers = await directory.people_with_role(session, MANAGER_ROLE)
    colleagues = (
        await directory.people_in_partner(session, actor.partner_id) if actor.partner_id else []
    )
    people = {p.email: p for p in (*managers, *colleagues) if p.in_directory}
    return {
        "colleagues": tuple(
            Option(p.email, f"{p.name} ({p.position})" if p.position else p.name)
            for p in sorted(people.values(), key=lambda p: p.name)
        )
    }


ACTIONS: dict[str, ActionHandler] = {
    ACKNOWLEDGE: acknowledge,
    **{action: _detail_handler(action) for action in DETAIL_ACTIONS},
}

SUBMITTERS: dict[str, Submitter] = {
    concern_actions.ASSIGN: submit_assign,
    concern_actions.DUPLICATE: submit_duplicate,
    concern_actions.REFER: submit_refer,
    concern_actions.REMOVAL: submit_removal,
    concern_actions.PRIORITY: submit_priority,
    concern_actions.CLOSE: submit_close,
}
