"""Outbox delivery: claim due messages, send each through the recipient's channel, record the result.

Every proactive message (alerts, requests, nudges, status updates, replacing a notice's buttons
once it is acted on) goes through here. Channels plug in a `Deliverer`; the dispatcher never knows
a platform's API. Several replicas may tick at once: the claim in storage decides who sends.
Each send is recorded as started before it is made and its outcome right after, each in its own
short transaction retried through a dropped connection; a send whose outcome was never recorded
is handed to the channel as unconfirmed, so a channel that can look (Slack) does not post twice.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.core.ports import (
    Attempt,
    Delivered,
    Deliverer,
    DeliveryFailed,
    OutboxPayload,
    Recipient,
    SharedChannel,
)
from dialogs.messages import Platform
from storage import directory, outbox
from storage.database import Database
from storage.models import OutboxMessage, Person

log = logging.getLogger(__name__)
EMAIL = Platform.EMAIL.value

T = TypeVar("T")


@dataclass(frozen=True)
class DispatchReport:
    """What one tick did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    held: int = 0
    lost: int = 0


class Dispatcher:
    """Delivers due outbox messages through the configured channels.

    A claimed batch is delivered to up to `concurrency` recipients at once, each recipient's
    messages in order (Slack paces posts to one conversation, so one slow recipient must not
    hold up the others). Each claim is renewed just before its send, and a message whose claim
    ran out and was taken by another replica is left to that replica (`lost`). A write the
    database drops is tried again after each pause in `write_retries` before the tick gives up.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        deliverers: Sequence[Deliverer],
        *,
        worker: str,
        batch: int = 50,
        max_attempts: int = 8,
        lease: timedelta = timedelta(minutes=2),
        concurrency: int = 8,
        write_retries: Sequence[float] = (0.1, 0.5, 2.0, 5.0),
    ) -> None:
        self.database = database
        self.clock = clock
        self.deliverers = list(deliverers)
        self.worker = worker
        self.batch = batch
        self.max_attempts = max_attempts
        self.lease = lease
        self.concurrency = concurrency
        self.write_retries = tuple(write_retries)

    async def tick(self) -> DispatchReport:
        """Claim one batch of due messages and deliver them."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            claimed = list(
                await outbox.claim_due(
                    session, worker=self.worker, now=now, limit=self.batch, lease=self.lease
                )
            )
        queues: dict[tuple[int | None, str], list[OutboxMessage]] = defaultdict(list)
        for message in claimed:
            queues[(message.recipient_id, message.channel)].append(message)
        counts = {"sent": 0, "retried": 0, "dead": 0, "held": 0, "lost": 0}
        gate = asyncio.Semaphore(self.concurrency)
        recipients: dict[int | None, Recipient | None] = {}

        async def deliver_in_order(messages: list[OutboxMessage]) -> None:
            async with gate:
                for message in messages:
                    counts[await self._deliver(message, recipients)] += 1

        outcomes = await asyncio.gather(
            *(deliver_in_order(messages) for messages in queues.values()), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return DispatchReport(**counts)

    async def drain(self, max_ticks: int = 1000) -> DispatchReport:
        """Tick until nothing due is left: the scheduler's outbox job, so a burst of notices goes
        out at once rather than one batch per tick interval."""
        total = DispatchReport()
        for _ in range(max_ticks):
            report = await self.tick()
            total = DispatchReport(
                *(a + b for a, b in zip(_as_tuple(total), _as_tuple(report), strict=True))
            )
            if not any(_as_tuple(report)):
                break
        return total

    async def _deliver(
        self, message: OutboxMessage, recipients: dict[int | None, Recipient | None]
    ) -> str:
        """Send one claimed message; `recipients` keeps who was looked up during this tick."""
        payload = OutboxPayload.from_json(message.payload)
        notice, replaces = payload.notice, payload.replaces
        if not await self._write(partial(self._start, message, recipients)):
            return "lost"
        recipient = recipients[message.recipient_id]
        try:
            if replaces is not None:
                deliverer = self._by_platform(replaces.platform)
                if deliverer is None:
                    return await self._hold(message, "no channel to update that message")
                await deliverer.replace(replaces, notice)
                return await self._sent(
                    message,
                    deliverer.platform,
                    Delivered(replaces.message_id, replaces.conversation),
                )
            if message.channel:
                shared = SharedChannel.parse(message.channel)
                deliverer = self._by_platform(shared.platform)
                recipient = Recipient.shared_channel(shared.channel)
            else:
                deliverer = self._for(recipient, payload.via)
            if deliverer is None or recipient is None:
                return await self._hold(
                    message, "the recipient has no address on a configured channel yet"
                )
            # The claim still shows whether an earlier send of this row left no outcome.
            attempt = Attempt(message.id, message.unconfirmed_since)
            delivered = await deliverer.send(recipient, notice, attempt)
            return await self._sent(message, deliverer.platform, delivered)
        except DeliveryFailed as failed:
            return await self._failed(message, failed)

    async def _start(
        self,
        message: OutboxMessage,
        recipients: dict[int | None, Recipient | None],
        session: AsyncSession,
    ) -> bool:
        """Renew the claim and record that a send starts; look the recipient up once a tick."""
        mine = await outbox.start_attempt(
            session, message.id, worker=self.worker, now=self.clock.now(), lease=self.lease
        )
        if mine and message.recipient_id not in recipients:
            recipients[message.recipient_id] = await self._recipient(session, message.recipient_id)
        return mine

    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in its own short transaction, again on a fresh connection when the database
        drops it: every write here is a conditional update, safe to repeat, and an outcome that
        is not recorded means a message sent twice (or looked for) after the lease."""
        for pause in self.write_retries:
            try:
                async with self.database.transaction() as session:
                    return await work(session)
            except (DBAPIError, OSError) as error:
                log.warning(
                    "outbox write failed (%s), trying again in %.1fs", type(error).__name__, pause
                )
            await asyncio.sleep(pause)
        async with self.database.transaction() as session:
            return await work(session)

    def _for(self, recipient: Recipient | None, via: str = "") -> Deliverer | None:
        """The channel to reach `recipient` by: only `via` when the row names a channel this
        process has (a digest by email goes by chat where email is not set up); else their
        preferred channel when it can reach them, else the first that can, email last."""
        if recipient is None:
            return None
        reaching = [d for d in self.deliverers if d.can_reach(recipient)]
        if via and any(d.platform == via for d in self.deliverers):
            return next((d for d in reaching if d.platform == via), None)
        reaching.sort(key=lambda d: (d.platform != recipient.preferred, d.platform == EMAIL))
        return reaching[0] if reaching else None

    def _by_platform(self, platform: str) -> Deliverer | None:
        return next((d for d in self.deliverers if d.platform == platform), None)

    async def _recipient(self, session: AsyncSession, person_id: int | None) -> Recipient | None:
        if person_id is None:
            return None
        found = await session.execute(
            select(
                Person.email,
                Person.slack_user_id,
                Person.teams_aad_id,
                Person.preferred_channel,
                Person.email_failing_since,
            ).where(Person.id == person_id)
        )
        person = found.first()
        if person is None:
            return None
        addresses = await directory.channel_addresses(session, person_id)
        return Recipient(
            person_id,
            person.email,
            person.slack_user_id,
            person.teams_aad_id,
            addresses,
            preferred=person.preferred_channel,
            email_failing=person.email_failing_since is not None,
        )

    async def _sent(self, message: OutboxMessage, platform: str, delivered: Delivered) -> str:
        """Record the delivery straight after the platform's answer, then the channel's own
        bookkeeping (a failure there costs nothing delivered)."""
        await self._write(
            partial(
                outbox.mark_sent,
                message_id=message.id,
                worker=self.worker,
                now=self.clock.now(),
                platform=platform,
                platform_message_id=delivered.message_id,
                platform_conversation=delivered.conversation,
            )
        )
        if delivered.follow_up is not None:
            try:
                await delivered.follow_up()
            except (DBAPIError, OSError) as error:
                log.warning(
                    "after delivering outbox message %s: %s", message.id, type(error).__name__
                )
        return "sent"

    async def _hold(self, message: OutboxMessage, reason: str) -> str:
        await self._write(
            partial(outbox.hold, message_id=message.id, worker=self.worker, reason=reason)
        )
        return "held"

    async def _failed(self, message: OutboxMessage, failed: DeliveryFailed) -> str:
        dead = failed.permanent or message.attempts >= self.max_attempts
        delay = (
            failed.retry_after
            if failed.retry_after is not None
            else backoff_seconds(message.attempts)
        )
        retry_at = None if dead else self.clock.now() + timedelta(seconds=delay)
        log.warning(
            "outbox message %s failed (attempt %s): %s", message.id, message.attempts, failed
        )
        await self._write(
            partial(
                outbox.mark_failed,
                message_id=message.id,
                worker=self.worker,
                error=str(failed),
                retry_at=retry_at,
                maybe_delivered=failed.maybe_delivered,
            )
        )
        return "dead" if dead else "retried"


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: about 5 s, 10 s, 20 s... capped at 15 minutes."""
    base: float = min(900.0, 5.0 * 2 ** max(0, attempts - 1))
    return base * random.uniform(0.8, 1.2)


def _as_tuple(report: DispatchReport) -> tuple[int, int, int, int, int]:
    return (report.sent, report.retried, report.dead, report.held, report.lost)
