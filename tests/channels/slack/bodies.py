"""Well-formed bodies of every kind Slack posts to /slack/events, to break in tests.

Each is what Slack would send (shapes from Slack's payload documentation, ids from the fake's
workspace); the malformed-body tests and the fuzzer change one part and sign the result.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from tests.fakes.slack_api import BOT_USER, TEAM, dm_event, dm_of, event_body

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
USER = "UALEX"
TS = "1795510800.000100"
TRIGGER = "13345224609.738474920.8088930838d88f008e0"
RESPONSE_URL = "https://hooks.slack.com/actions/T0SAFER/1/abc"


def _user() -> dict[str, Any]:
    return {"id": USER, "username": "alex", "name": "alex", "team_id": TEAM}


def _team() -> dict[str, Any]:
    return {"id": TEAM, "domain": "saferhub-test"}


def message_event() -> dict[str, Any]:
    return event_body(dm_event(USER, "report"), "Ev0TEMPLATE1")


def mention_event() -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": USER,
        "channel": "C0GENERAL",
        "text": f"<@{BOT_USER}> help",
        "ts": TS,
        "event_ts": TS,
        "team": TEAM,
    }
    return event_body(event, "Ev0TEMPLATE2")


def home_opened_event() -> dict[str, Any]:
    event = {
        "type": "app_home_opened",
        "user": USER,
        "channel": dm_of(USER),
        "tab": "home",
        "event_ts": TS,
    }
    return event_body(event, "Ev0TEMPLATE3")


def url_verification() -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
        "type": "url_verification",
    }


def block_actions() -> dict[str, Any]:
    """A press of "No" on a question the bot asked in Alex's DM."""
    button = {
        "type": "button",
        "action_id": "answer:danger_now:0",
        "value": "no",
        "text": {"type": "plain_text", "text": "No", "emoji": True},
    }
    message = {
        "type": "message",
        "user": BOT_USER,
        "bot_id": "BBOT",
        "ts": TS,
        "text": "Is anyone in danger now?",
        "team": TEAM,
        "blocks": [
            {
                "type": "section",
                "block_id": "q1",
                "text": {"type": "mrkdwn", "text": "Is anyone in danger now?"},
            },
            {"type": "actions", "block_id": "a1", "elements": [button]},
        ],
    }
    return {
        "type": "block_actions",
        "user": _user(),
        "api_app_id": "ASAFERHUB",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": TS,
            "channel_id": dm_of(USER),
            "is_ephemeral": False,
        },
        "trigger_id": TRIGGER,
        "team": _team(),
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": dm_of(USER), "name": "directmessage"},
        "message": message,
        "state": {"values": {}},
        "response_url": RESPONSE_URL,
        "actions": [
            {
                **button,
                "block_id": "a1",
                "action_ts": "1795510801.000200",
            }
        ],
    }


def _view(**changes: Any) -> dict[str, Any]:
    view = {
        "id": "V0TEMPLATE",
        "team_id": TEAM,
        "type": "modal",
        "callback_id": "saferhub_form",
        "hash": "1795510800.AbCdEf12",
        "private_metadata": json.dumps({"form": "concern", "channel": dm_of(USER)}),
        "title": {"type": "plain_text", "text": "Visual-audit concern"},
        "blocks": [
            {
                "type": "input",
                "block_id": "description",
                "label": {"type": "plain_text", "text": "What did you see?"},
                "element": {"type": "plain_text_input", "action_id": "field:description"},
            }
        ],
        "state": {
            "values": {
                "danger_now": {
                    "field:danger_now": {
                        "type": "radio_buttons",
                        "selected_option": {
                            "text": {"type": "plain_text", "text": "No"},
                            "value": "no",
                        },
                    }
                },
                "description": {
                    "field:description": {"type": "plain_text_input", "value": "Stickers"}
                },
                "seen_at": {
                    "field:seen_at": {"type": "datetimepicker", "selected_date_time": 1795500000}
                },
            }
        },
    }
    view.update(changes)
    return view


def view_submission() -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": _team(),
        "user": _user(),
        "api_app_id": "ASAFERHUB",
        "token": "legacy-verification-token",
        "trigger_id": TRIGGER,
        "view": _view(),
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def view_closed() -> dict[str, Any]:
    return {
        "type": "view_closed",
        "team": _team(),
        "user": _user(),
        "api_app_id": "ASAFERHUB",
        "view": _view(),
        "is_cleared": False,
        "is_enterprise_install": False,
    }


def shortcut() -> dict[str, Any]:
    return {
        "type": "shortcut",
        "token": "legacy-verification-token",
        "action_ts": "1795510801.000300",
        "team": _team(),
        "user": _user(),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": "log_concern",
        "trigger_id": TRIGGER,
    }


def command() -> dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "team_domain": "saferhub-test",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": USER,
        "user_name": "alex",
        "command": "/saferhub",
        "text": "help",
        "api_app_id": "ASAFERHUB",
        "is_enterprise_install": "false",
        "response_url": RESPONSE_URL,
        "trigger_id": TRIGGER,
    }


EVENTS: dict[str, Callable[[], dict[str, Any]]] = {
    "message": message_event,
    "app_mention": mention_event,
    "app_home_opened": home_opened_event,
    "url_verification": url_verification,
}
INTERACTIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "block_actions": block_actions,
    "view_submission": view_submission,
    "view_closed": view_closed,
    "shortcut": shortcut,
}


def as_json(body: Any) -> tuple[str, str]:
    return json.dumps(body), JSON


def as_interaction(payload: Any) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(payload)}), FORM


def as_command(fields: dict[str, str]) -> tuple[str, str]:
    return urlencode(fields), FORM


MISSING = object()


def changed(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `body` with the dotted `path` set to `value` (or removed, for MISSING).

    A number in the path indexes a list: `actions.0.action_id`.
    """
    copied = copy.deepcopy(body)
    *parents, last = path.split(".")
    node: Any = copied
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is MISSING:
        del node[key]
    else:
        node[key] = value
    return copied
