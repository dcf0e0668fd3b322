"""Teams logs carry ids, kinds, counts and timings, never what people typed or who they are,
with every logger at DEBUG configured as `saferhub` configures it: the Agents SDK's included,
which logs connector calls and, at ERROR, the values of an activity its models refuse."""

from __future__ import annotations

from tests.channels.conftest import Everything
from tests.channels.teams.test_conversations import to_summary

SECRETS = ("Go home", "everyone", "Cheapside", "alex@example.org", "Alex Morgan", "Zebulon")


async def test_a_whole_report_in_teams_at_debug_logs_nothing_personal(
    teams_user, teams, debug_log: Everything
):
    alex = teams_user("29:alex")
    await alex.send(alex.install())
    summary = await to_summary(alex)
    done = await alex.press(summary, "Confirm")
    assert "CN-2026-0001" in done.text
    broken = alex.message("report")
    broken["timestamp"] = ["Zebulon Quirke lives at 4 Cheapside"]
    status, _ = await teams.post(broken)
    assert status == 400
    assert any(line.startswith("turn teams event=") for line in debug_log.lines)
    logged = "\n".join(debug_log.lines)
    for secret in SECRETS:
        assert secret not in logged, f"{secret!r} was logged"
