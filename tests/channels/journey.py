"""What the Prevent journey tests (Slack and Teams) check of the hub at the end of the loop."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from bot.conversation.hub import Hub
from storage.models import Attachment, Concern, ConcernFollowUp, Photo

QUESTION = "Which side of the bus stop was it on?"
ANSWER = "Facing the bank"


async def record(hub: Hub) -> Concern:
    """The one concern on record."""
    async with hub.database.transaction() as session:
        (concern,) = await session.scalars(select(Concern))
        return concern


async def assert_journey_recorded(hub: Hub, sent: bytes, platform: str) -> None:
    """Removed by Street Enforcement, the reporter's answer kept with its question, and the
    photo sent linked to CN-2026-0001 with the SHA-256 of the bytes sent."""
    concern = await record(hub)
    assert (concern.removal_status, concern.removal_by) == ("removed", "STREET")
    async with hub.database.transaction() as session:
        (follow_up,) = await session.scalars(select(ConcernFollowUp))
        (photo,) = await session.scalars(select(Photo))
        (attachment,) = await session.scalars(select(Attachment))
    assert follow_up.concern_id == concern.id
    assert (follow_up.question, follow_up.answer) == (QUESTION, ANSWER)
    assert follow_up.answered_at is not None
    assert photo.record_reference == "CN-2026-0001" and photo.original == sent
    assert photo.sha256 == attachment.sha256 == hashlib.sha256(sent).hexdigest()
    assert (attachment.record_reference, attachment.platform) == ("CN-2026-0001", platform)
