"""Marking a concern a duplicate: only of one reported before it (issue 16)."""

from __future__ import annotations

from sqlalchemy import select

from dialogs.messages import Completed, Say
from storage.models import AuditEntry
from tests.prevent.test_alerts import concern, outbox, press, report


async def test_a_concern_is_a_duplicate_only_of_an_earlier_one(sample_hub, person, clock):
    first = await report(sample_hub)
    clock.advance(hours=1)
    later = await report(sample_hub)
    priya = person("priya@example.org")

    await priya.send(press("concern.duplicate", first.reference))
    refused = await priya.say(later.reference, "confirm")

    assert refused == [
        Say(
            f"{first.reference} can only be a duplicate of an earlier concern, and "
            f"{later.reference} was reported after it; nothing was changed. Mark "
            f"{later.reference} as a duplicate of {first.reference} instead."
        )
    ]
    assert (await concern(sample_hub, first.reference)).status == "new"
    assert await outbox(sample_hub, kind="concern_status") == []
    async with sample_hub.database.transaction() as session:
        audit = await session.scalar(select(AuditEntry).where(AuditEntry.action == "form.refused"))
    assert audit.record_reference == first.reference

    await priya.send(press("concern.duplicate", later.reference))
    done = await priya.say(first.reference, "confirm")

    assert done[-1] == Completed(
        later.reference, f"{later.reference} is marked as a duplicate of {first.reference}."
    )
    marked = await concern(sample_hub, later.reference)
    assert (marked.status, marked.duplicate_of) == ("duplicate", first.reference)
