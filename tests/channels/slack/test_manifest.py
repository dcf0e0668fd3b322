"""The Slack app manifest: valid against Slack's schema, and in step with what the code handles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.channels.slack.channel import COMMAND, EVENTS_PATH, SHORTCUTS

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "manifest" / "slack.yaml"
SCHEMA = ROOT.parent / "shared" / "schemas" / "slack-manifest.schema.1.0.0.json"
SCOPES_USED = {
    "app_mentions:read": "app_mention events",
    "channels:history": "conversations.history in the alerts channel (outbox: posted once)",
    "chat:write": "chat.postMessage, chat.update, chat.postEphemeral",
    "commands": "the /saferhub command and the shortcuts",
    "files:read": "files.info and downloading shared photos to hash them",
    "files:write": "files.getUploadURLExternal, files.completeUploadExternal (alert photos)",
    "groups:history": "conversations.history in a private alerts channel",
    "im:history": "message.im events; conversations.history in DMs",
    "im:write": "conversations.open for DMs",
    "users:read": "users.info",
    "users:read.email": "the email in users.info, to link the directory",
}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text())


def test_the_manifest_is_valid_against_slacks_schema(manifest):
    if not SCHEMA.is_file():
        pytest.skip(f"the Slack manifest schema is not at {SCHEMA} (the shared folder is absent)")
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))
    problems = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(manifest)]
    assert problems == []


def test_the_manifest_matches_what_the_app_handles(manifest):
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    assert {s["callback_id"] for s in features["shortcuts"]} == set(SHORTCUTS)
    assert all(s["type"] == "global" for s in features["shortcuts"])
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "message.im",
        "app_home_opened",
        "app_mention",
    }
    assert features["app_home"]["home_tab_enabled"] and features["app_home"]["messages_tab_enabled"]
    assert settings["interactivity"]["is_enabled"]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == set(SCOPES_USED)
    urls = [
        features["slash_commands"][0]["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert urls == [f"https://YOUR-HOST{EVENTS_PATH}"] * 3
