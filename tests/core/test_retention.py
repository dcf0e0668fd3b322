"""The retention schedule: each kind of record at its boundary, counted, applied, audited by count.

The hub's clock is moved past each boundary (never today's date): a record one minute inside its
period is kept, one minute past it is anonymised or deleted.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from bot.cli import main
from bot.prevent.concerns import record_concern
from dialogs.messages import ActionInput
from storage.models import (
    Attachment,
    AuditEntry,
    Concern,
    ConcernFollowUp,
    DialogSession,
    InformationRequest,
    OutboxMessage,
    Person,
    Photo,
    ProcessedEvent,
)
from tests.conftest import concern_answers
from tests.sharing.test_lifecycle import confirm, submit_request

NAME = "Zebulon Quirke"


async def a_closed_concern(hub, closed_days_ago: float) -> str:
    async with hub.unit() as uow:
        alex = await uow.session.scalar(select(Person).where(Person.email == "alex@example.org"))
        recorded = await record_concern(
            uow, alex, concern_answers(description=f"Go home {NAME}"), platform="console"
        )
        reference = recorded.concern.reference
        uow.session.add(
            Attachment(
                record_reference=reference,
                platform="slack",
                file_id="F1",
                name="photo.jpg",
                size=10,
                mime_type="image/jpeg",
                sha256="0" * 64,
            )
        )
        uow.session.add(a_photo(uow, alex, reference=reference))
        uow.session.add(
            ConcernFollowUp(
                concern_id=recorded.concern.id,
                question=f"Did {NAME} see it?",
                asked_at=uow.now,
                answer=f"{NAME} lives opposite",
                answered_at=uow.now,
            )
        )
        await uow.session.execute(
            update(Concern)
            .where(Concern.reference == reference)
            .values(
                status="closed",
                closed_at=uow.now - timedelta(days=closed_days_ago),
                removal_note=f"{NAME} would not let us in",
            )
        )
    return reference


def a_photo(uow, person: Person, *, reference: str = "", session_id: int | None = None) -> Photo:
    return Photo(
        session_id=session_id,
        person_id=person.id,
        record_reference=reference,
        name="IMG_1.jpg",
        mime_type="image/jpeg",
        size=3,
        sha256="0" * 64,
        original=b"raw",
        cleaned=b"clean",
        cleaned_mime_type="image/jpeg",
        created_at=uow.now - timedelta(hours=2),
    )


async def concern(hub, reference: str) -> Concern:
    async with hub.database.transaction() as session:
        found = await session.scalar(select(Concern).where(Concern.reference == reference))
        assert found is not None
        return found


async def schedule(hub, *, apply: bool = True) -> dict[str, int]:
    async with hub.unit() as uow:
        return await hub.retention(uow, apply=apply)


async def test_a_closed_concern_is_anonymised_two_years_after_closure(sample_hub):
    kept = await a_closed_concern(sample_hub, 730 - 1 / 1440)
    due = await a_closed_concern(sample_hub, 730 + 1 / 1440)
    assert (await schedule(sample_hub, apply=False))["closed concerns anonymised"] == 1
    before = await concern(sample_hub, due)
    assert before.description.endswith(NAME)  # a dry run changes nothing

    counts = await schedule(sample_hub)

    assert counts["closed concerns anonymised"] == 1
    gone = await concern(sample_hub, due)
    assert (
        gone.description,
        gone.location_text,
        gone.answers,
        gone.removal_note,
        gone.reporter_id,
    ) == ("", "", {}, "", None)
    kept_fields = ("category", "priority", "street_key", "location_type", "seen_at", "closed_at")
    assert [getattr(gone, f) for f in kept_fields] == [getattr(before, f) for f in kept_fields]
    assert gone.anonymised_at == sample_hub.clock.now()
    assert NAME in (await concern(sample_hub, kept)).description
    async with sample_hub.database.transaction() as session:
        photos = list(await session.scalars(select(Attachment.record_reference)))
        kept_photos = list(await session.scalars(select(Photo.record_reference)))
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "retention.applied")
        )
        follow_ups = [
            (f.question, f.answer) for f in await session.scalars(select(ConcernFollowUp))
        ]
    assert photos == [kept] and kept_photos == [kept]  # the photo's bytes go with the concern
    assert sorted(follow_ups) == [("", ""), (f"Did {NAME} see it?", f"{NAME} lives opposite")]
    assert audited is not None and audited.summary["closed concerns anonymised"] == 1
    assert NAME not in str(audited.summary)
    assert (await schedule(sample_hub))["closed concerns anonymised"] == 0  # once only


async def test_a_closed_request_keeps_its_decision_record_and_loses_its_subject(
    person, sample_hub, clock
):
    alex = person("alex@example.org")
    reference = await submit_request(alex)
    await alex.send(ActionInput("request.withdraw", reference))
    await alex.send("skip")
    await confirm(alex)
    clock.advance(days=2192 - 1)
    assert (await schedule(sample_hub))["closed requests anonymised"] == 0
    clock.advance(days=1, minutes=1)
    assert (await schedule(sample_hub))["closed requests anonymised"] == 1
    async with sample_hub.database.transaction() as session:
        request = await session.scalar(select(InformationRequest))
    assert request is not None and request.answers == {} and request.status == "withdrawn"
    assert request.lawful_basis and request.purpose_type == "asb"


async def test_conversations_event_ids_and_sent_messages_go_at_their_boundaries(
    person, sample_hub, clock
):
    await person("alex@example.org").say("report", "no")  # a draft, an event id, no message
    async with sample_hub.database.transaction() as session:
        session.add(
            OutboxMessage(
                dedupe_key="old",
                kind="concern_status",
                payload={"title": "x"},
                status="sent",
                created_at=clock.now(),
                next_attempt_at=clock.now(),
                sent_at=clock.now(),
            )
        )
    clock.advance(days=14, minutes=1)
    first = await schedule(sample_hub)
    clock.advance(days=16)
    second = await schedule(sample_hub)
    clock.advance(days=60)
    third = await schedule(sample_hub)
    assert first["event ids deleted"] == 2 and first["conversations and drafts deleted"] == 0
    assert second["conversations and drafts deleted"] == 1 and second["sent messages deleted"] == 0
    assert third["sent messages deleted"] == 1
    async with sample_hub.database.transaction() as session:
        left = [
            await session.scalar(select(func.count()).select_from(model))
            for model in (DialogSession, ProcessedEvent, OutboxMessage)
        ]
    assert left == [0, 0, 0]


async def test_two_runs_at_once_apply_it_once(sample_hub, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers itself; the race is on PostgreSQL")
    for _ in range(5):
        await a_closed_concern(sample_hub, 800)
    first, second = await asyncio.gather(schedule(sample_hub), schedule(sample_hub))
    assert first["closed concerns anonymised"] + second["closed concerns anonymised"] == 5


async def test_photos_of_drafts_that_ended_without_a_record_go(sample_hub):
    async with sample_hub.unit() as uow:
        alex = await uow.session.scalar(select(Person).where(Person.email == "alex@example.org"))
        draft = DialogSession(
            address_key="console:local:terminal:alex",
            person_id=alex.id,
            form_id="concern",
            created_at=uow.now,
            updated_at=uow.now,
        )
        uow.session.add(draft)
        await uow.session.flush()
        uow.session.add(a_photo(uow, alex, session_id=draft.id))  # a draft in progress
        uow.session.add(a_photo(uow, alex, reference="CN-2026-0009"))  # recorded
        uow.session.add(a_photo(uow, alex))  # its draft deleted
        uow.session.add(a_photo(uow, alex, session_id=draft.id))
    assert (await schedule(sample_hub, apply=False))["photos of abandoned drafts deleted"] == 1
    async with sample_hub.unit() as uow:  # the draft ends (as on another replica, unlinked)
        await uow.session.execute(update(DialogSession).values(active=False))

    assert (await schedule(sample_hub))["photos of abandoned drafts deleted"] == 3

    async with sample_hub.database.transaction() as session:
        assert list(await session.scalars(select(Photo.record_reference))) == ["CN-2026-0009"]


def test_the_command_counts_then_applies(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    assert main(["--database", url, "demo"]) == 0
    capsys.readouterr()
    assert main(["--database", url, "retention", "run", "--dry-run"]) == 0
    assert "closed concerns anonymised: 0 due" in capsys.readouterr().out
    assert main(["--database", url, "retention", "run"]) == 0
    assert "Retention applied" in capsys.readouterr().out
