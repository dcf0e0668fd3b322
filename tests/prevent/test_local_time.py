"""Every Prevent message gives times as people here read them: Europe/London, BST in summer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.prevent.test_alerts import outbox, press, report

FRIDAY_4PM_BST = datetime(2026, 7, 3, 15, 0, tzinfo=UTC)


async def test_a_summer_concern_is_told_in_british_summer_time_never_utc(sample_hub, person, clock):
    clock.current = FRIDAY_4PM_BST
    cn = await report(sample_hub, targets=["race"], seen_at="2026-07-03T13:30:00+00:00")
    priya = person("priya@example.org")
    await priya.send(press("concern.request_removal", cn.reference))
    done = await priya.say("Street Enforcement", "skip", "confirm")

    assert "due 06 Jul 17:00" in done[-1].text  # 16:00 UTC
    [alert, *_] = await outbox(sample_hub, kind="concern_alert")
    lines = alert.payload["lines"]
    assert "Seen: 03 Jul 2026 14:30" in lines  # 13:30 UTC
    assert "- Fri 03 Jul 16:00 reported by the reporter" in lines
    assert "- Fri 03 Jul 16:00 removal requested by Priya Sample" in lines
    [request] = await outbox(sample_hub, kind="removal_request")
    assert "Please remove by 06 Jul 2026 17:00." in request.payload["lines"]
    [status] = await priya.send(f"status {cn.reference}")
    assert "Removal due: Mon 06 Jul 17:00" in status.lines
    everything = [row.payload for row in await outbox(sample_hub)] + [done, status]
    assert "UTC" not in json.dumps(everything, default=str)
