"""The concerns export: reporters only for admins, typed text kept as text in Excel, and the
operating-system account that ran it in the audit row."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.core.exports import ExportFormat
from bot.core.unit import ServiceError
from bot.prevent.area import export_concerns
from bot.prevent.concerns import record_concern
from storage.models import AuditEntry, Person
from tests.conftest import MONDAY_9AM, concern_answers
from tests.prevent.test_alerts import press, report
from tests.spreadsheets import HOSTILE, quoted, read_back

SINCE = date(2026, 11, 1)


async def test_export_leaves_reporters_out_unless_an_admin_asks(sample_hub):
    await report(sample_hub, targets=["race"])
    async with sample_hub.unit() as uow:
        plain = (
            await export_concerns(uow, SINCE, actor=None, operator="tester", with_reporters=False)
        ).csv_text()
    assert plain.splitlines()[0].startswith("reference,created_at")
    assert "alex@example.org" not in plain and "CN-2026-0001" in plain
    async with sample_hub.unit() as uow:
        manager = await uow.session.scalar(
            select(Person).where(Person.email == "priya@example.org")
        )
        with pytest.raises(ServiceError, match="Only an admin"):
            await export_concerns(uow, SINCE, actor=manager, operator="tester", with_reporters=True)
    async with sample_hub.unit() as uow:
        admin = await uow.session.scalar(select(Person).where(Person.email == "admin@example.org"))
        full = (
            await export_concerns(uow, SINCE, actor=admin, operator="tester", with_reporters=True)
        ).csv_text()
    assert full.splitlines()[1].endswith(",alex@example.org")


async def test_the_default_export_names_the_area_and_the_removal_never_the_words(
    sample_hub, person
):
    words = "Bus stop outside Zebulon Quartermaine's flat, 100 Cheapside"
    cn = await report(
        sample_hub, location={"text": words, "postcode": None, "lat": None, "lon": None}
    )
    priya = person("priya@example.org")
    await priya.send(press("concern.request_removal", cn.reference))
    await priya.say("Street Enforcement", "skip", "confirm")
    async with sample_hub.unit() as uow:
        table = await export_concerns(
            uow, SINCE, actor=None, operator="tester", with_reporters=False
        )
    [row] = [dict(zip(table.header, values, strict=True)) for values in table.rows]
    assert row["area"] == "Cheapside" and "Zebulon" not in table.csv_text()
    assert (row["removal_by"], row["removal_status"]) == ("STREET", "requested")
    assert row["removal_requested_at"] == MONDAY_9AM.isoformat() and row["removed_at"] == ""
    assert "location" not in table.header and "reporter" not in table.header


def demo_with_hostile_locations(url: str) -> None:
    """The demo hub, and one concern from Alex for each hostile text, typed as the location."""
    assert main(["--database", url, "demo"]) == 0

    async def record() -> None:
        hub = Hub.build(Settings(database_url=url), FixedClock(MONDAY_9AM))
        try:
            for text in HOSTILE:
                async with hub.unit() as uow:
                    alex = await uow.session.scalar(
                        select(Person).where(Person.email == "alex@example.org")
                    )
                    location = {"text": text, "postcode": None, "lat": None, "lon": None}
                    await record_concern(
                        uow, alex, concern_answers(location=location), platform="console"
                    )
        finally:
            await hub.close()

    asyncio.run(record())


async def audit_rows(url: str, action: str) -> list[AuditEntry]:
    hub = Hub.build(Settings(database_url=url), FixedClock(MONDAY_9AM))
    try:
        async with hub.database.transaction() as session:
            return list(
                await session.scalars(
                    select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
                )
            )
    finally:
        await hub.close()


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_typed_locations_open_in_excel_as_text_and_the_os_account_is_audited(
    tmp_path, capsys, monkeypatch, fmt
):
    url = f"sqlite+aiosqlite:///{tmp_path / 'saferhub.db'}"
    demo_with_hostile_locations(url)
    monkeypatch.setenv("LOGNAME", "ops-on-call")  # getpass.getuser() reads it first
    out = tmp_path / f"concerns.{fmt}"
    args = ["--database", url, "concerns", "export", "--since", "2026-11-01", "--format", fmt]
    capsys.readouterr()
    assert main([*args, "--with-reporters", "--as", "admin@example.org", "--out", str(out)]) == 0
    assert f"Wrote 6 concerns to {out}." in capsys.readouterr().out
    rows = read_back(out, fmt)
    assert [row["location"] for row in rows] == [quoted(text, fmt) for text in HOSTILE]
    assert {row["reporter"] for row in rows} == {"alex@example.org"}
    (audited,) = asyncio.run(audit_rows(url, "concerns.exported"))
    assert audited.actor == "admin@example.org"
    assert audited.summary["operator"] == "ops-on-call"
    assert (audited.summary["rows"], audited.summary["with_reporters"]) == (6, True)


def test_a_workbook_needs_a_file_and_nothing_is_exported_without_one(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'saferhub.db'}"
    assert main(["--database", url, "demo"]) == 0
    args = ["--database", url, "concerns", "export", "--since", "2026-11-01", "--format", "xlsx"]
    assert main(args) == 2
    assert "An XLSX export is written to a file: give --out FILE.xlsx." in capsys.readouterr().err
    assert asyncio.run(audit_rows(url, "concerns.exported")) == []
