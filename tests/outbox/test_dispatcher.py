"""The dispatcher when a batch outlasts its lease, and when one recipient is slow."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.clock import FixedClock
from bot.conversation.hub import Hub
from bot.core.ports import Attempt, Delivered, Recipient, Replacement
from bot.outbox.dispatcher import Dispatcher, DispatchReport
from dialogs.messages import Notice, notice_to_json
from storage import outbox
from storage.models import OutboxMessage, Person


@dataclass
class Recorder:
    """A deliverer that records what it sends; sends to `slow` wait until `go` is set."""

    platform: str = "slack"
    sent: list[tuple[str, str]] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    slow: str = ""
    go: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: asyncio.Event = field(default_factory=asyncio.Event)

    def can_reach(self, recipient: Recipient) -> bool:
        return True

    async def send(self, recipient: Recipient, notice: Notice, attempt: Attempt) -> Delivered:
        self.attempts.append(attempt)
        if recipient.email == self.slow:
            self.waiting.set()
            await self.go.wait()
        self.sent.append((recipient.email, notice.title))
        return Delivered(f"ts-{len(self.sent)}", recipient.email)

    async def replace(self, target: Replacement, notice: Notice) -> None:
        raise AssertionError("not used")


async def queue_notices(hub: Hub, emails: list[str], each: int) -> None:
    async with hub.unit() as uow:
        for email in emails:
            person = await uow.session.scalar(select(Person).where(Person.email == email))
            assert person is not None
            for i in range(each):
                await outbox.enqueue(
                    uow.session,
                    dedupe_key=f"{email}:{i}",
                    kind="test",
                    payload=notice_to_json(Notice("test", f"{email} {i}", (), "")),
                    now=uow.now,
                    recipient_id=person.id,
                )


async def test_a_message_whose_lease_ran_out_is_left_to_the_replica_that_took_it(
    sample_hub: Hub, clock: FixedClock
) -> None:
    await queue_notices(sample_hub, ["alex@example.org"], 2)
    stuck = Recorder(slow="alex@example.org")
    late = Dispatcher(sample_hub.database, clock, [stuck], worker="late")
    first_tick = asyncio.create_task(late.tick())
    await asyncio.wait_for(stuck.waiting.wait(), timeout=10)  # Slack hangs on the first post
    clock.advance(minutes=3)  # longer than the lease: another replica takes both messages
    other = Recorder()
    taken = await Dispatcher(sample_hub.database, clock, [other], worker="other").tick()
    stuck.go.set()
    report = await asyncio.wait_for(first_tick, timeout=10)

    assert taken == DispatchReport(sent=2)
    # The post already in flight when the lease ran out cannot be called back; the next one,
    # whose claim is checked before sending, is left to the replica that now holds it.
    assert [title for _email, title in stuck.sent] == ["alex@example.org 0"]
    assert report.lost == 1


async def test_a_slow_recipient_does_not_hold_up_the_others_and_order_is_kept(
    sample_hub: Hub, clock: FixedClock
) -> None:
    await queue_notices(sample_hub, ["priya@example.org", "alex@example.org"], 3)
    recorder = Recorder(slow="priya@example.org")
    dispatcher = Dispatcher(sample_hub.database, clock, [recorder], worker="w")
    tick = asyncio.create_task(dispatcher.tick())

    async def alex_done() -> None:
        while [e for e, _t in recorder.sent].count("alex@example.org") < 3:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(alex_done(), timeout=10)  # while Priya's first send still waits
    recorder.go.set()
    report = await asyncio.wait_for(tick, timeout=10)

    assert report == DispatchReport(sent=6)
    assert [t for e, t in recorder.sent if e.startswith("priya")] == [
        f"priya@example.org {i}" for i in range(3)
    ]
    async with sample_hub.database.transaction() as session:
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert statuses == {"sent"}


async def test_one_run_of_the_outbox_tick_sends_everything_due_not_one_batch(
    sample_hub: Hub, clock: FixedClock
) -> None:
    await queue_notices(sample_hub, ["alex@example.org", "priya@example.org"], 60)
    recorder = Recorder()
    dispatcher = Dispatcher(sample_hub.database, clock, [recorder], worker="w", batch=50)
    outbox_tick, _seconds = sample_hub.ticks(dispatcher, 30)["outbox"]

    await outbox_tick()

    assert len(recorder.sent) == 120


async def test_a_send_cut_off_mid_flight_is_offered_again_as_unconfirmed_since_it_began(
    sample_hub: Hub, clock: FixedClock
) -> None:
    await queue_notices(sample_hub, ["alex@example.org"], 1)
    stuck = Recorder(slow="alex@example.org")
    dying = asyncio.create_task(Dispatcher(sample_hub.database, clock, [stuck], worker="a").tick())
    await asyncio.wait_for(stuck.waiting.wait(), timeout=10)  # the post is on its way
    began = clock.now()
    dying.cancel()  # the replica dies before it hears back: the post may or may not be out
    clock.advance(minutes=3)
    other = Recorder()

    report = await Dispatcher(sample_hub.database, clock, [other], worker="b").tick()

    (first,) = stuck.attempts
    assert first.unconfirmed_since is None  # the first send knows nothing could be out yet
    assert other.attempts == [Attempt(first.outbox_id, began)]  # the channel is told to look
    assert report == DispatchReport(sent=1)
    async with sample_hub.database.transaction() as session:
        row = await session.get(OutboxMessage, first.outbox_id)
    assert row is not None and (row.status, row.unconfirmed_since) == ("sent", None)
