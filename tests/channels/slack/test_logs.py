"""Logs carry ids, kinds, counts and timings, never what people typed or who they are.

A whole concern is reported over signed Slack HTTP with every logger at DEBUG, configured exactly
as `saferhub` configures it, and every line logged is searched for the answers and emails used.
"""

from __future__ import annotations

from tests.channels.slack.conftest import SlackHarness, SlackUser, report_concern

NAME = "Zebulon Quirke"
DESCRIPTION = f"Go home {NAME}, in red"


async def test_a_whole_report_at_debug_logs_nothing_personal(slack: SlackHarness, debug_log):
    alex = SlackUser(slack, "UALEX")
    final = await report_concern(alex, DESCRIPTION)
    assert "CN-2026-" in final
    logged = "\n".join(debug_log.lines)
    assert any(line.startswith("turn slack event=") for line in debug_log.lines)
    for secret in (
        NAME,
        "Go home",
        "Cheapside",
        "alex@example.org",
        "priya@example.org",
        "Alex Morgan",
    ):
        assert secret not in logged, f"{secret!r} was logged"
