"""Subject access: an admin gets everything held about a person, or about someone named, in a folder."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime

from sqlalchemy import select

from bot.cli import main
from bot.core import subject_access
from bot.core.checks import Allowed, Refused
from bot.prevent.concerns import record_concern
from storage.models import AuditEntry, Person
from tests.conftest import Person as Talker
from tests.conftest import concern_answers

NAME = "Zebulon Quirke"


async def someone_everywhere(hub) -> str:
    """Alex reports a concern naming Zebulon, starts a request and owns nothing else."""
    async with hub.unit() as uow:
        alex = await uow.session.scalar(select(Person).where(Person.email == "alex@example.org"))
        recorded = await record_concern(
            uow,
            alex,
            concern_answers(description=f"Go home {NAME}", names_target="yes"),
            platform="console",
        )
    await Talker(hub, "alex@example.org").say("request information", "no", "asb")
    return recorded.concern.reference


async def answer(hub, tmp_path, admin_email, **who):
    async with hub.unit() as uow:
        admin = await uow.session.scalar(select(Person).where(Person.email == admin_email))
        return await subject_access.answer(
            uow, admin, operator="tester", folder=tmp_path / "sar", **who
        )


async def test_a_person_gets_every_record_they_are_in_and_who_it_reached(sample_hub, tmp_path):
    reference = await someone_everywhere(sample_hub)
    done = await answer(sample_hub, tmp_path, "admin@example.org", email="alex@example.org")
    assert isinstance(done, Allowed) and done.value.records >= 2
    held = json.loads((tmp_path / "sar" / "held.json").read_text())
    tables = {(h["table"], h["why"]) for h in held["held"]}
    assert ("person", "their directory entry") in tables
    assert ("concern", "reporter") in tables
    assert ("dialog_session", "person") in tables
    assert ("audit_log", "actor") in tables
    concern = next(h for h in held["held"] if h["table"] == "concern")
    assert concern["reference"] == reference and NAME in concern["fields"]["description"]
    summary = (tmp_path / "sar" / "summary.txt").read_text()
    assert summary.startswith("Saferhub subject access: Alex Morgan <alex@example.org>")
    assert f"{reference}: audit_log (actor); concern (reporter)" in summary
    assert "priya@example.org: sent concern alert" in summary  # who the record reached
    for name in ("held.json", "summary.txt"):
        assert stat.S_IMODE((tmp_path / "sar" / name).stat().st_mode) == 0o600


async def test_someone_named_in_a_record_is_found_by_their_name(sample_hub, tmp_path):
    reference = await someone_everywhere(sample_hub)
    done = await answer(sample_hub, tmp_path, "admin@example.org", words="zebulon  QUIRKE")
    assert isinstance(done, Allowed)
    held = json.loads((tmp_path / "sar" / "held.json").read_text())
    assert {h["reference"] for h in held["held"] if h["table"] == "concern"} == {reference}
    async with sample_hub.database.transaction() as session:
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "subject_access.answered")
        )
    assert audited is not None and audited.actor == "admin@example.org"
    assert audited.summary["operator"] == "tester" and NAME not in json.dumps(audited.summary)


async def test_only_an_admin_may_ask_and_a_refusal_is_audited(sample_hub, tmp_path):
    refused = await answer(sample_hub, tmp_path, "alex@example.org", email="alex@example.org")
    assert refused == Refused(subject_access.NOT_ADMIN)
    assert not (tmp_path / "sar").exists()
    async with sample_hub.database.transaction() as session:
        audited = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "action.refused")
        )
    assert audited is not None and audited.summary["refused_action"] == "subject_access"


def test_the_command_writes_the_folder_for_an_admin(tmp_path, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    assert main(["--database", url, "demo"]) == 0
    out = tmp_path / "alex"
    argv = ["--database", url, "sar", "--person", "alex@example.org", "--out", str(out)]
    assert main([*argv, "--as", "alex@example.org"]) == 1
    assert subject_access.NOT_ADMIN in capsys.readouterr().err
    assert main([*argv, "--as", "admin@example.org"]) == 0
    assert f"to {out}/" in capsys.readouterr().out and (out / "summary.txt").exists()


async def test_the_summary_gives_times_in_london_time(sample_hub, tmp_path, clock):
    clock.current = datetime(2026, 7, 1, 13, 0, tzinfo=UTC)  # 14:00 in London (BST)
    await someone_everywhere(sample_hub)
    await answer(sample_hub, tmp_path, "admin@example.org", email="alex@example.org")
    summary = (tmp_path / "sar" / "summary.txt").read_text()
    assert "Made 01 July 2026 14:00 by admin@example.org." in summary
    assert "alex@example.org: concern.reported, 01 Jul 2026 14:00" in summary
