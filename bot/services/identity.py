"""Who is speaking: platform users linked to the directory by platform id, then by email."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.messages import Inbound, Platform
from storage import directory, outbox
from storage.models import Person, PersonRole

STAFF_ROLE = "staff"


async def resolve_actor(session: AsyncSession, inbound: Inbound, now: datetime) -> Person:
    """The directory person behind `inbound`, linking platform ids on first sight.

    Someone unknown is added as staff of an unknown organisation (`in_directory` false), so
    nothing they report is lost; they are asked for their organisation once.
    """
    address = inbound.address
    platform = address.platform
    person = None
    if platform in (Platform.SLACK, Platform.TEAMS):
        person = await directory.person_by_platform_id(session, platform, address.user)
    if person is None and inbound.email:
        person = await directory.person_by_email(session, inbound.email)
        if person is not None and _link(person, platform, address.user):
            await outbox.release_held(session, person.id, now)
    if person is None:
        email = inbound.email or f"{platform}-{address.user}@unknown.invalid"
        person = Person(
            email=email.lower(),
            name=inbound.display_name or email.split("@")[0],
            in_directory=False,
            roles=[PersonRole(role=STAFF_ROLE)],
        )
        _link(person, platform, address.user)
        session.add(person)
        await session.flush()
    return person


def _link(person: Person, platform: Platform, user_id: str) -> bool:
    """Record the platform id on first sight; True when it is new (held messages can now go)."""
    if platform == Platform.SLACK and not person.slack_user_id:
        person.slack_user_id = user_id
        return True
    if platform == Platform.TEAMS and not person.teams_aad_id:
        person.teams_aad_id = user_id
        return True
    return False
