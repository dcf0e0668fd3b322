"""What every domain action works inside: one transaction, one moment, the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.services.calendar import WorkingCalendar
from dialogs.messages import Notice, notice_to_json
from storage import outbox
from storage.audit import append_audit
from storage.models import Person


@dataclass(frozen=True)
class UnitOfWork:
    """A transaction in progress at a fixed `now` (UTC); services read and write through it."""

    session: AsyncSession
    now: datetime
    settings: Settings
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)

    @property
    def today(self) -> date:
        """Today in the partnership's timezone."""
        return self.now.astimezone(self.settings.timezone).date()

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.settings.timezone)

    async def audit(
        self, actor: Person | None, action: str, reference: str = "", **summary: Any
    ) -> None:
        """Append an audit row for this action in the same transaction."""
        await append_audit(
            self.session,
            at=self.now,
            actor=actor.email if actor else "system",
            action=action,
            reference=reference,
            summary=summary,
        )

    async def notify(
        self,
        recipient: Person,
        notice: Notice,
        *,
        dedupe_key: str,
        due_at: datetime | None = None,
    ) -> bool:
        """Queue `notice` for `recipient` in the outbox, once per dedupe key."""
        return await outbox.enqueue(
            self.session,
            dedupe_key=dedupe_key,
            kind=notice.kind,
            payload=notice_to_json(notice),
            now=self.now,
            recipient_id=recipient.id,
            reference=notice.reference,
            due_at=due_at,
        )


class ServiceError(Exception):
    """A refused action; the message is safe to show to the user as it is."""
