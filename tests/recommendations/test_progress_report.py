"""The progress report (text, CSV, chart), the weekly digest, and the CLI commands around them."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib.image
import pytest
from sqlalchemy import select

from bot.cli import main
from bot.conversation.hub import Hub
from bot.core.exports import ExportFormat
from bot.core.ports import OutboxPayload
from bot.core.unit import ServiceError
from bot.recommendations import progress
from bot.recommendations.items import APPROVE_ACTION, DONE_ACTION, REFUSE_ACTION, VERIFY_ACTION
from dialogs.messages import ActionInput
from storage.models import OutboxMessage, ReportSnapshot
from storage.models import Person as PersonModel
from tests.conftest import Person
from tests.spreadsheets import HOSTILE, quoted, read_back

LONDON = ZoneInfo("Europe/London")
PNG = b"\x89PNG\r\n\x1a\n"
REPOSITORY = Path(__file__).resolve().parents[2]


def at(day: date, moment: time = time(9, 0)) -> datetime:
    return datetime.combine(day, moment, tzinfo=LONDON).astimezone(UTC)


async def report_of(hub: Hub, source: str | None = None) -> progress.ProgressReport:
    async with hub.unit() as uow:
        return await progress.build_report(uow, source)


async def digests(hub: Hub) -> list[OutboxMessage]:
    async with hub.database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == progress.DIGEST_KIND)
            .order_by(OutboxMessage.id)
        )
        return list(rows)


async def test_counts_by_status_and_rag_per_source(sample_hub):
    report = await report_of(sample_hub)
    assert [p.headline() for p in report.sources] == [
        "Domestic violence workshop 2017-03: 21, 12 closed, 9 outstanding (1 red)",
        "Vulnerability workshop 2016-12: 33, 27 closed, 6 outstanding (2 red)",
    ]
    lines = progress.report_lines(report)
    assert lines[3:6] == [
        "Vulnerability workshop 2016-12: 33, 27 closed, 6 outstanding (2 red)",
        "  Status: 1 not started, 3 in progress, 1 blocked, 1 extension requested, "
        "20 closed (verified), 7 handed to the service",
        "  RAG: 2 red, 4 amber, 27 blue",
    ]
    assert "All sources: 54, 39 closed, 15 outstanding (3 red)" in lines
    assert "Changes since the last report: none, this is the first report." in lines
    reds = lines[lines.index("Red, with the owner's latest explanation:") + 1 :][:3]
    assert [line.split()[1] for line in reds] == ["DV-04", "VUL-13", "VUL-18"]
    assert reds[2].endswith(
        "overdue by 6 working days (due 13 Nov 2026)): no explanation from the owner yet"
    )


async def test_one_source_only_and_an_unknown_source_lists_the_known_ones(sample_hub):
    report = await report_of(sample_hub, "vulnerability")
    assert [p.source for p in report.sources] == ["Vulnerability workshop 2016-12"]
    with pytest.raises(ServiceError, match="Sources: Domestic violence workshop 2017-03, "):
        await report_of(sample_hub, "road safety")


async def test_csv_and_chart(sample_hub):
    async with sample_hub.unit() as uow:
        text = await progress.render_report(uow, None, "csv")
        chart = await progress.render_report(uow, None, "png")
    rows = {row["source"]: row for row in csv.DictReader(io.StringIO(str(text)))}
    vulnerability = rows["Vulnerability workshop 2016-12"]
    assert (vulnerability["total"], vulnerability["closed"], vulnerability["red_outstanding"]) == (
        "33",
        "27",
        "2",
    )
    assert (vulnerability["closed_verified"], vulnerability["handed_to_service"]) == ("20", "7")
    assert rows["All sources"]["total"] == "54"
    assert isinstance(chart, bytes) and chart.startswith(PNG)
    pixels = matplotlib.image.imread(io.BytesIO(chart), format="png")
    assert pixels.shape[0] == 500 and pixels.shape[1] >= 600


async def test_the_weekly_digest_goes_once_and_reports_what_changed(sample_hub, clock):
    drew, charlie = (
        Person(sample_hub, "drew@example.org"),
        Person(sample_hub, "charlie@example.org"),
    )
    clock.current = at(date(2026, 11, 23), time(8, 0))
    assert await sample_hub.run(progress.send_digest) == 0  # before opening
    clock.current = at(date(2026, 11, 23))
    assert await sample_hub.run(progress.send_digest) == 1
    assert await sample_hub.run(progress.send_digest) == 0
    replica = Hub.build(sample_hub.settings, clock)
    try:
        assert await replica.run(progress.send_digest) == 0
    finally:
        await replica.close()
    (first,) = await digests(sample_hub)
    assert first.payload["title"] == "Recommendations progress, Mon 23 Nov 2026"
    assert [a["label"] for a in first.payload["actions"]] == ["VUL-29 refuse"]  # no date asked

    clock.current = at(date(2026, 11, 25), time(10, 0))
    await drew.send(ActionInput(DONE_ACTION, "VUL-18"))
    await drew.say("Pilot commissioned from January", "confirm")
    await charlie.send("update VUL-13")
    await charlie.say("blocked", "Waiting for the database supplier's security review", "confirm")
    robin = Person(sample_hub, "robin@example.org")
    await robin.send("update VUL-29")
    await robin.say("extension", "DPO on leave", "2027-01-29", "confirm")

    clock.current = at(date(2026, 11, 30))
    assert await sample_hub.run(progress.send_digest) == 1
    second = (await digests(sample_hub))[-1]
    lines = second.payload["lines"]
    assert lines[lines.index("Changes since the last report (23 Nov 2026):") + 1] == (
        "- VUL-18: in progress → done, awaiting verification; RAG red → green"
    )
    assert lines[4] == (
        "  Status: 1 not started, 2 in progress, 1 blocked, 1 extension requested, "
        "1 awaiting verification, 20 closed (verified), 7 handed to the service"
    )
    assert any(
        line.startswith("- VUL-13 Review access to the outreach database for partners")
        and line.endswith('"Waiting for the database supplier\'s security review" (25 Nov)')
        for line in lines
    )
    assert any(
        line.startswith("- VUL-29 ") and "due 04 Dec 2026 → 29 Jan 2027" in line for line in lines
    )
    assert (
        '- VUL-18 Commission a substance misuse outreach pilot (Drew Carer): "Pilot commissioned from January"'
        in lines
    )
    assert [a["label"] for a in second.payload["actions"]] == [
        "VUL-29 approve new date",
        "VUL-29 refuse",
        "VUL-18 verify",
        "VUL-18 reopen",
    ]
    # The digest's buttons work like the coordinator's own notices.
    jamie = Person(sample_hub, "jamie@example.org")
    assert (await jamie.send(ActionInput(VERIFY_ACTION, "VUL-18")))[-1].text == (
        "VUL-18 is closed (verified)."
    )
    assert (await jamie.send(ActionInput(APPROVE_ACTION, "VUL-29")))[-1].text == (
        "VUL-29 is now due 29 Jan 2027."
    )
    assert (
        "no extension request waiting"
        in (await jamie.send(ActionInput(REFUSE_ACTION, "VUL-29")))[-1].text
    )


async def test_a_bank_holiday_monday_moves_the_digest_to_tuesday(sample_hub, clock):
    clock.current = at(date(2026, 12, 21))
    assert await sample_hub.run(progress.send_digest) == 1
    clock.current = at(date(2026, 12, 28), time(10, 0))  # substitute Boxing Day
    assert await sample_hub.run(progress.send_digest) == 0
    clock.current = at(date(2026, 12, 29), time(10, 0))
    assert await sample_hub.run(progress.send_digest) == 1
    async with sample_hub.database.transaction() as session:
        taken = (await session.scalars(select(ReportSnapshot.taken_at))).all()
    assert [t.astimezone(LONDON).date() for t in taken] == [date(2026, 12, 21), date(2026, 12, 29)]


@pytest.fixture
def demo_url(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'saferhub.db'}"
    assert main(["--database", url, "demo"]) == 0
    return url


def test_report_progress_from_the_command_line(demo_url, tmp_path, capsys):
    capsys.readouterr()
    assert main(["--database", demo_url, "report", "progress", "--source", "vulnerability"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Recommendations progress, ")
    assert "Vulnerability workshop 2016-12: 33, 27 closed, 6 outstanding" in out
    assert "Domestic violence" not in out
    assert main(["--database", demo_url, "report", "progress", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("source,total,closed,outstanding,red_outstanding,")
    chart = tmp_path / "board.png"
    assert (
        main(["--database", demo_url, "report", "progress", "--format", "png", "--out", str(chart)])
        == 0
    )
    assert chart.read_bytes().startswith(PNG)
    assert main(["--database", demo_url, "report", "progress", "--source", "nowhere"]) == 1
    assert "No source matches 'nowhere'" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_typed_source_names_open_in_excel_as_text_and_counts_as_numbers(
    demo_url, tmp_path, capsys, fmt
):
    renamed = [(text, item) for item, text in enumerate(HOSTILE, start=1)]
    with closing(sqlite3.connect(tmp_path / "saferhub.db")) as db:  # as if typed in the import
        db.executemany("UPDATE recommendation SET source = ? WHERE id = ?", renamed)
        db.commit()
    out = tmp_path / f"progress.{fmt}"
    assert (
        main(["--database", demo_url, "report", "progress", "--format", fmt, "--out", str(out)])
        == 0
    )
    assert f"Wrote the {fmt} report to {out}." in capsys.readouterr().out
    rows = {row["source"]: row for row in read_back(out, fmt)}
    assert {quoted(text, fmt) for text in HOSTILE} <= rows.keys()
    assert rows[quoted("-2", fmt)]["total"] == ("1" if fmt == "csv" else 1)
    assert rows["All sources"]["total"] == ("54" if fmt == "csv" else 54)


def test_a_simulated_month_shows_nudges_escalations_and_digests(demo_url, capsys):
    capsys.readouterr()
    assert main(["--database", demo_url, "simulate", "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert "Mon 23 Nov 09:00  to drew@example.org\n[Your recommendations: 2 need an update" in out
    assert (
        "Fri 27 Nov 09:00  to jamie@example.org\n[Escalated to you: 1 recommendation needs" in out
    )
    assert (
        "Fri 11 Dec 09:00  to chris@example.org\n[Escalated to you: 1 recommendation needs" in out
    )
    assert "[Recommendations progress, Mon 21 Dec 2026]" in out
    assert " 07:30 " not in out and " 18:00 " not in out  # nothing outside office hours
    assert out.rstrip().endswith(
        "Simulated 30 days from Mon 23 Nov 2026: 23 grouped nudges, 10 escalations, "
        "5 digests delivered."
    )


def test_simulating_leaves_the_notices_waiting_for_real_people_waiting(
    demo_url, tmp_path, capsys, monkeypatch
):
    report = ["I saw antisemitic stickers outside the synagogue on Bevis Marks", "no", "no"]
    report += ["none", "skip", "none"]  # threats, photos, already reported
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join([*report, "confirm", "exit"])))
    assert main(["--database", demo_url, "chat", "--as", "alex@example.org"]) == 0
    assert "The Prevent / Community Safety manager has been alerted" in capsys.readouterr().out
    database = tmp_path / "saferhub.db"
    waiting_query = "SELECT id, kind, status FROM outbox WHERE status <> 'sent' ORDER BY id"
    with closing(sqlite3.connect(database)) as db:
        waiting = db.execute(waiting_query).fetchall()
    assert ("concern_alert", "pending") in {(kind, status) for _id, kind, status in waiting}

    assert main(["--database", demo_url, "simulate", "--days", "3"]) == 0
    assert "to priya@example.org\n[P1 concern" in capsys.readouterr().out  # in the copy

    with closing(sqlite3.connect(database)) as db:
        assert db.execute(waiting_query).fetchall() == waiting
    monkeypatch.setenv("SAFERHUB_CLOCK_START", "2026-11-23T10:00:00+00:00")  # later that morning
    monkeypatch.setattr("sys.stdin", io.StringIO("exit\n"))
    assert main(["--database", demo_url, "chat", "--as", "priya@example.org"]) == 0
    assert "[P1 concern" in capsys.readouterr().out


def test_simulate_refuses_a_database_it_cannot_copy(capsys):
    assert main(["--database", "postgresql+asyncpg://saferhub@db.internal/hub", "simulate"]) == 1
    assert "simulate runs on a copy of a SQLite database" in capsys.readouterr().err
    assert main(["--database", "sqlite+aiosqlite:///./nowhere/hub.db", "simulate"]) == 1
    assert "There is no database at nowhere/hub.db: run 'saferhub demo' first." in (
        capsys.readouterr().err
    )


async def test_the_chart_counts_items_in_whole_numbers(sample_hub):
    """A source with a handful of items: the axis says 0, 1, 2, never 0.5 of an item."""
    small = progress.SourceProgress(
        "Road safety review 2026-05",
        total=2,
        closed=1,
        red=1,
        statuses={"closed_verified": 1, "in_progress": 1},
        rags={"blue": 1, "red": 1},
    )
    async with sample_hub.unit() as uow:
        report = progress.ProgressReport(uow.now, (small,), None, (), (), (), (), (), ())
        figure = progress.report_chart(report, uow)
        assert progress.report_png(report, uow).startswith(PNG)
    ticks = list(figure.axes[0].get_yticks())
    assert ticks and all(tick == int(tick) for tick in ticks)
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == [str(int(t)) for t in ticks]


def test_the_chart_goes_to_reports_under_the_current_directory(demo_url, tmp_path):
    """The real command, run from a directory of the user's: no --out writes
    ./reports/progress.png (the folder made for it) and says where."""
    here = tmp_path / "board papers"
    here.mkdir()
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "--database",
            demo_url,
            "report",
            "progress",
            "--format",
            "png",
        ],
        cwd=here,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    chart = here / "reports" / "progress.png"
    assert chart.read_bytes().startswith(PNG)
    assert ran.stdout.strip() == f"Wrote the chart to {chart}."


async def via_of(hub: Hub) -> dict[str, str]:
    """Each weekly digest's recipient and the only platform that may deliver it."""
    async with hub.database.transaction() as session:
        rows = await session.execute(
            select(PersonModel.email, OutboxMessage.payload)
            .join(PersonModel, PersonModel.id == OutboxMessage.recipient_id)
            .where(OutboxMessage.kind == progress.DIGEST_KIND)
        )
        return {email: OutboxPayload.from_json(payload).via for email, payload in rows}


async def test_a_coordinator_who_takes_digests_by_email_gets_the_weekly_digest_by_email(
    sample_hub, clock, tmp_path
):
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name,organisation,roles,preferred_channel,digests_by_email\n"
        "nia@example.org,Nia Newcomer,CST,coordinator,slack,yes\n"
    )
    await sample_hub.import_files([people], "people")
    clock.current = at(date(2026, 11, 23))
    assert await sample_hub.run(progress.send_digest) == 2
    assert await via_of(sample_hub) == {"nia@example.org": "email", "jamie@example.org": ""}


async def test_a_failing_address_gets_the_digest_by_the_usual_channel(sample_hub, clock):
    async with sample_hub.unit() as uow:
        jamie = await uow.session.scalar(
            select(PersonModel).where(PersonModel.email == "jamie@example.org")
        )
        jamie.digests_by_email = True
        jamie.email_failing_since, jamie.email_failing_reason = uow.now, "550 no such user"
    clock.current = at(date(2026, 11, 23))
    assert await sample_hub.run(progress.send_digest) == 1
    assert await via_of(sample_hub) == {"jamie@example.org": ""}
