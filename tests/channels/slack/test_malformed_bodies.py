"""Signed but malformed bodies get a 400 (or a 200 when it is something we do not use), never a
500, and change nothing: no event claimed, no person, session, audit row or outbox row, no call
to Slack. These are the kinds of body the audit found answered 500."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from storage.models import AuditEntry, DialogSession, OutboxMessage, Person, ProcessedEvent
from tests.channels.slack import bodies
from tests.channels.slack.bodies import MISSING, changed
from tests.channels.slack.conftest import SlackHarness, text_of

COUNTED = (ProcessedEvent, DialogSession, Person, AuditEntry, OutboxMessage)


async def stored(slack: SlackHarness) -> tuple[int, ...]:
    """How many rows each table that a request could write holds."""
    async with slack.hub.database.transaction() as session:
        return tuple(
            [await session.scalar(select(func.count()).select_from(model)) for model in COUNTED]
        )


def deep(levels: int) -> dict[str, Any]:
    """An event whose messages nest `levels` deep, with a user id bolt cannot read at the end."""
    node: dict[str, Any] = {"user": ["id"]}
    for _ in range(levels):
        node = {"message": node}
    return node


MESSAGE = bodies.message_event()
PRESS = bodies.block_actions()
SUBMIT = bodies.view_submission()
SHORTCUT = bodies.shortcut()
COMMAND = bodies.command()

REFUSED: dict[str, tuple[str, str]] = {
    "a JSON list": ("[]", bodies.JSON),
    "JSON null": ("null", bodies.JSON),
    "a JSON string": ('"event_callback"', bodies.JSON),
    "not JSON": ("{not json", bodies.JSON),
    "nested past the parser": ("[" * 100_000 + "]" * 100_000, bodies.JSON),
    "no type": bodies.as_json({"token": "t"}),
    "a numeric type": bodies.as_json({"type": 5}),
    "event missing": bodies.as_json(changed(MESSAGE, "event", MISSING)),
    "event a string": bodies.as_json(changed(MESSAGE, "event", "message")),
    "event without a type": bodies.as_json(changed(MESSAGE, "event.type", MISSING)),
    "event id missing": bodies.as_json(changed(MESSAGE, "event_id", MISSING)),
    "event user a list": bodies.as_json(changed(MESSAGE, "event.user", ["UALEX"])),
    "event user too long": bodies.as_json(changed(MESSAGE, "event.user", "U" * 200)),
    "event text a number": bodies.as_json(changed(MESSAGE, "event.text", 5)),
    "event text not unicode": bodies.as_json(changed(MESSAGE, "event.text", "\ud800")),
    "event channel an object": bodies.as_json(changed(MESSAGE, "event.channel", {"id": 1})),
    "files a string": bodies.as_json(changed(MESSAGE, "event.files", "F1")),
    "file size a word": bodies.as_json(
        changed(MESSAGE, "event.files", [{"id": "F1", "size": "big"}])
    ),
    "authorizations a string": bodies.as_json(changed(MESSAGE, "authorizations", "x")),
    "authorizations of numbers": bodies.as_json(changed(MESSAGE, "authorizations", [5])),
    "team a list": bodies.as_json(changed(MESSAGE, "team", ["id"])),
    "enterprise a number": bodies.as_json(changed(MESSAGE, "enterprise", 5)),
    "a user bolt cannot read, deep down": bodies.as_json(changed(MESSAGE, "event", deep(50))),
    "challenge missing": bodies.as_json(changed(bodies.url_verification(), "challenge", MISSING)),
    "payload not JSON": ("payload=%7Bnot+json", bodies.FORM),
    "payload a number": bodies.as_interaction(5),
    "actions missing": bodies.as_interaction(changed(PRESS, "actions", MISSING)),
    "actions empty": bodies.as_interaction(changed(PRESS, "actions", [])),
    "actions of numbers": bodies.as_interaction(changed(PRESS, "actions", [5])),
    "action without its id": bodies.as_interaction(changed(PRESS, "actions.0.action_id", MISSING)),
    "action id a number": bodies.as_interaction(changed(PRESS, "actions.0.action_id", 7)),
    "pressing user a string": bodies.as_interaction(changed(PRESS, "user", "UALEX")),
    "pressing user missing": bodies.as_interaction(changed(PRESS, "user", MISSING)),
    "container a string": bodies.as_interaction(changed(PRESS, "container", "message")),
    "message blocks a string": bodies.as_interaction(changed(PRESS, "message.blocks", "x")),
    "block elements of strings": bodies.as_interaction(
        changed(PRESS, "message.blocks.1.elements", ["button"])
    ),
    "state values a list": bodies.as_interaction(changed(PRESS, "state.values", [])),
    "a date-time past year 9999": bodies.as_interaction(
        changed(SUBMIT, "view.state.values.seen_at.field:seen_at.selected_date_time", 10**15)
    ),
    "view missing": bodies.as_interaction(changed(SUBMIT, "view", MISSING)),
    "view a string": bodies.as_interaction(changed(SUBMIT, "view", "V1")),
    "view without callback id": bodies.as_interaction(changed(SUBMIT, "view.callback_id", MISSING)),
    "view without a type": bodies.as_interaction(changed(SUBMIT, "view.type", MISSING)),
    "private metadata a number": bodies.as_interaction(changed(SUBMIT, "view.private_metadata", 5)),
    "a picked option that is a string": bodies.as_interaction(
        changed(SUBMIT, "view.state.values.danger_now.field:danger_now.selected_option", "no")
    ),
    "submitting user missing": bodies.as_interaction(changed(SUBMIT, "user", MISSING)),
    "shortcut without a user": bodies.as_interaction(changed(SHORTCUT, "user", MISSING)),
    "shortcut callback a number": bodies.as_interaction(changed(SHORTCUT, "callback_id", 1)),
    "command without a user": bodies.as_command(changed(COMMAND, "user_id", MISSING)),
    "command with authorizations": bodies.as_command({**COMMAND, "authorizations": "x"}),
    "command with response urls": bodies.as_command({**COMMAND, "response_urls": "x"}),
}

IGNORED: dict[str, tuple[str, str]] = {
    "an event we are not subscribed to": bodies.as_json(
        changed(MESSAGE, "event", {"type": "user_change", "user": {"id": "UALEX"}})
    ),
    "a closed modal": bodies.as_interaction(bodies.view_closed()),
    "a message shortcut": bodies.as_interaction({**SHORTCUT, "type": "message_action"}),
    "someone else's command": bodies.as_command({**COMMAND, "command": "/other"}),
    "a rate-limit notice": bodies.as_json({"type": "app_rate_limited", "team_id": "T0SAFER"}),
}


async def test_signed_malformed_bodies_get_400_change_nothing_and_the_server_carries_on(slack):
    before = await stored(slack)
    answers = {name: await slack.post(*body) for name, body in REFUSED.items()}
    status, _ = await slack.post_bytes(b'{"type": "event_callback", "x": "\xff"}', bodies.JSON)
    answers["not UTF-8"] = (status, "")

    assert {name: status for name, (status, _) in answers.items() if status != 400} == {}
    assert await stored(slack) == before
    assert slack.fake.calls == []
    replies = await slack.user("UALEX").say("report")
    assert "anyone in danger" in text_of(replies[-1])
    challenge = bodies.url_verification()
    status, answer = await slack.event(challenge)
    assert (status, json.loads(answer)) == (200, {"challenge": challenge["challenge"]})


async def test_signed_bodies_we_do_not_use_get_200_and_change_nothing(slack):
    before = await stored(slack)
    answers = {name: (await slack.post(*body))[0] for name, body in IGNORED.items()}
    assert set(answers.values()) == {200}, answers
    assert await stored(slack) == before
    assert slack.fake.calls == []


async def test_a_timestamp_that_is_not_a_time_gets_401(slack):
    body, content_type = bodies.as_json(MESSAGE)
    for stamp in ("yesterday", "", "1" * 40, "-5", "１２３"):
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": "v0=" + "0" * 64,
        }
        response = await slack.client.post("/slack/events", data=body, headers=headers)
        assert response.status == 401, stamp
