"""Recording visual-audit concerns: triage, events, attachments, audit and the manager's alert."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.core import contacts, photos
from bot.core.checks import granted
from bot.core.contacts import contact_options
from bot.core.unit import UnitOfWork
from bot.prevent import alerts, forms
from bot.prevent.answers import ConcernReport
from bot.prevent.lifecycle import ConcernChange, ConcernStatus
from bot.prevent.places import PLACE, resolve_location
from bot.prevent.triage import Flags, Neighbour, Place, TensionZone, TriageResult, triage
from dialogs.messages import Completed, JsonValue, Option, Outbound
from storage import records
from storage.models import Attachment, Concern, ConcernEvent, Person, TensionArea, TriggerEvent
from storage.photos import link as link_photos

PREFIX = "CN"


async def prevent_lead_options(
    uow: UnitOfWork, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """Whom the reporter can speak to about a person: their organisation's Prevent lead, else
    the partnership's Prevent managers, by name and email. Only read until that gate is passed."""
    session = uow.session
    if "about_person" in answers:
        return {}
    return {forms.PREVENT_LEAD: contact_options(await contacts.prevent_leads(session, actor))}


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
    flags: Flags | None = None,
) -> RecordedConcern:
    """Triage and store a confirmed concern, and alert every on-duty Prevent manager."""
    report = granted(ConcernReport.read(answers))
    resolved = await resolve_location(uow.session, report.location)
    place = resolved.comparable
    seen_at = report.seen_at
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
            c.reference, Place(c.latitude, c.longitude, c.street_key, c.postcode_sector), c.seen_at
        )
        for c in earlier
    ]
    result = triage(
        report.answers,
        place,
        seen_at,
        neighbours,
        flags or await current_flags(uow, seen_at),
        config,
    )
    reference = await records.next_reference(uow.session, PREFIX, uow.local_now.year)
    concern = Concern(
        reference=reference,
        reporter_id=reporter.id,
        category=report.category,
        description=report.description,
        location_text=resolved.text,
        street_key=place.street_key,
        postcode_sector=place.postcode_sector,
        latitude=place.latitude,
        longitude=place.longitude,
        location_type=report.location_type,
        seen_at=seen_at,
        answers={
            **report.answers,
            PLACE: resolved.json(),
            "related": list(result.related),
            "reasons_by_priority": by_priority(result),
        },
        priority=result.priority.label,
        reasons=[r.text for r in result.reasons],
        status=ConcernStatus.NEW.value,
        marking=report.marking,
        created_at=uow.now,
    )
    uow.session.add(concern)
    await uow.session.flush()
    uow.session.add(
        ConcernEvent(
            concern_id=concern.id,
            actor_id=reporter.id,
            kind=ConcernChange.REPORTED.value,
            detail={
                "priority": result.priority.label,
                "reasons": [r.text for r in result.reasons],
                "related": list(result.related),
                "platform": platform,
            },
            at=uow.now,
        )
    )
    named = photos.photo_ids([photo.file_id for photo in report.photos])
    for photo in await link_photos(uow.session, named, reporter.id, reference):
        uow.session.add(
            Attachment(
                record_reference=reference,
                platform=platform,
                file_id=f"{photos.PREFIX}{photo.id}",
                name=photo.name[:255],
                size=photo.size,
                mime_type=photo.mime_type,
                sha256=photo.sha256,
            )
        )
    await uow.audit(
        reporter,
        f"concern.{ConcernChange.REPORTED.value}",
        reference,
        category=concern.category,
        priority=concern.priority,
        reasons=concern.reasons,
        related=list(result.related),
    )
    await alerts.raise_alert(uow, concern, result.priority)
    return RecordedConcern(concern, result)


def by_priority(result: TriageResult) -> dict[str, JsonValue]:
    """Reasons grouped by the priority each asks for, kept with the concern for its alerts."""
    grouped: dict[str, JsonValue] = {}
    for reason in result.reasons:
        texts = grouped.setdefault(reason.priority.label, [])
        assert isinstance(texts, list)
        texts.append(reason.text)
    return grouped


async def current_flags(uow: UnitOfWork, seen_at: datetime) -> Flags:
    """The manager's flags in force: active elevated-tension areas and recent trigger events.

    An area the gazetteer placed is a centre and a radius; one it could not place (a postcode
    district) is its key."""
    areas = list(
        await uow.session.scalars(
            select(TensionArea).where(
                TensionArea.starts_at <= uow.now, TensionArea.ends_at > uow.now
            )
        )
    )
    window = timedelta(hours=uow.settings.triage.trigger_window_hours)
    events = await uow.session.scalars(
        select(TriggerEvent.occurred_at).where(TriggerEvent.occurred_at >= seen_at - window)
    )
    return Flags(
        trigger_events=tuple(events),
        tension_zones=tuple(
            TensionZone(a.area_key, a.latitude, a.longitude, a.radius_m or 0) for a in areas
        ),
    )


def _box(
    lat: float | None, lon: float | None, radius_m: float
) -> tuple[float, float, float, float] | None:
    if lat is None or lon is None:
        return None
    dlat = radius_m / 111_000
    dlon = radius_m / (111_000 * max(0.1, abs(math.cos(math.radians(lat)))))
    return (lat - dlat, lon - dlon, lat + dlat, lon + dlon)


async def submit_concern(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Record a concern and tell the reporter its reference and priority."""
    recorded = await record_concern(uow, actor, answers, platform=platform)
    result = recorded.triage
    follow_up = (
        "The Prevent / Community Safety manager has been alerted now."
        if result.priority.value <= 1
        else "The Prevent / Community Safety team will review it."
    )
    reference = recorded.concern.reference
    return [
        Completed(
            reference,
            f"Thank you. Your concern is recorded as {reference}. {result.explanation}. {follow_up}",
        )
    ]
