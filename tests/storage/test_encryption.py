"""Free text at rest: what people type is unreadable in the database without the data key.

A concern naming a person is reported through the hub (record, alert and a half-filled form), then
the database is read raw, as someone with a copy of it would: the name appears nowhere. Keys
rotate without losing anything, and a value under a key no longer configured is named, not lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Text, select, type_coerce, update
from sqlalchemy.engine import make_url

from bot.cli import NO_DATA_KEY, main
from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.prevent.concerns import record_concern
from storage import keys
from storage.crypto import UNREADABLE, Keyring, encrypted_columns, generate_key
from storage.database import Database
from storage.models import Base, Concern, DialogSession, OutboxMessage, Person, Photo
from tests.conftest import Person as Talker
from tests.conftest import concern_answers

NAME = "Zebulon Quirke"
OLD = Keyring.parse(generate_key())


@pytest.fixture
async def keyed_hub(database_url: str, clock: FixedClock) -> AsyncIterator[Hub]:
    hub = Hub.build(Settings(database_url=database_url, keyring=OLD), clock)
    await hub.load_sample()
    yield hub
    await hub.close()


async def report_naming_someone(hub: Hub) -> str:
    """A P1 concern naming a person (so the managers are alerted), and a form left half-done."""
    async with hub.unit() as uow:
        reporter = await uow.session.scalar(
            select(Person).where(Person.email == "alex@example.org")
        )
        assert reporter is not None
        answers = concern_answers(
            description=f"Go home {NAME}, in red",
            location={"text": f"outside {NAME}'s flat", "postcode": None, "lat": None, "lon": None},
            names_target="yes",
        )
        recorded = await record_concern(uow, reporter, answers, platform="console")
    await Talker(hub, "priya@example.org").say("report", "no", "no", f"{NAME} again")
    return recorded.concern.reference


async def raw_text(database: Database) -> str:
    """Every row of every table as the database holds it, in one string."""
    found = []
    async with database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            columns = [type_coerce(c, Text) for c in table.c]
            for row in await session.execute(select(*columns)):
                found.extend(str(value) for value in row)
    return "\n".join(found)


async def test_nothing_a_person_typed_is_readable_in_the_database(keyed_hub):
    reference = await report_naming_someone(keyed_hub)
    async with keyed_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern).where(Concern.reference == reference))
        states = list(await session.scalars(select(DialogSession.state)))
        alerts = list(await session.scalars(select(OutboxMessage.payload)))
    assert concern is not None and NAME in concern.description and NAME in concern.location_text
    assert any(NAME in str(state) for state in states)
    assert alerts, "the P1 concern alerted the managers"
    assert NAME not in await raw_text(keyed_hub.database)


async def test_on_disk_the_sqlite_file_holds_no_name(tmp_path, clock):
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    hub = Hub.build(Settings(database_url=url, keyring=OLD), clock)
    await hub.database.create_all()
    await hub.load_sample()
    await report_naming_someone(hub)
    await hub.close()  # the write-ahead log is read too, should anything be left in it
    on_disk = b"".join(path.read_bytes() for path in tmp_path.glob("hub.db*"))
    assert NAME.encode() not in on_disk and b"Zebulon" not in on_disk


async def test_keys_rotate_and_a_missing_key_is_reported_by_reference(keyed_hub, database_url):
    reference = await report_naming_someone(keyed_hub)
    new = Keyring.parse(generate_key())
    both = Keyring(new.keys + OLD.keys)
    rotating = Database(database_url, keyring=both)
    report = await keys.rotate(rotating, both)
    assert report.unreadable == () and report.rotated == report.values > 0
    await rotating.dispose()

    only_new = Database(database_url, keyring=new)
    async with only_new.transaction() as session:
        concern = await session.scalar(select(Concern).where(Concern.reference == reference))
        assert concern is not None and NAME in concern.description
    assert (await keys.rotate(only_new, new, write=False)).unreadable == ()
    await only_new.dispose()

    only_old = Database(database_url, keyring=OLD)
    async with only_old.transaction() as session:
        concern = await session.scalar(select(Concern).where(Concern.reference == reference))
        assert concern is not None and concern.description == UNREADABLE
    lost = await keys.rotate(only_old, OLD)
    assert f"{reference} (description)" in lost.unreadable and lost.rotated == 0
    await only_old.dispose()

    again = Database(database_url, keyring=new)
    async with again.transaction() as session:  # the failed rotation changed nothing
        concern = await session.scalar(select(Concern).where(Concern.reference == reference))
        assert concern is not None and NAME in concern.description
    await again.dispose()


async def test_text_written_before_encryption_is_read_and_then_encrypted(keyed_hub):
    reference = await report_naming_someone(keyed_hub)
    async with keyed_hub.database.transaction() as session:
        await session.execute(
            update(Concern)
            .where(Concern.reference == reference)
            .values(outcome=type_coerce("Removed by the cleansing team", Text))
        )
    async with keyed_hub.database.transaction() as session:
        concern = await session.scalar(select(Concern).where(Concern.reference == reference))
        assert concern is not None and concern.outcome == "Removed by the cleansing team"
    await keys.rotate(keyed_hub.database, OLD)
    assert "cleansing team" not in await raw_text(keyed_hub.database)


def test_every_free_text_column_is_encrypted():
    """The columns DOMAIN.md and docs/governance.md name; a new one must be added on purpose."""
    named = {(c.table, c.column) for c in encrypted_columns(Base.metadata.sorted_tables)}
    assert named == {
        ("concern", "description"),
        ("concern", "location_text"),
        ("concern", "answers"),
        ("concern", "outcome"),
        ("concern", "removal_note"),
        ("concern_follow_up", "question"),
        ("concern_follow_up", "answer"),
        ("information_request", "answers"),
        ("information_request", "more_info_question"),
        ("challenge", "reasons"),
        ("challenge", "note"),
        ("request_decision", "reasons"),
        ("request_decision", "shared_description"),
        ("request_decision", "sent_description"),
        ("request_decision", "redactions"),
        ("request_decision", "withheld"),
        ("dialog_session", "state"),
        ("dialog_session", "then_text"),
        ("outbox", "payload"),
        ("photo", "name"),
        ("photo", "original"),
        ("photo", "cleaned"),
    }


@pytest.mark.parametrize(
    "comparison",
    [
        lambda: DialogSession.then_text != "",
        lambda: Concern.description == "Go home",
        lambda: Concern.location_text.contains("Cheapside"),
        lambda: OutboxMessage.payload == {},
    ],
)
def test_an_encrypted_column_cannot_be_compared_in_sql(comparison):
    """Every write is a fresh token, so such a comparison would silently match nothing."""
    with pytest.raises(TypeError, match="cannot be compared in SQL"):
        comparison()


def test_whether_an_encrypted_value_is_there_can_still_be_asked():
    assert str(Concern.outcome.is_not(None)) == "concern.outcome IS NOT NULL"


def test_a_bad_data_key_is_named_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SAFERHUB_DATA_KEY", "not-a-key")
    assert main(["--database", f"sqlite+aiosqlite:///{tmp_path / 'h.db'}", "db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SAFERHUB_DATA_KEY: key 1 is not a Fernet key" in err
    assert "not-a-key" not in err


def test_keys_generate_prints_a_key_the_setting_accepts(capsys):
    assert main(["keys", "generate"]) == 0
    assert Keyring.parse(capsys.readouterr().out.strip())


def test_serving_postgresql_without_a_data_key_is_refused(postgres_url, capsys, monkeypatch):
    for name in ("SAFERHUB_DATA_KEY", "SAFERHUB_DEV"):
        monkeypatch.delenv(name, raising=False)
    assert make_url(postgres_url).get_backend_name() == "postgresql"
    assert main(["--database", postgres_url, "serve"]) == 2
    assert NO_DATA_KEY in capsys.readouterr().err


def test_the_demo_says_it_uses_the_development_key(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SAFERHUB_DATA_KEY", raising=False)
    assert main(["--database", f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}", "demo"]) == 0
    assert "SAFERHUB_DATA_KEY is not set" in capsys.readouterr().err


async def test_keys_check_names_what_cannot_be_read(tmp_path, clock, capsys, monkeypatch):
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    hub = Hub.build(Settings(database_url=url, keyring=OLD), clock)
    await hub.migrate()
    await hub.load_sample()
    reference = await report_naming_someone(hub)
    await hub.close()
    monkeypatch.setenv("SAFERHUB_DATA_KEY", generate_key())
    assert await _main_async(["--database", url, "keys", "check"]) == 1
    err = capsys.readouterr().err
    assert "cannot be read with the configured keys" in err and f"{reference} (description)" in err
    assert NAME not in err


async def _main_async(argv: list[str]) -> int:
    """`main` runs its own event loop; inside a test's loop it runs in a thread."""
    return await asyncio.to_thread(main, argv)


async def test_a_photo_is_unreadable_at_rest_and_survives_a_key_rotation(keyed_hub, database_url):
    picture = b"\xff\xd8 pixels of " + NAME.encode()
    async with keyed_hub.unit() as uow:
        photo = Photo(
            person_id=None,
            record_reference="CN-2026-0001",
            name=f"{NAME}.jpg",
            mime_type="image/jpeg",
            size=len(picture),
            sha256="0" * 64,
            original=picture,
            cleaned=picture,
            cleaned_mime_type="image/jpeg",
            created_at=uow.now,
        )
        uow.session.add(photo)
    assert NAME not in await raw_text(keyed_hub.database)

    new = Keyring.parse(generate_key())
    rotating = Database(database_url, keyring=Keyring(new.keys + OLD.keys))
    assert (await keys.rotate(rotating, rotating.keyring)).unreadable == ()
    await rotating.dispose()
    only_new = Database(database_url, keyring=new)
    async with only_new.transaction() as session:
        kept = await session.scalar(select(Photo))
        assert kept is not None and (kept.original, kept.name) == (picture, f"{NAME}.jpg")
    await only_new.dispose()
    only_old = Database(database_url, keyring=OLD)
    async with only_old.transaction() as session:
        kept = await session.scalar(select(Photo))
        assert kept is not None and kept.original == b"" and kept.cleaned == b""
    await only_old.dispose()
