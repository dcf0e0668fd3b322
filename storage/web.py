"""Web hub sign-in: one-time links and sessions, both kept as hashes of their tokens, and the
asking for emailed links, counted per client."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialect import rows_affected
from storage.models import LinkRequest, SignInLink, WebSession


async def add_link(
    session: AsyncSession, *, person_id: int, token_hash: str, now: datetime, valid: timedelta
) -> None:
    """Keep a new sign-in link for `person_id`, usable once until `now + valid`."""
    session.add(
        SignInLink(
            token_hash=token_hash, person_id=person_id, created_at=now, expires_at=now + valid
        )
    )
    await session.flush()


async def use_link(session: AsyncSession, token_hash: str, now: datetime) -> int | None:
    """Spend the link: its person's id, or None when it is unknown, used or expired.

    A conditional UPDATE, so two replicas given the same link cannot both sign someone in.
    """
    spent = await session.execute(
        update(SignInLink)
        .where(
            SignInLink.token_hash == token_hash,
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > now,
        )
        .values(used_at=now)
    )
    if rows_affected(spent) != 1:
        return None
    person_id: int | None = await session.scalar(
        select(SignInLink.person_id).where(SignInLink.token_hash == token_hash)
    )
    return person_id


async def links_since(session: AsyncSession, person_id: int, since: datetime) -> int:
    """How many links were made for `person_id` since `since` (for rate limiting)."""
    made = await session.scalars(
        select(SignInLink.id).where(
            SignInLink.person_id == person_id, SignInLink.created_at >= since
        )
    )
    return len(made.all())


async def add_link_request(session: AsyncSession, *, client_hash: str, now: datetime) -> None:
    """Count one ask for an emailed link from the client whose address hashes to `client_hash`."""
    session.add(LinkRequest(client_hash=client_hash, created_at=now))
    await session.flush()


async def link_requests_since(session: AsyncSession, client_hash: str, since: datetime) -> int:
    """How many emailed links the client asked for since `since` (for rate limiting)."""
    asked = await session.scalar(
        select(func.count())
        .select_from(LinkRequest)
        .where(LinkRequest.client_hash == client_hash, LinkRequest.created_at >= since)
    )
    return asked or 0


async def open_session(
    session: AsyncSession, *, person_id: int, token_hash: str, csrf: str, now: datetime
) -> None:
    """Start a web session for `person_id`."""
    session.add(
        WebSession(
            token_hash=token_hash, person_id=person_id, csrf=csrf, created_at=now, seen_at=now
        )
    )
    await session.flush()


async def live_session(
    session: AsyncSession, token_hash: str, now: datetime, idle: timedelta
) -> WebSession | None:
    """The session with this token if it is open and was seen within `idle`; seen now.

    A session idle for longer is ended here, so it cannot come back.
    """
    found = await session.scalar(
        select(WebSession).where(WebSession.token_hash == token_hash, WebSession.ended_at.is_(None))
    )
    if found is None:
        return None
    if found.seen_at <= now - idle:
        found.ended_at = now
        return None
    found.seen_at = now
    return found


async def end_session(session: AsyncSession, token_hash: str, now: datetime) -> None:
    """End the session with this token (signing out); nothing if there is none."""
    await session.execute(
        update(WebSession)
        .where(WebSession.token_hash == token_hash, WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )
