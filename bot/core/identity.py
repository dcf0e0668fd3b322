"""Who is speaking: platform users linked to the directory by platform id, then by email.

The email comes from the platform (Slack's users.info, the Teams roster) and that lookup can
fail. Someone whose email could not be learnt is kept as a placeholder
(`slack-<id>@unknown.invalid`) so nothing they say is lost, and the lookup is tried again on
their next message: when an email arrives, the placeholder takes it, or, when the directory
already has that person, is merged into them (platform id, records, conversations and notices).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import Column, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.roles import Role
from dialogs.cleaning import clean_inbound
from dialogs.messages import Inbound, Platform
from storage import directory, outbox
from storage.audit import append_audit
from storage.dialect import rows_affected
from storage.models import Base, ChannelAddress, DialogSession, Person, PersonRole

PLACEHOLDER_DOMAIN = "unknown.invalid"
MAX_EMAIL = 320
MERGED = "person.merged"
EMAIL_LEARNT = "person.email_learnt"


async def resolve_actor(session: AsyncSession, inbound: Inbound, now: datetime) -> Person:
    """The directory person behind `inbound`, linking platform ids on first sight.

    Someone unknown is added as staff of an unknown organisation (`in_directory` false), so
    nothing they report is lost; they are asked for their organisation once. Channels call this
    outside the turn loop too, so the name and email are cleaned here as well.
    """
    inbound = clean_inbound(inbound)
    address = inbound.address
    platform = address.platform
    email = clean_email(inbound.email)
    name = inbound.display_name or ""
    person = None
    if platform in (Platform.SLACK, Platform.TEAMS):
        person = await directory.person_by_platform_id(session, platform, address.user)
    if person is not None and email and is_placeholder(person):
        person = await _learn_email(session, person, email, name, now)
    if person is None and email:
        person = await directory.person_by_email(session, email)
        if person is not None and _link(person, platform, address.user):
            await outbox.release_held(session, person.id, now)
    if person is None:
        email = email or placeholder_email(platform, address.user)
        person = Person(
            email=email,
            name=name or email.split("@")[0],
            in_directory=False,
            roles=[PersonRole(role=Role.STAFF)],
        )
        _link(person, platform, address.user)
        session.add(person)
        await session.flush()
    return person


def placeholder_email(platform: str, user_id: str) -> str:
    """The stand-in address of someone whose email the platform has not told us yet."""
    return f"{platform}-{user_id}@{PLACEHOLDER_DOMAIN}".lower()


def is_placeholder(person: Person) -> bool:
    """Whether this person is only known by a platform id (their email lookup failed)."""
    return person.email.endswith("@" + PLACEHOLDER_DOMAIN)


def clean_email(email: str | None) -> str | None:
    """The email in lower case, or None when it is not a plausible address."""
    if not email:
        return None
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    plausible = (
        at
        and local
        and domain
        and len(email) <= MAX_EMAIL
        and not domain.endswith(PLACEHOLDER_DOMAIN)
        and not any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in email)
    )
    return email if plausible else None


async def _learn_email(
    session: AsyncSession, placeholder: Person, email: str, name: str, now: datetime
) -> Person:
    """The person a placeholder turns out to be, now that the platform gave their email."""
    known = await directory.person_by_email(session, email)
    if known is None:
        before = placeholder.email
        placeholder.email = email
        placeholder.name = name or placeholder.name
        await session.flush()
        await append_audit(
            session, at=now, actor=email, action=EMAIL_LEARNT, summary={"placeholder": before}
        )
        return placeholder
    await merge(session, placeholder, known, now)
    return known


async def merge(session: AsyncSession, placeholder: Person, into: Person, now: datetime) -> None:
    """Fold a placeholder into the person it turned out to be, and audit it.

    Everything that refers to the placeholder is re-pointed (every foreign key to `person`,
    so a new table is covered without change here); its platform ids move over where `into`
    has none; a question the hub put before what it asked for (a prelude, such as the
    organisation question: its conversation keeps what was asked in `then_text`) is dropped,
    since it was due for whom the hub took them to be; notices held for either can go out
    once `into` has an address.
    """
    moved: dict[str, int] = {}
    stand_in = placeholder.email
    active = await session.scalars(
        select(DialogSession).where(
            DialogSession.person_id == placeholder.id, DialogSession.active.is_(True)
        )
    )
    for conversation in active:  # then_text is encrypted, so it is read here, not compared in SQL
        if conversation.then_text:
            conversation.active, conversation.outcome = False, "retired"
    await session.execute(
        delete(ChannelAddress).where(
            ChannelAddress.person_id == placeholder.id,
            ChannelAddress.platform.in_(
                select(ChannelAddress.platform).where(ChannelAddress.person_id == into.id)
            ),
        )
    )
    for column in _references():
        result = await session.execute(
            update(column.table).where(column == placeholder.id).values({column.name: into.id})
        )
        if count := rows_affected(result):
            moved[f"{column.table.name}.{column.name}"] = count
    slack_id, teams_id = placeholder.slack_user_id, placeholder.teams_aad_id
    placeholder.slack_user_id = placeholder.teams_aad_id = None
    await session.flush()
    linked = False
    if slack_id:
        linked |= _link(into, Platform.SLACK, slack_id)
    if teams_id:
        linked |= _link(into, Platform.TEAMS, teams_id)
    await session.delete(placeholder)
    await session.flush()
    if linked:
        await outbox.release_held(session, into.id, now)
    await append_audit(
        session,
        at=now,
        actor=into.email,
        action=MERGED,
        summary={"placeholder": stand_in, "moved": moved},
    )


def _references() -> list[Column[int]]:
    """Every column that refers to a person, except the placeholder's own roles."""
    person = Person.__table__
    return [
        key.parent
        for table in Base.metadata.sorted_tables
        if table is not PersonRole.__table__
        for key in table.foreign_keys
        if key.column.table is person
    ]


def _link(person: Person, platform: Platform | str, user_id: str) -> bool:
    """Record the platform id on first sight; True when it is new (held messages can now go)."""
    if platform == Platform.SLACK and not person.slack_user_id:
        person.slack_user_id = user_id
        return True
    if platform == Platform.TEAMS and not person.teams_aad_id:
        person.teams_aad_id = user_id
        return True
    return False
