"""The Prevent manager's picture of the area: elevated tension, trigger events, open concerns,
hotspots, and the export for the partnership's records. Managers (and admins) only."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from bot.core.checks import Refused, granted, refuse_form, refuse_press
from bot.core.exports import Table
from bot.core.reference import NOT_FOUND
from bot.core.roles import Role
from bot.core.unit import ActionOutcome, ServiceError, Submitter, UnitOfWork
from bot.prevent import action_forms as concern_actions
from bot.prevent.alerts import LABELS, is_manager, status_text
from bot.prevent.answers import TensionAnswers, TriggerAnswers
from bot.prevent.lifecycle import OPEN
from bot.prevent.places import location_answer, resolve_location, resolved_area, stored_place
from dialogs.messages import ActionInput, Completed, JsonValue, Notice, NoticeAction, Outbound, Say
from storage.models import Concern, Person, TensionArea, TriggerEvent

MANAGERS_ONLY = "Only the Prevent / Community Safety team can see other people's concerns."
END_TENSION = "tension.end"
RECORD_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits that fit a 64-bit id
PERIODS = {"today": 1, "this week": 7, "this month": 30, "this year": 365}
CSV_COLUMNS = (
    "reference",
    "created_at",
    "seen_at",
    "priority",
    "reasons",
    "category",
    "area",
    "location_type",
    "status",
    "removal_by",
    "removal_status",
    "removal_requested_at",
    "removed_at",
    "outcome",
    "escalations",
)
PERSONAL_COLUMNS = ("location", "reporter")
"""Only in an admin's export: the reporter's own words for the place (which can name someone,
"outside Sam's flat") and who reported it."""


async def submit_tension(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Mark an area as elevated tension for some days: new concerns there are at least P2."""
    if not is_manager(actor):
        refuse_form(Refused("Only the Prevent / Community Safety team can mark elevated tension."))
    form = granted(TensionAnswers.read(answers))
    resolved = await resolve_location(uow.session, form.area)
    place = resolved.comparable
    key = place.street_key or place.postcode_sector
    if not key:
        refuse_form(Refused("Please give a street name or a postcode area."))
    placed = place.latitude is not None
    area = TensionArea(
        area_key=key,
        label=resolved.place or resolved.text or key,
        reason=form.reason,
        starts_at=uow.now,
        ends_at=uow.now + timedelta(days=form.days),
        created_by_id=actor.id,
        latitude=place.latitude,
        longitude=place.longitude,
        radius_m=uow.settings.triage.tension_radius_m if placed else None,
    )
    uow.session.add(area)
    await uow.session.flush()
    reference = f"TA-{area.id}"
    await uow.audit(
        actor,
        "tension.marked",
        reference,
        area=key,
        radius_m=area.radius_m,
        days=form.days,
        reason=area.reason,
    )
    until = f"{uow.calendar.local(area.ends_at):%d %b %Y}"
    extent = (
        f"New concerns within {area.radius_m:g} m of it are raised to at least P2."
        if area.radius_m
        else "New concerns on that street or in that postcode area are raised to at least P2."
    )
    return [
        Completed(reference, f"{area.label} is marked as elevated tension until {until}. {extent}")
    ]


async def submit_trigger(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Record a trigger event: concerns seen within the window after it are P1."""
    if not is_manager(actor):
        refuse_form(Refused("Only the Prevent / Community Safety team can record trigger events."))
    form = granted(TriggerAnswers.read(answers))
    event = TriggerEvent(
        description=form.description,
        occurred_at=form.occurred_at,
        created_by_id=actor.id,
        created_at=uow.now,
    )
    uow.session.add(event)
    await uow.session.flush()
    await uow.audit(
        actor,
        "trigger.recorded",
        f"TE-{event.id}",
        description=event.description,
        occurred_at=form.occurred_at.isoformat(),
    )
    hours = uow.settings.triage.trigger_window_hours
    return [
        Completed(
            f"TE-{event.id}",
            f"Recorded. Concerns seen in the {hours} hours after it will be treated as urgent.",
        )
    ]


async def tension_areas(uow: UnitOfWork, actor: Person) -> Outbound:
    """The areas of elevated tension in force, each with a button to end it."""
    if not is_manager(actor):
        return Say(MANAGERS_ONLY)
    areas = list(
        await uow.session.scalars(
            select(TensionArea).where(TensionArea.ends_at > uow.now).order_by(TensionArea.ends_at)
        )
    )
    if not areas:
        return Say("No area is marked as elevated tension. Say 'elevated tension' to mark one.")
    return Notice(
        "tension_areas",
        f"Elevated tension ({len(areas)})",
        tuple(
            f"{a.label}: until {uow.calendar.local(a.ends_at):%d %b %Y} ({a.reason})" for a in areas
        ),
        actions=tuple(NoticeAction(END_TENSION, f"End: {a.label}", f"TA-{a.id}") for a in areas),
    )


async def tension_status(uow: UnitOfWork, actor: Person, reference: str) -> Outbound:
    """An elevated-tension period (TA-n) as the team sees it, with End while it is in force."""
    number = reference.upper().removeprefix("TA-")
    area = await uow.session.get(TensionArea, int(number)) if RECORD_ID.fullmatch(number) else None
    if area is None or not is_manager(actor):
        return Say(NOT_FOUND)
    in_force = area.ends_at > uow.now
    until = f"{uow.calendar.local(area.ends_at):%d %b %Y}"
    return Notice(
        "status",
        f"{reference.upper()}: elevated tension on {area.label}",
        (
            f"From: {uow.calendar.local(area.starts_at):%d %b %Y}",
            f"{'Until' if in_force else 'Ended'}: {until}",
            f"Why: {area.reason}",
            f"Reach: {f'{area.radius_m:g} m around it' if area.radius_m else 'the street or postcode area'}",
        ),
        reference=reference.upper(),
        actions=(NoticeAction(END_TENSION, "End it now", reference.upper()),) if in_force else (),
    )


async def end_tension(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """End an elevated-tension period now."""
    if not is_manager(actor):
        return await refuse_press(
            uow, actor, pressed.action, pressed.reference, Refused(MANAGERS_ONLY)
        )
    number = pressed.reference.removeprefix("TA-")
    area = await uow.session.get(TensionArea, int(number)) if RECORD_ID.fullmatch(number) else None
    if area is None or area.ends_at <= uow.now:
        return await refuse_press(
            uow, actor, pressed.action, pressed.reference, Refused("That period has already ended.")
        )
    area.ends_at = uow.now
    await uow.audit(actor, "tension.ended", f"TA-{area.id}", area=area.area_key)
    return ActionOutcome([Say(f"Elevated tension on {area.label} has ended.")])


async def open_concerns(uow: UnitOfWork, actor: Person) -> Outbound:
    """Open concerns, most urgent first."""
    if not is_manager(actor):
        return Say(MANAGERS_ONLY)
    rows = list(
        await uow.session.scalars(
            select(Concern)
            .where(Concern.status.in_(sorted(s.value for s in OPEN)))
            .order_by(Concern.priority, Concern.id)
        )
    )
    if not rows:
        return Say("There are no open concerns.")
    by_priority = Counter(c.priority for c in rows)
    summary = ", ".join(f"{count} {priority}" for priority, count in sorted(by_priority.items()))
    return Notice(
        "open_concerns",
        f"Open concerns: {len(rows)} ({summary})",
        tuple(_line(c) for c in rows[:25])
        + ((f"... and {len(rows) - 25} more",) if len(rows) > 25 else ()),
    )


def place_name(concern: Concern) -> str:
    """The gazetteer's name for where a concern is, else the reporter's words."""
    place = stored_place(concern.answers)
    for name in (place.get("street"), place.get("place")):
        if isinstance(name, str) and name:
            return name
    return concern.location_text


def area_name(concern: Concern) -> str:
    """The gazetteer's name for where a concern is, else its postcode district; never the
    reporter's words."""
    street, district = resolved_area(concern.answers)
    place = stored_place(concern.answers).get("place")
    return street or (place if isinstance(place, str) else "") or district


def _moment(when: datetime | None) -> str:
    return when.isoformat() if when else ""


def _line(concern: Concern) -> str:
    return (
        f"{concern.reference} {concern.priority} {LABELS.get(concern.category, concern.category)}, "
        f"{concern.location_text}: {status_text(concern)}"
    )


def parse_near(argument: str) -> tuple[str, int]:
    """'Cheapside this month' -> ('Cheapside', 30)."""
    text = argument.strip()
    for words, days in PERIODS.items():
        if text.lower().endswith(words):
            return text[: -len(words)].strip(), days
    return text, 30


async def concerns_near(uow: UnitOfWork, actor: Person, argument: str) -> Outbound:
    """Concerns on a street or in a postcode area over a period, counted by category."""
    if not is_manager(actor):
        return Say(MANAGERS_ONLY)
    where, days = parse_near(argument)
    place = (await resolve_location(uow.session, location_answer(where))).comparable
    since = uow.now - timedelta(days=days)
    conditions = []
    if place.street_key:
        conditions.append(Concern.street_key.contains(place.street_key))
    if place.postcode_sector:
        conditions.append(Concern.postcode_sector.startswith(place.postcode_sector.split()[0]))
    if not conditions:
        return Say(
            "Which street or postcode area? For example: concerns near Cheapside this month."
        )
    rows = list(
        await uow.session.scalars(
            select(Concern)
            .where(Concern.created_at >= since, or_(*conditions))
            .order_by(Concern.id)
        )
    )
    if not rows:
        return Say(f"No concerns near {where} in the last {days} days.")
    counts = Counter(LABELS.get(c.category, c.category) for c in rows)
    return Notice(
        "concerns_near",
        f"{len(rows)} concern{'s' if len(rows) > 1 else ''} near {where} in the last {days} days",
        (
            *(f"{label}: {count}" for label, count in counts.most_common()),
            *(_line(c) for c in rows[:10]),
        ),
    )


async def hotspots(uow: UnitOfWork, actor: Person, days: int = 30) -> Outbound:
    """The areas with most concerns in the last month, with their commonest categories."""
    if not is_manager(actor):
        return Say(MANAGERS_ONLY)
    rows = list(
        await uow.session.scalars(
            select(Concern).where(Concern.created_at >= uow.now - timedelta(days=days))
        )
    )
    if not rows:
        return Say(f"No concerns in the last {days} days.")
    areas: dict[str, list[Concern]] = {}
    for concern in rows:
        areas.setdefault(concern.street_key or concern.postcode_sector, []).append(concern)
    ranked = sorted(areas.items(), key=lambda item: -len(item[1]))[:5]
    lines = []
    for area, items in ranked:
        top = Counter(LABELS.get(c.category, c.category) for c in items).most_common(2)
        counts = ", ".join(f"{n} {label}" for label, n in top)
        lines.append(
            f"{place_name(items[0]) if area else 'unknown place'}: {len(items)} ({counts})"
        )
    return Notice(
        "hotspots", f"Hotspots in the last {days} days ({len(rows)} concerns)", tuple(lines)
    )


async def export_concerns(
    uow: UnitOfWork,
    since: date,
    *,
    actor: Person | None,
    operator: str,
    with_reporters: bool,
) -> Table:
    """Concerns since `since` for the partnership's records; reporters only for admins.

    The audit row names the stated admin and the operating-system account that ran the export.
    """
    if with_reporters and (actor is None or not actor.has_role(Role.ADMIN)):
        raise ServiceError(
            "Only an admin may export reporters' identities (give --as with an admin's email)."
        )
    start = datetime.combine(since, datetime.min.time(), tzinfo=uow.settings.timezone)
    rows = list(
        await uow.session.scalars(
            select(Concern).where(Concern.created_at >= start).order_by(Concern.id)
        )
    )
    reporters: dict[int, str] = {}
    if with_reporters:
        people = await uow.session.scalars(
            select(Person).where(Person.id.in_({c.reporter_id for c in rows}))
        )
        reporters = {p.id: p.email for p in people}
    table = Table(
        "Concerns",
        (*CSV_COLUMNS, *(PERSONAL_COLUMNS if with_reporters else ())),
        tuple(
            (
                c.reference,
                c.created_at.isoformat(),
                c.seen_at.isoformat(),
                c.priority,
                "; ".join(c.reasons),
                LABELS.get(c.category, c.category),
                area_name(c),
                LABELS.get(c.location_type, c.location_type),
                c.status,
                c.removal_by or "",
                c.removal_status or "",
                _moment(c.removal_requested_at),
                _moment(c.removed_at),
                c.outcome,
                c.escalation_level,
                *(
                    (c.location_text, reporters.get(c.reporter_id or 0, ""))
                    if with_reporters
                    else ()
                ),
            )
            for c in rows
        ),
    )
    await uow.audit(
        actor,
        "concerns.exported",
        "",
        since=since.isoformat(),
        rows=len(rows),
        with_reporters=with_reporters,
        operator=operator,
    )
    return table


SUBMITTERS: dict[str, Submitter] = {
    concern_actions.TENSION: submit_tension,
    concern_actions.TRIGGER: submit_trigger,
}
