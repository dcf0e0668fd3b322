"""Who is alerted about a concern, and the notices they get.

Alerts go to every on-duty manager with the priority and its reasons and the actions they can take.
P0/P1 alert at once, P2 the same working day, P3 in a daily digest, P4 in a weekly one (the
digests and the escalation of a missed deadline are in `sweeps`). A repeat at the same spot
within minutes is folded into the first alert. An alert's buttons come from the life-cycle table,
so every copy offers exactly what the concern's status allows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.calendar import WorkingCalendar
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from bot.prevent import evidence
from bot.prevent.action_forms import REMOVERS
from bot.prevent.forms import CATEGORIES, LOCATION_TYPES
from bot.prevent.gazetteer import Gazetteer
from bot.prevent.lifecycle import (
    MANAGERS,
    OPEN,
    ConcernState,
    ConcernStatus,
    RemovalStatus,
    may_act,
    notice_actions,
    removal_actions,
)
from bot.prevent.places import resolved_area
from bot.prevent.triage import Place, Priority
from dialogs.messages import Notice, NoticeAction, notice_to_json
from storage import directory, outbox, photos, records
from storage.models import Concern, Person

ALERT_KIND = "concern_alert"
REMOVAL_KIND = "removal_request"
LABELS = {o.value: o.label for o in (*CATEGORIES, *LOCATION_TYPES)}
FOLD_WINDOW = timedelta(minutes=30)
FOLD_RADIUS_M = 50.0


def roles_of(person: Person) -> frozenset[Role]:
    """The roles `person` holds, as the life-cycle table names them."""
    return frozenset(role for role in Role if person.has_role(role))


def is_manager(person: Person) -> bool:
    """Prevent / CST managers (and admins) see every concern and act on alerts."""
    return may_act(roles_of(person))


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


async def alert_for(uow: UnitOfWork, concern: Concern) -> Notice:
    """The manager's alert as it stands now, with its evidence: photos, assignee, history."""
    return alert_notice(
        concern,
        explanation_of(concern),
        uow.calendar,
        (
            *await evidence.manager_lines(uow, concern),
            *await evidence.follow_up_lines(uow, concern),
            *await evidence.history_lines(uow, concern),
        ),
        photos=await photos.count_of(uow.session, concern.reference),
    )


def alert_notice(
    concern: Concern,
    explanation: str,
    calendar: WorkingCalendar,
    more: tuple[str, ...] = (),
    *,
    photos: int = 0,
) -> Notice:
    """The manager's alert (by DM only): priority and reasons, what and where, the evidence
    (`more`), the status and the actions; the channel shows its `photos` from the hub.

    Times are shown in the calendar's (local) time, as people read them everywhere else.
    """
    lines = [
        explanation,
        f"Category: {LABELS.get(concern.category, concern.category)}",
        f"Where: {concern.location_text} ({LABELS.get(concern.location_type, concern.location_type)})",
        f"Seen: {calendar.local(concern.seen_at):%d %b %Y %H:%M}",
        f"What was seen: {concern.description}",
    ]
    related = concern.answers.get("related") if isinstance(concern.answers, dict) else None
    if isinstance(related, list) and related:
        lines.append("Related: " + ", ".join(str(r) for r in related))
    if concern.fold_count:
        lines.append(
            f"Also reported by {concern.fold_count} other{'s' if concern.fold_count > 1 else ''} since."
        )
    lines.extend(more)
    lines.append(f"Status: {status_text(concern)}")
    return Notice(
        kind=ALERT_KIND,
        title=f"{concern.priority} concern {concern.reference}",
        lines=tuple(lines),
        reference=concern.reference,
        actions=alert_actions(concern),
        photos=photos,
    )


def state_of(concern: Concern) -> ConcernState:
    """What the life cycle needs to know of `concern`."""
    return ConcernState(
        concern.reference,
        ConcernStatus(concern.status),
        concern.duplicate_of or "",
        concern.outcome,
        removal_of(concern),
    )


def status_text(concern: Concern) -> str:
    """The concern's state in a few words."""
    return state_of(concern).text


def alert_actions(concern: Concern) -> tuple[NoticeAction, ...]:
    """The buttons an alert offers managers in the concern's current state (none once it is closed)."""
    return notice_actions(concern.reference, ConcernStatus(concern.status), MANAGERS)


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
    return [
        m for m in await directory.people_with_role(uow.session, Role.PREVENT_MANAGER) if m.on_duty
    ]


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
        await uow.refresh_notices(await alert_for(uow, first), ALERT_KIND)
        return
    if priority >= Priority.P3:
        return
    if priority <= Priority.P1 and uow.settings.alerts_channel:
        await _post_to_alerts_channel(uow, concern, priority)
    due = uow.now if priority <= Priority.P1 else uow.calendar.next_office_moment(uow.now)
    notice = await alert_for(uow, concern)
    for manager in await managers(uow):
        await uow.notify(
            manager,
            notice,
            dedupe_key=f"concern-alert:{concern.reference}:{manager.id}",
            due_at=due,
        )


def channel_post(concern: Concern, priority: Priority, places: Gazetteer) -> Notice:
    """The shared alerts channel's post: reference, priority, category and area only.

    Never the description, the exact place or the reporter: details go to managers by DM. The
    area comes only from the gazetteer, since the reporter's words can name a person.
    """
    where = resolved_area(concern.answers)
    return Notice(
        "concern_channel_post",
        f"{priority.label} concern {concern.reference}",
        (
            f"Category: {LABELS.get(concern.category, concern.category)}",
            f"Area: {places.area_of(concern.location_text, concern.postcode_sector, *where)}",
            "The Prevent / Community Safety managers have the details by direct message.",
        ),
        concern.reference,
    )


async def _post_to_alerts_channel(uow: UnitOfWork, concern: Concern, priority: Priority) -> None:
    settings = uow.settings
    places = Gazetteer.with_areas(settings.area_names, settings.default_area)
    notice = channel_post(concern, priority, places)
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


def removal_of(concern: Concern) -> RemovalStatus | None:
    """Where the concern's removal stands (None: no removal was requested)."""
    return RemovalStatus(concern.removal_status) if concern.removal_status else None


def local_time(uow: UnitOfWork, moment: datetime) -> str:
    """A moment as people here read it: local time, by the partnership's calendar."""
    return f"{uow.calendar.local(moment):%a %d %b %H:%M}"


async def remover_name(uow: UnitOfWork, code: str | None) -> str:
    """The partner (or contractor) asked to remove a concern, in words."""
    partner = await directory.partner_by_code(uow.session, code) if code else None
    if partner is not None:
        return partner.name
    return next((o.label for o in REMOVERS if o.value == code), "the team asked")


async def removal_officers(uow: UnitOfWork, code: str | None) -> list[Person]:
    """The liaison officers of the partner asked to remove a concern (none for a contractor not
    in the directory as a partner: the team asks them by its usual route)."""
    partner = await directory.partner_by_code(uow.session, code) if code else None
    if partner is None:
        return []
    return list(await directory.people_with_role(uow.session, Role.DATA_OWNER, partner.id))


def removal_notice(concern: Concern, title: str, *lines: str, live: bool = True) -> Notice:
    """The remover's notice: what and where, then `lines`; while `live`, the buttons the removal
    table allows now (a notice passed on to another team has none)."""
    actions = (
        removal_actions(concern.reference, ConcernStatus(concern.status), removal_of(concern))
        if live
        else ()
    )
    return Notice(
        REMOVAL_KIND,
        title,
        (
            f"What: {LABELS.get(concern.category, concern.category)}: {concern.description}",
            f"Where: {concern.location_text}",
            *lines,
        ),
        concern.reference,
        actions,
    )


async def tell_managers(
    uow: UnitOfWork,
    concern: Concern,
    title: str,
    lines: tuple[str, ...],
    dedupe: str,
    also: tuple[Person, ...] = (),
) -> None:
    """Put something the managers must act on (the assignee, if any, and `also`) at the top of a
    copy of the alert, with its buttons; once per `dedupe` key and person."""
    alert = await alert_for(uow, concern)
    recipients = {p.id: p for p in (*await managers(uow), *also)}
    if concern.assigned_to_id is not None and concern.assigned_to_id not in recipients:
        assignee = await uow.session.get(Person, concern.assigned_to_id)
        if assignee is not None:
            recipients[assignee.id] = assignee
    notice = replace(alert, title=f"{title}: {alert.title}", lines=(*lines, *alert.lines))
    for person in recipients.values():
        await uow.notify(person, notice, dedupe_key=f"{dedupe}:{person.id}")
