"""The register of information sharing and the monthly board pack, through the services and the
`saferhub sharing ...` command line."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.core.exports import ExportFormat
from bot.core.ports import OutboxPayload
from bot.sharing.board_pack import build_pack, send_monthly_pack
from bot.sharing.register import export_register
from storage.models import (
    AuditEntry,
    OutboxMessage,
    ReportSnapshot,
    RequestDecision,
    SharingAgreement,
)
from storage.models import Person as PersonModel
from tests.conftest import MONDAY_9AM, Person
from tests.sharing.test_lifecycle import confirm, press, submit_request
from tests.spreadsheets import HOSTILE, quoted, read_back

DECISION_COLUMNS = {  # the register's column: the decision record's field the owner types
    "position": "position",
    "shared": "sent_description",
    "withheld": "withheld",
    "redactions": "redactions",
    "delivery_route": "security",
    "retention": "retention",
}


async def take_to_closure(hub: Hub, clock: FixedClock) -> None:
    """IR-2026-0001 declined, challenged twice, upheld by the DPO, approved in part by a new
    decision, fulfilled and closed."""
    alex, jordan = Person(hub, "alex@example.org"), Person(hub, "jordan@example.org")
    dana, frankie = Person(hub, "dana@example.org"), Person(hub, "frankie@example.org")
    await submit_request(alex)
    steps = [
        (jordan, "acknowledge", ()),
        (jordan, "decline", ("Third-party confidentiality", "Names neighbours")),
        (alex, "challenge", ("Redact the neighbours",)),
        (dana, "reject_challenge", ("Too small an estate",)),
        (alex, "escalate_challenge", ("The agreement allows redacted sharing",)),
        (frankie, "uphold_challenge", ("Share it redacted",)),
        (
            jordan,
            "approve_in_part",
            ("Upheld on challenge", "ASB summaries", "Neighbours' names", "Names blacked out"),
        ),
        (jordan, "fulfil", ("ok",)),  # what the decision approved, as suggested
        (alex, "close", ()),
    ]
    for who, action, answers in steps:
        clock.advance(hours=2)
        await who.send(press(action))
        if answers:
            await who.say(*answers)
            await confirm(who)


async def test_the_register_lists_every_step_and_the_decision_record(sample_hub, clock):
    await take_to_closure(sample_hub, clock)
    await submit_request(Person(sample_hub, "alex@example.org"))  # IR-2026-0002, still open
    async with sample_hub.unit() as uow:
        text = await export_register(uow, datetime(2026, 11, 1).date(), "csv", "tester")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["reference"] for r in rows] == ["IR-2026-0001", "IR-2026-0002"]
    first = rows[0]
    assert first["data_owner"] == "City Police" and first["requester"] == "Alex Morgan"
    assert first["purpose"] == "Anti-social behaviour case"
    assert first["agreement"] == "ISA-2026-02"
    assert (first["status"], first["decision"]) == ("closed", "approved in part")
    assert (first["decline_reason"], first["decided"]) == ("", "2026-11-23 23:00")
    assert (first["decided_by"], first["position"]) == ("Jordan Test", "Inspector")
    assert (first["to_share"], first["withheld"]) == ("ASB summaries", "Neighbours' names")
    assert (first["shared"], first["sent_route"], first["sent_on"]) == (
        "ASB summaries",
        "Secure email",
        "2026-11-24",
    )
    assert first["fulfilled_by"] == "Jordan Test"
    assert first["earlier_decisions"] == (
        "declined 2026-11-23 13:00 by Jordan Test, Inspector (Third-party confidentiality), "
        "superseded after the challenge was upheld"
    )
    assert first["working_days_to_decision"] == "0"  # to the first decision
    assert first["challenges"] == (
        "the data owner's challenge reviewer: rejected; the data protection officer: upheld"
    )
    assert first["steps"].split("; ") == [
        "2026-11-23 09:00 awaiting authorisation by Alex Morgan",
        "2026-11-23 09:00 authorised and submitted by Avery Signoff",
        "2026-11-23 11:00 acknowledged by Jordan Test",
        "2026-11-23 13:00 declined by Jordan Test",
        "2026-11-23 15:00 challenged (the data owner's challenge reviewer) by Alex Morgan",
        "2026-11-23 17:00 challenge rejected (the data owner's challenge reviewer) by Dana Review",
        "2026-11-23 19:00 challenged (the data protection officer) by Alex Morgan",
        "2026-11-23 21:00 challenge upheld (the data protection officer) by Frankie Guard",
        "2026-11-23 23:00 approved in part by Jordan Test",
        "2026-11-24 01:00 fulfilled by Jordan Test",
        "2026-11-24 03:00 closed by Alex Morgan",
    ]
    assert "Golden Lane" not in text  # the subject's details are not in the register
    assert rows[1]["status"] == "submitted" and rows[1]["decision"] == ""
    async with sample_hub.unit() as uow:
        later = await export_register(uow, datetime(2026, 11, 25).date(), "csv", "tester")
    assert list(csv.DictReader(io.StringIO(later))) == []  # nothing moved since


async def test_the_board_pack_counts_volumes_speed_refusals_challenges_and_overdue(
    sample_hub, clock
):
    await take_to_closure(sample_hub, clock)
    await submit_request(Person(sample_hub, "alex@example.org"))  # Tue 24 Nov: due 25 Nov
    clock.current = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    async with sample_hub.unit() as uow:
        pack = await build_pack(uow, datetime(2026, 11, 1).date())
    assert pack.partners == ("City Police",)
    assert pack.volumes["Approved in part"] == [1] and pack.volumes["Open"] == [1]
    assert pack.volumes["Declined"] == [0]  # the decline was superseded after the challenge
    assert (pack.received, pack.decided, pack.median_days) == (2, 1, 0.0)
    assert pack.decline_reasons == {}
    assert pack.superseded == {"declined": 1}
    assert pack.challenges == {
        "the data owner's challenge reviewer rejected": 1,
        "the data protection officer upheld": 1,
    }
    (overdue,) = pack.overdue
    assert (overdue.reference, overdue.working_days_overdue) == ("IR-2026-0002", 4)
    assert overdue.waiting_for == "the data owner (Jordan Test, Rowan Inbox)"
    assert pack.chart().startswith(b"\x89PNG")

    assert await sample_hub.run(send_monthly_pack)  # Tuesday 1 December: November's pack
    assert not await sample_hub.run(send_monthly_pack)
    async with sample_hub.database.transaction() as session:
        sent = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "sharing_board_pack")
            )
        )
        snapshots = await session.scalar(select(func.count()).select_from(ReportSnapshot))
    assert len(sent) == 2 and snapshots == 1  # Chris (board) and Jamie (coordinator)
    lines = sent[0].payload["lines"]
    assert lines[0] == "Requests received: 2"
    assert "  City Police: 2 (approved in part 1, open 1)" in lines
    assert "Decisions replaced after an upheld challenge: declined 1" in lines
    assert any(line.startswith("  IR-2026-0002 City Police: submitted") for line in lines)

    clock.current = datetime(2027, 1, 4, 10, 0, tzinfo=UTC)  # 1 January is a bank holiday
    assert await sample_hub.run(send_monthly_pack)
    async with sample_hub.database.transaction() as session:
        december = await session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.kind == "sharing_board_pack",
                OutboxMessage.dedupe_key.like("board-pack:2026-12:%"),
            )
        )
    assert december.payload["lines"][0] == "Requests received: 0 (last pack, 2026-11: 2)"


async def test_the_board_pack_goes_by_email_to_whoever_takes_digests_by_email(sample_hub, clock):
    async with sample_hub.unit() as uow:
        chris = await uow.session.scalar(
            select(PersonModel).where(PersonModel.email == "chris@example.org")
        )
        jamie = await uow.session.scalar(
            select(PersonModel).where(PersonModel.email == "jamie@example.org")
        )
        chris.digests_by_email, jamie.digests_by_email = True, False
    clock.current = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert await sample_hub.run(send_monthly_pack)
    async with sample_hub.database.transaction() as session:
        rows = await session.execute(
            select(PersonModel.email, OutboxMessage.payload)
            .join(PersonModel, PersonModel.id == OutboxMessage.recipient_id)
            .where(OutboxMessage.kind == "sharing_board_pack")
        )
        via = {email: OutboxPayload.from_json(payload).via for email, payload in rows}
    assert via == {"chris@example.org": "email", "jamie@example.org": ""}


def test_the_command_line_exports_the_register_and_draws_the_pack(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'saferhub.db'}"
    assert main(["--database", url, "demo"]) == 0

    async def history() -> None:
        clock = FixedClock(MONDAY_9AM)
        hub = Hub.build(Settings(database_url=url), clock)
        try:
            await take_to_closure(hub, clock)
        finally:
            await hub.close()

    asyncio.run(history())
    capsys.readouterr()
    args = ["--database", url, "sharing", "register", "--since", "01/11/2026", "--format", "csv"]
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 1 and rows[0]["steps"].count(";") == 10
    assert "authorised and submitted by Avery Signoff" in rows[0]["steps"]
    chart = tmp_path / "pack.png"
    assert (
        main(
            [
                "--database",
                url,
                "sharing",
                "board-pack",
                "--month",
                "2026-11",
                "--chart",
                str(chart),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Information sharing board pack, November 2026" in out
    assert "Decline reasons: none" in out
    assert "Decisions replaced after an upheld challenge: declined 1" in out
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert main(["--database", url, "sharing", "board-pack"]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "No month given: showing November 2026, the latest month with requests.",
        "Information sharing board pack, November 2026",
    ]
    assert main(["--database", url, "sharing", "agreements"]) == 0
    agreements = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    cited = {a["reference"]: (a["review_overdue"], a["requests_citing"]) for a in agreements}
    assert cited["ISA-2026-02"] == ("no", "1") and cited["ISA-2025-05"][0] == "yes"
    with pytest.raises(SystemExit) as refused:
        main(["--database", url, "sharing", "register", "--since", "someday"])
    assert refused.value.code == 2 and "'someday' is not a date" in capsys.readouterr().err
    assert main(["--database", url, "audit", "verify"]) == 0


def demo_with_hostile_text(url: str) -> None:
    """The demo hub, IR-2026-0001 taken to closure with a hostile text in each typed field of its
    decision record, and an agreement titled with each hostile text."""
    assert main(["--database", url, "demo"]) == 0

    async def history() -> None:
        clock = FixedClock(MONDAY_9AM)
        hub = Hub.build(Settings(database_url=url), clock)
        try:
            await take_to_closure(hub, clock)
            async with hub.database.transaction() as session:
                decision = await session.scalar(  # the one in force
                    select(RequestDecision).order_by(RequestDecision.id.desc()).limit(1)
                )
                for field, text in zip(DECISION_COLUMNS.values(), HOSTILE, strict=True):
                    setattr(decision, field, text)
                session.add_all(
                    SharingAgreement(
                        reference=f"ISA-TEST-{n}", title=text, review_date=date(2027, 3, 31)
                    )
                    for n, text in enumerate(HOSTILE)
                )
        finally:
            await hub.close()

    asyncio.run(history())


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_the_register_and_agreements_open_in_excel_as_text(tmp_path, capsys, monkeypatch, fmt):
    url = f"sqlite+aiosqlite:///{tmp_path / 'saferhub.db'}"
    demo_with_hostile_text(url)
    monkeypatch.setenv("LOGNAME", "ops-on-call")  # getpass.getuser() reads it first
    register, agreements = tmp_path / f"register.{fmt}", tmp_path / f"agreements.{fmt}"
    sharing = ["--database", url, "sharing"]
    written = ["--format", fmt, "--output"]
    assert main([*sharing, "register", "--since", "2026-11-01", *written, str(register)]) == 0
    assert main([*sharing, "agreements", *written, str(agreements)]) == 0
    assert capsys.readouterr().out.splitlines()[-2:] == [
        f"Register written to {register}.",
        f"Agreements written to {agreements}.",
    ]
    (row,) = read_back(register, fmt)
    assert [row[column] for column in DECISION_COLUMNS] == [quoted(t, fmt) for t in HOSTILE]
    assert row["working_days_to_decision"] == ("0" if fmt == "csv" else 0)
    listed = read_back(agreements, fmt)
    titles = [a["title"] for a in listed if str(a["reference"]).startswith("ISA-TEST")]
    cited = {a["reference"]: a["requests_citing"] for a in listed}
    assert cited["ISA-2026-02"] == ("1" if fmt == "csv" else 1)
    assert titles == [quoted(text, fmt) for text in HOSTILE]

    async def audited() -> AuditEntry:
        hub = Hub.build(Settings(database_url=url), FixedClock(MONDAY_9AM))
        try:
            async with hub.database.transaction() as session:
                return await session.scalar(
                    select(AuditEntry).where(AuditEntry.action == "sharing.register_exported")
                )
        finally:
            await hub.close()

    summary = asyncio.run(audited()).summary
    assert (summary["operator"], summary["format"], summary["rows"]) == ("ops-on-call", fmt, 1)


def test_a_register_workbook_needs_a_file(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'saferhub.db'}"
    assert main(["--database", url, "demo"]) == 0
    args = ["--database", url, "sharing", "agreements", "--format", "xlsx"]
    assert main(args) == 2
    assert "give --output FILE.xlsx" in capsys.readouterr().err


def test_a_board_pack_before_any_request_says_there_is_none(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    assert main(["--database", url, "demo"]) == 0
    capsys.readouterr()
    assert main(["--database", url, "sharing", "board-pack"]) == 0
    assert capsys.readouterr().out == (
        "No information requests have been received yet, so there is no board pack.\n"
    )
