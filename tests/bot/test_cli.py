"""The saferhub command line, run as a user would: demo, imports, audit verify, chat."""

from __future__ import annotations

import io
import sqlite3

import pytest

from bot.cli import main


@pytest.fixture
def url(tmp_path):
    return f"sqlite+aiosqlite:///{tmp_path / 'saferhub.db'}"


def test_demo_loads_the_sample_and_the_audit_chain_verifies(url, tmp_path, capsys):
    assert main(["--database", url, "demo"]) == 0
    out = capsys.readouterr().out
    assert "recommendations: 54 added" in out
    assert "catalogue: 39 added" in out
    assert "people: 24 added" in out and "partners: 15 added" in out
    assert "saferhub chat --as alex@example.org" in out
    assert main(["--database", url, "demo"]) == 0  # running it again updates, never duplicates
    again = capsys.readouterr().out
    assert "recommendations: 0 added, 54 updated" in again
    assert "catalogue: 0 added, 39 updated" in again
    assert main(["--database", url, "audit", "verify"]) == 0
    # 12 from the imports, and 10 each run for the sign-in links it prints (one per persona)
    assert "Audit chain intact: 32 entries checked." in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "saferhub.db") as db:
        db.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 3")
    assert main(["--database", url, "audit", "verify"]) == 1
    assert (
        "Audit chain BROKEN at entry 3: its content was changed or it was re-chained."
        in capsys.readouterr().err
    )


def test_a_seal_kept_outside_the_database_catches_a_cut_off_tail(url, tmp_path, capsys):
    """Deleting the newest rows and the head leaves a whole, shorter chain; the seal shows it."""
    seals = tmp_path / "audit-seals.txt"
    assert main(["--database", url, "demo"]) == 0
    capsys.readouterr()
    assert main(["--database", url, "audit", "seal", "--to", str(seals)]) == 0
    printed = capsys.readouterr()
    # 6 imports and 10 sign-in links (one per demo persona)
    assert '"rows": 16' in printed.out and printed.out.strip() == seals.read_text().strip()
    assert "SAFERHUB_AUDIT_KEY is not set" in printed.err
    with sqlite3.connect(tmp_path / "saferhub.db") as db:
        db.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
        db.execute("DELETE FROM audit_head")
    assert main(["--database", url, "audit", "verify"]) == 0
    assert main(["--database", url, "audit", "verify", "--seal", str(seals)]) == 1
    assert "Audit chain BROKEN: the newest rows were removed: a seal of" in capsys.readouterr().err
    seals.write_text("not a seal\n")
    assert main(["--database", url, "audit", "verify", "--seal", str(seals)]) == 2
    assert "Cannot read the seals: audit-seals.txt line 1: not a seal" in capsys.readouterr().err


def test_a_short_audit_key_is_refused_without_echoing_it(url, capsys, monkeypatch):
    monkeypatch.setenv("SAFERHUB_AUDIT_KEY", "tooshort-secret")
    assert main(["--database", url, "audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert "SAFERHUB_AUDIT_KEY must be at least 32 characters" in err
    assert "tooshort-secret" not in err


def test_a_bad_tick_is_named_not_a_traceback(url, capsys, monkeypatch):
    monkeypatch.setenv("SAFERHUB_TICK_SECONDS", "often")
    assert main(["--database", url, "serve"]) == 2
    assert "SAFERHUB_TICK_SECONDS must be a number, not 'often'" in capsys.readouterr().err


def test_a_bad_log_level_is_named(url, capsys, monkeypatch):
    monkeypatch.setenv("SAFERHUB_LOG_LEVEL", "LOUD")
    assert main(["--database", url, "db", "upgrade"]) == 2
    assert "SAFERHUB_LOG_LEVEL must be one of DEBUG, INFO" in capsys.readouterr().err


def test_a_refused_import_says_why_and_changes_nothing(url, tmp_path, capsys):
    main(["--database", url, "demo"])
    bad = tmp_path / "people.csv"
    bad.write_text("email,name,organisation\nnew@example.org,New Person,NOWHERE\n")
    assert main(["--database", url, "directory", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported" in err and "line 2: unknown organisation 'NOWHERE'" in err


def test_a_bad_setting_is_named(url, capsys, monkeypatch):
    monkeypatch.setenv("SAFERHUB_TIMEZONE", "Mars/Olympus")
    assert main(["--database", url, "db", "upgrade"]) == 2
    assert "SAFERHUB_TIMEZONE is not a known timezone" in capsys.readouterr().err


def test_a_terminal_conversation_records_a_concern(url, capsys, monkeypatch):
    main(["--database", url, "demo"])
    capsys.readouterr()
    lines = [
        "I saw antisemitic stickers outside the synagogue on Bevis Marks",
        "no",  # anyone in danger now?
        "no",  # about a person?
        "none",  # threats
        "skip",  # photos
        "none",  # already reported
        "confirm",
        "exit",
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["--database", url, "chat", "--as", "alex@example.org"]) == 0
    out = capsys.readouterr().out
    assert "Hello Alex." in out
    assert (
        "Done: Thank you. Your concern is recorded as CN-2026-0001. P1 because: at a place of worship."
        in out
    )
