"""The retention schedule applied: the hub's own rules (conversations, event ids, sent
messages) and each domain's (closed concerns, closed requests), counted or applied at once.

Run by `serve` about once an hour and by `saferhub retention run [--dry-run]`. What it changed
is audited by count only, never by content.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from bot.core.module import RetentionRule
from bot.core.unit import UnitOfWork
from storage import photos, retention


async def conversations(uow: UnitOfWork, apply: bool) -> int:
    cutoff = uow.now - timedelta(days=uow.settings.retention.conversations_days)
    return await retention.delete_conversations(uow.session, cutoff, apply=apply)


async def event_ids(uow: UnitOfWork, apply: bool) -> int:
    cutoff = uow.now - timedelta(days=uow.settings.retention.events_days)
    return await retention.delete_processed_events(uow.session, cutoff, apply=apply)


async def sent_messages(uow: UnitOfWork, apply: bool) -> int:
    cutoff = uow.now - timedelta(days=uow.settings.retention.messages_days)
    return await retention.delete_sent_messages(uow.session, cutoff, apply=apply)


async def abandoned_photos(uow: UnitOfWork, apply: bool) -> int:
    """Photos of drafts that ended without a record (a safety net: ending one deletes them)."""
    cutoff = uow.now - timedelta(hours=1)
    return await photos.delete_abandoned(uow.session, cutoff, apply=apply)


HUB_RULES: Mapping[str, RetentionRule] = {
    "conversations and drafts deleted": conversations,
    "event ids deleted": event_ids,
    "sent messages deleted": sent_messages,
    "photos of abandoned drafts deleted": abandoned_photos,
}


async def apply_schedule(
    uow: UnitOfWork, rules: Mapping[str, RetentionRule], *, apply: bool
) -> dict[str, int]:
    """How many rows each rule finds due (and, when `apply`, changed), the hub's rules first."""
    counts = {name: await rule(uow, apply) for name, rule in {**HUB_RULES, **rules}.items()}
    if apply and any(counts.values()):
        await uow.audit(None, "retention.applied", "", **counts)
    return counts
