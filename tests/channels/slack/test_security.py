"""Requests Slack did not sign, or signed too long ago, change nothing; forged presses are refused."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from storage.models import AuditEntry, DialogSession, ProcessedEvent
from tests.channels.slack.conftest import event_body, text_of


def report(user: str = "UALEX") -> dict:
    return event_body(
        {
            "type": "message",
            "channel": "D" + user[1:],
            "user": user,
            "text": "report",
            "ts": "1795510800.000400",
            "channel_type": "im",
        }
    )


async def nothing_changed(slack) -> bool:
    async with slack.hub.database.transaction() as session:
        events = await session.scalar(select(func.count()).select_from(ProcessedEvent))
        sessions = await session.scalar(select(func.count()).select_from(DialogSession))
    return events == 0 and sessions == 0 and slack.fake.calls == []


async def test_a_forged_signature_gets_401_and_changes_nothing(slack):
    status, _ = await slack.event(report(), secret="someone-elses-secret")
    assert status == 401
    assert await nothing_changed(slack)


async def test_a_stale_timestamp_gets_401_even_when_signed(slack):
    six_minutes_ago = int(time.time()) - 6 * 60
    status, _ = await slack.event(report(), timestamp=six_minutes_ago)
    assert status == 401
    assert await nothing_changed(slack)


async def test_an_unsigned_request_gets_401(slack):
    response = await slack.client.post("/slack/events", json=report())
    assert response.status == 401
    assert await nothing_changed(slack)


async def test_a_button_value_never_offered_is_refused_and_audited(slack):
    alex = slack.user("UALEX")
    question = (await alex.say("report"))[-1]

    def forge(action: dict) -> None:
        action["value"] = "maybe"

    replies = await alex.press(question, "No", tamper=forge)

    assert "That button or form is no longer available" in text_of(replies[-1])
    async with slack.hub.database.transaction() as session:
        state = (await session.scalar(select(DialogSession))).state
        refused = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "input.not_offered")
        )
    assert "danger_now" not in state["answers"]
    assert refused.actor == "alex@example.org" and refused.summary["platform"] == "slack"
    assert "answer:danger_now" in json.dumps(refused.summary)


async def test_a_reply_that_fails_to_post_is_retried_and_the_answer_kept(slack):
    slack.fake.fail_next("chat.postMessage", 500, {"ok": False, "error": "internal_error"})
    slack.fake.fail_next(
        "chat.postMessage", 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"}
    )
    alex = slack.user("UALEX")
    replies = await alex.say("report")
    assert len(replies) == 1 and "anyone in danger" in text_of(replies[0])
    attempts = [c for c in slack.fake.calls if c.method == "chat.postMessage"]
    assert [c.args.get("_failed") for c in attempts] == [500, 429, None]
