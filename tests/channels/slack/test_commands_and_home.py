"""The /saferhub command, mentions in channels, and the App Home."""

from __future__ import annotations

import json
import uuid

from tests.channels.slack.conftest import TEAM, buttons, event_body, text_of, user_of


def answers_to(slack) -> list[dict]:
    return slack.fake.called("response_url")


async def test_the_slash_command_opens_the_request_form(slack):
    status, body = await slack.command("UALEX", "request")
    assert (status, body) == (200, "")
    (opened,) = slack.fake.called("views.open")
    view = opened["view"]
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert view["title"]["text"] == "Information request"
    assert "City Police" in json.dumps(inputs["partner"])
    assert "lawful_basis" not in inputs  # the helper suggests it in the DM afterwards
    assert "Next, in our direct message: Lawful basis" in json.dumps(view)


async def test_status_help_and_actions_are_answered_only_to_the_asker(slack):
    _, help_body = await slack.command("UALEX", "help")
    _, unknown_body = await slack.command("UALEX", "dance <!channel>")
    await slack.command("UALEX", "status CN-2026-0404")
    await slack.command("UDREW", "actions")
    help_text, unknown = json.loads(help_body), json.loads(unknown_body)
    missing, actions = answers_to(slack)
    assert all(a["response_type"] == "ephemeral" for a in (missing, help_text, unknown, actions))
    assert "/saferhub report" in help_text["text"]
    assert "I don't know '/saferhub dance'" in unknown["text"]
    assert "<!channel>" not in unknown_body
    assert "can't find a record" in missing["text"]
    assert "VUL-18" in json.dumps(actions["blocks"])


async def test_a_mention_in_a_channel_is_answered_in_the_dm(slack):
    alex = slack.user("UALEX")
    event = {
        "type": "app_mention",
        "user": "UALEX",
        "text": "<@UBOT> report",
        "ts": "1795510800.000200",
        "channel": "C0GENERAL",
        "event_ts": "1795510800.000200",
    }
    status, _ = await slack.event(event_body(event))
    assert status == 200
    (pointer,) = slack.fake.called("chat.postEphemeral")
    assert (pointer["channel"], pointer["user"]) == ("C0GENERAL", "UALEX")
    assert "anyone in danger" in text_of(alex.messages()[-1])
    assert all(m["channel"] == alex.dm for m in slack.fake.messages.values())


async def test_the_app_home_lists_open_records_and_starts_conversations(slack):
    event = {
        "type": "app_home_opened",
        "user": "UDREW",
        "channel": "DDREW",
        "tab": "home",
        "event_ts": "1795510800.000300",
    }
    status, _ = await slack.event(event_body(event))
    assert status == 200
    (published,) = slack.fake.called("views.publish")
    assert published["user_id"] == "UDREW" and published["view"]["type"] == "home"
    home = slack.fake.views[max(slack.fake.views)]
    assert "VUL-18" in json.dumps(home) and "Hello Drew" in json.dumps(home)
    message_like = {"blocks": home["blocks"]}
    assert buttons(message_like) == [
        "Log a concern",
        "Request information",
        "Update a recommendation",
    ]

    start = next(
        e
        for b in home["blocks"]
        for e in b.get("elements", [])
        if e.get("text", {}).get("text") == "Log a concern"
    )
    block = next(b for b in home["blocks"] if start in b.get("elements", []))
    status, _ = await slack.interact(
        {
            "type": "block_actions",
            "user": user_of("UDREW"),
            "api_app_id": "ASAFERHUB",
            "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": home["id"]},
            "trigger_id": f"{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:12]}",
            "team": {"id": TEAM, "domain": "saferhub-test"},
            "view": home,
            "actions": [
                {
                    "type": "button",
                    "action_id": start["action_id"],
                    "block_id": block["block_id"],
                    "text": start["text"],
                    "value": start["value"],
                    "action_ts": "1795510802.000",
                }
            ],
        }
    )
    assert status == 200
    assert "anyone in danger" in text_of(slack.user("UDREW").messages()[-1])


async def test_the_messages_tab_publishes_nothing(slack):
    event = {"type": "app_home_opened", "user": "UDREW", "channel": "DDREW", "tab": "messages"}
    await slack.event(event_body(event))
    assert slack.fake.called("views.publish") == []
