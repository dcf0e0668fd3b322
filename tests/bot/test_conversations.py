"""Transcripts of whole conversations through the turn loop, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from dialogs.messages import Ask, Completed, Say, Summary
from storage.models import AuditEntry, Concern, OutboxMessage

CONCERN_ANSWERS = (
    "no",  # danger now
    "no",  # about a person
    "Go home written in red",  # description
    "now",  # when seen
    "yes",  # still there
    "single",  # extent
    "no",  # threatens violence
    "no",  # names a target
    "no",  # terrorist reference
    "skip",  # photos
    "none",  # already reported
    "no",  # removal requested
)


async def test_free_text_report_prefills_and_records_a_triaged_concern(person, sample_hub):
    alex = person("alex@example.org")
    replies = await alex.send("there's racist graffiti on the bus stop on Cheapside")
    assert isinstance(replies[-1], Ask) and replies[-1].field == "danger_now"
    summary = await alex.say(*CONCERN_ANSWERS)
    assert isinstance(summary[-1], Summary)
    rows = {row.field: row.value for row in summary[-1].rows}
    assert rows["category"] == "Hate graffiti"
    assert rows["location"] == "Cheapside"
    assert rows["targets"] == "Race, ethnicity or nationality"
    done = await alex.send("confirm")
    assert isinstance(done[-1], Completed)
    assert done[-1].reference == "CN-2026-0001"
    assert "P2 because: targets a group: race" in done[-1].text
    async with sample_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern))
        alerts = (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "concern_alert")
            )
        ).all()
        audits = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.record_reference == "CN-2026-0001")
        )
    assert concern.priority == "P2" and concern.description == "Go home written in red"
    assert len(alerts) == 2  # both on-duty Prevent managers in the sample directory
    assert audits == 1


async def test_cancel_records_nothing(person, sample_hub):
    alex = person("alex@example.org")
    await alex.say("report", "no", "no", "cancel")
    assert isinstance(alex.last, Say) and "Nothing was recorded" in alex.last.text
    async with sample_hub.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Concern)) == 0
