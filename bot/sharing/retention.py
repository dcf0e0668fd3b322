"""Sharing's part of the retention schedule: closed requests lose their subject details."""

from __future__ import annotations

from datetime import timedelta

from bot.core.unit import UnitOfWork
from storage import retention


async def anonymise_closed(uow: UnitOfWork, apply: bool) -> int:
    """Requests closed longer ago than the schedule keeps them: the decision record stays (who
    asked whom, under which law, what was decided and why); the subject details go."""
    cutoff = uow.now - timedelta(days=uow.settings.retention.requests_days)
    return await retention.anonymise_requests(uow.session, cutoff, uow.now, apply=apply)


RULES = {"closed requests anonymised": anonymise_closed}
