"""Recording visual-audit concerns: triage, events, attachments, audit and the manager's alert."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services.triage import NO_FLAGS, Flags, Neighbour, Priority, TriageResult, place_of, triage
from bot.services.unit import UnitOfWork
from dialogs.forms.concern import CATEGORIES, LOCATION_TYPES
from dialogs.messages import JsonValue, Notice
from storage import directory, records
from storage.models import Attachment, Concern, ConcernEvent, Person

PREFIX = "CN"
MANAGER_ROLE = "prevent_manager"
LABELS = {o.value: o.label for o in (*CATEGORIES, *LOCATION_TYPES)}


@dataclass(frozen=True)
class RecordedConcern:
    """A concern just recorded, with its triage."""

    concern: Concern
    triage: TriageResult


async def record_concern(
    uow: UnitOfWork,
    reporter: Person,
    answers: dict[str, JsonValue],
    *,
    platform: str,
    flags: Flags = NO_FLAGS,
) -> RecordedConcern:
    """Triage and store a confirmed concern, and alert every on-duty Prevent manager."""
    location = answers["location"]
    assert isinstance(location, dict)
    place = place_of(location)
    seen_at = datetime.fromisoformat(str(answers["seen_at"]))
    config = uow.settings.triage
    window = timedelta(days=max(config.repeat_days, config.cluster_days))
    earlier = await records.concerns_near(
        uow.session,
        since=seen_at - window,
        street_key=place.street_key,
        postcode_sector=place.postcode_sector,
        box=_box(place.latitude, place.longitude, config.cluster_radius_m),
    )
    neighbours = [
        Neighbour(
            c.reference,
            place_of(
                {
                    "text": c.location_text,
                    "lat": c.latitude,
                    "lon": c.longitude,
                    "postcode": _postcode(c),
                }
            ),
            c.seen_at,
        )
        for c in earlier
    ]
    result = triage(answers, place, seen_at, neighbours, flags, config)
    reference = await records.next_reference(uow.session, PREFIX, uow.local_now.year)
    concern = Concern(
        reference=reference,
        reporter_id=reporter.id,
        category=str(answers["category"]),
        description=str(answers["description"]),
        location_text=str(location.get("text", "")),
        street_key=place.street_key,
        postcode_sector=place.postcode_sector,
        latitude=place.latitude,
        longitude=place.longitude,
        location_type=str(answers["location_type"]),
        seen_at=seen_at,
        answers=answers,
        priority=result.priority.label,
        reasons=[r.text for r in result.reasons],
        status="new",
        marking=str(answers.get("marking") or "official"),
        created_at=uow.now,
    )
    uow.session.add(concern)
    await uow.session.flush()
    uow.session.add(
        ConcernEvent(
            concern_id=concern.id,
            actor_id=reporter.id,
            kind="reported",
            detail={
                "priority": result.priority.label,
                "reasons": [r.text for r in result.reasons],
                "related": list(result.related),
                "platform": platform,
            },
            at=uow.now,
        )
    )
    photos = answers.get("photos")
    for photo in photos if isinstance(photos, list) else []:
        assert isinstance(photo, dict)
        uow.session.add(
            Attachment(
                record_reference=reference,
                platform=platform,
                file_id=str(photo["file_id"]),
                name=str(photo["name"]),
                size=int(str(photo["size"])),
                mime_type=str(photo["mime_type"]),
                sha256=str(photo["sha256"]),
            )
        )
    await uow.audit(
        reporter,
        "concern.reported",
        reference,
        category=concern.category,
        priority=concern.priority,
        reasons=concern.reasons,
        related=list(result.related),
    )
    await _alert_managers(uow, concern, result)
    return RecordedConcern(concern, result)


def _postcode(concern: Concern) -> str | None:
    location = concern.answers.get("location") if concern.answers else None
    postcode = location.get("postcode") if isinstance(location, dict) else None
    return postcode if isinstance(postcode, str) else None


def _box(
    lat: float | None, lon: float | None, radius_m: float
) -> tuple[float, float, float, float] | None:
    if lat is None or lon is None:
        return None
    dlat = radius_m / 111_000
    dlon = radius_m / (111_000 * max(0.1, abs(math.cos(math.radians(lat)))))
    return (lat - dlat, lon - dlon, lat + dlat, lon + dlon)


def alert_notice(concern: Concern, result: TriageResult) -> Notice:
    """The manager's alert: priority and reasons first, then what and where (sent by DM only)."""
    lines = [
        result.explanation,
        f"Category: {LABELS.get(concern.category, concern.category)}",
        f"Where: {concern.location_text} ({LABELS.get(concern.location_type, concern.location_type)})",
        f"Seen: {concern.seen_at:%d %b %Y %H:%M} UTC",
        f"What was seen: {concern.description}",
    ]
    if result.related:
        lines.append("Related: " + ", ".join(result.related))
    return Notice(
        kind="concern_alert",
        title=f"{concern.priority} concern {concern.reference}",
        lines=tuple(lines),
        reference=concern.reference,
    )


async def _alert_managers(uow: UnitOfWork, concern: Concern, result: TriageResult) -> None:
    notice = alert_notice(concern, result)
    due = _alert_due(uow, result.priority)
    for manager in await directory.people_with_role(uow.session, MANAGER_ROLE):
        if manager.on_duty:
            await uow.notify(
                manager,
                notice,
                dedupe_key=f"concern-alert:{concern.reference}:{manager.id}",
                due_at=due,
            )


def _alert_due(uow: UnitOfWork, priority: Priority) -> datetime:
    """P0/P1 at once; P2 the same working day; P3 next working morning; P4 next Monday morning."""
    calendar = uow.calendar
    if priority <= Priority.P1:
        return uow.now
    if priority == Priority.P2:
        return calendar.next_office_moment(uow.now)
    next_day = calendar.add_working_days(uow.today, 1)
    if priority == Priority.P4:
        while next_day.weekday() != 0:
            next_day = calendar.add_working_days(next_day, 1)
    return calendar.next_office_moment(
        datetime.combine(next_day, calendar.opens, tzinfo=calendar.timezone)
    )
