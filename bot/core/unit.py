"""What every domain action works inside: one transaction, one moment, the settings."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.core.calendar import WorkingCalendar
from bot.core.ports import OutboxPayload, Replacement
from dialogs.messages import ActionInput, JsonValue, Notice, Outbound
from storage import outbox
from storage.audit import append_audit
from storage.models import Person
from storage.outbox import EVERYONE, Recipients


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
        self, actor: Person | None, action: str, reference: str = "", /, **summary: Any
    ) -> None:
        """Append an audit row for this action in the same transaction.

        The first three are positional-only so that a summary may carry any key, `reference` too.
        """
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
        via: str = "",
    ) -> bool:
        """Queue `notice` for `recipient` in the outbox, once per dedupe key; nothing is queued
        for a leaver (an inactive person), so nothing is sent to them. With `via`, only that
        platform delivers it (a sign-in link or a digest by email)."""
        if not recipient.active:
            return False
        return await outbox.enqueue(
            self.session,
            dedupe_key=dedupe_key,
            kind=notice.kind,
            payload=OutboxPayload(notice, via=via).to_json(),
            now=self.now,
            recipient_id=recipient.id,
            reference=notice.reference,
            due_at=due_at,
        )

    async def refresh_notices(
        self,
        notice: Notice,
        kind: str,
        recipients: Recipients = EVERYONE,
        *,
        delivered: Notice | None = None,
    ) -> frozenset[int]:
        """Replace every copy of the `kind` notice about `notice.reference`, sent or waiting.

        Called after someone acts on a notice, so that nobody can press its old buttons again:
        delivered copies are updated in place by their channel (with `delivered` instead, when
        given); undelivered ones get the new text. `recipients` narrows whose copies change.
        Returns the people whose undelivered copy now carries `notice`.
        """
        payload = OutboxPayload(notice).to_json()
        waiting = await outbox.rewrite_waiting(
            self.session, notice.reference, kind, payload, recipients
        )
        copies = await outbox.sent_copies(self.session, notice.reference, kind, recipients)
        for copy in copies:
            target = Replacement(
                copy.platform or "",
                copy.platform_conversation or "",
                copy.platform_message_id or "",
            )
            replacement = OutboxPayload(delivered or notice, target).to_json()
            prefix = f"replace:{copy.id}:"
            if await outbox.rewrite_pending(self.session, prefix, replacement):
                continue  # a replacement not yet sent now carries the newest content
            await outbox.enqueue(
                self.session,
                dedupe_key=prefix + uuid.uuid4().hex,
                kind=replacement_kind(kind),
                payload=replacement,
                now=self.now,
                recipient_id=copy.recipient_id,
                reference=notice.reference,
            )
        return waiting

    async def retire_notices(
        self,
        reference: str,
        kind: str,
        recipients: Recipients = EVERYONE,
        *,
        delivered_only: bool = False,
    ) -> None:
        """Stop refreshing earlier `kind` notices about `reference` (they were given a final
        version); later refreshes reach only the copies still live."""
        await outbox.retire_copies(
            self.session, reference, kind, recipients, delivered_only=delivered_only
        )


def replacement_kind(kind: str) -> str:
    """The outbox kind of the rows that update delivered `kind` notices in place."""
    return f"{kind}_update"


@dataclass(frozen=True)
class ActionOutcome:
    """What pressing a notice button did: replies, and possibly a form to ask for details."""

    replies: list[Outbound] = field(default_factory=list)
    start_form: str = ""
    prefill: dict[str, JsonValue] = field(default_factory=dict)


ActionHandler = Callable[["UnitOfWork", Person, ActionInput], Awaitable[ActionOutcome]]
Submitter = Callable[["UnitOfWork", Person, dict[str, JsonValue], str], Awaitable[list[Outbound]]]


class ServiceError(Exception):
    """A refused action; the message is safe to show to the user as it is."""
