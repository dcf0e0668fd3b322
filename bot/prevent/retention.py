"""Prevent's part of the retention schedule: closed concerns are anonymised after a while."""

from __future__ import annotations

from datetime import timedelta

from bot.core.unit import UnitOfWork
from storage import retention


async def anonymise_closed(uow: UnitOfWork, apply: bool) -> int:
    """Concerns closed longer ago than the schedule keeps them: place, category, priority and
    dates stay for the statistics; what was typed, the photos and the reporter go."""
    cutoff = uow.now - timedelta(days=uow.settings.retention.concerns_days)
    return await retention.anonymise_concerns(uow.session, cutoff, uow.now, apply=apply)


RULES = {"closed concerns anonymised": anonymise_closed}
