"""What Slack may post to us, checked before slack-bolt or a listener reads it.

bolt indexes request bodies on trust (`body["actions"][0]["action_id"]`, `"id" in user`), so a
signed body with a key missing or of the wrong type used to end in a 500. Every body is sorted
here first: one we handle is passed on only when every key bolt and our listeners read has its
type (and ids fit the columns that keep them); a well-formed one we do not use (an event we are
not subscribed to, a closed modal) is acknowledged and dropped; anything else is refused with 400.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from bot.channels.shapes import Checked, Verdict
from dialogs.shapes import (
    Boolean,
    Either,
    Integer,
    ListOf,
    MapOf,
    Nullable,
    Obj,
    Shape,
    Text,
    obj,
    problem,
)

MAX_AGE_SECONDS = 5 * 60
COMMAND = "/saferhub"
EVENTS = ("message", "app_mention", "app_home_opened")

# Slack ids (users, channels, teams, views, timestamps) are short and plain; 40 is the width of
# the column that keeps a Slack user id.
ID = Text(40, re.compile(r"[A-Za-z0-9._-]+"))
HASH = Text(64, re.compile(r"[A-Za-z0-9._-]+"))
NAME = Text(255)
URL = Text(2000)
VALUE = Text(5000)
TEXT = Text(40_000)  # Slack cuts messages at 40 000 characters
LATEST_EPOCH = 253_402_300_799  # 9999-12-31T23:59:59Z

_MAYBE_ID = Nullable(ID)

# Every key bolt reads to build a request's context, at every level it looks (it searches
# events, messages and authorizations recursively for the team, user and channel).
_BOLT = Obj(
    {
        "authorizations": ListOf(Obj(), 20),
        "is_enterprise_install": Either((Boolean(), NAME)),
        "is_ext_shared_channel": Boolean(),
        "enterprise": Nullable(Either((ID, obj(id=_MAYBE_ID)))),
        "enterprise_id": _MAYBE_ID,
        "team": Nullable(Either((ID, obj(id=_MAYBE_ID, enterprise_id=_MAYBE_ID)))),
        "team_id": _MAYBE_ID,
        "context_team_id": _MAYBE_ID,
        "context_enterprise_id": _MAYBE_ID,
        "user": Nullable(Either((ID, obj(id=_MAYBE_ID, team_id=_MAYBE_ID)))),
        "user_id": _MAYBE_ID,
        "user_team": _MAYBE_ID,
        "channel": Nullable(Either((ID, obj(id=_MAYBE_ID)))),
        "channel_id": _MAYBE_ID,
        "thread_ts": _MAYBE_ID,
        "view": obj(app_installed_team_id=_MAYBE_ID, team_id=_MAYBE_ID),
        "function_execution_id": Nullable(NAME),
        "bot_access_token": Nullable(NAME),
        "function_data": obj(execution_id=Nullable(NAME)),
        "response_url": URL,
        "response_urls": ListOf(obj(response_url=Nullable(URL)), 10),
    },
    nested=frozenset({"event", "message", "previous_message", "item", "assistant_thread"}),
    nested_lists=frozenset({"authorizations"}),
)

_OPTION = obj(value=VALUE, text=obj(text=Nullable(TEXT)))
_ELEMENT = obj(
    action_id=NAME,
    type=NAME,
    value=VALUE,
    options=ListOf(_OPTION),
    elements=ListOf(Obj()),
    text=Nullable(Either((TEXT, Obj()))),
)
_BLOCK = obj(
    block_id=NAME,
    type=NAME,
    elements=ListOf(_ELEMENT),
    accessory=Nullable(_ELEMENT),
)
_CHOSEN: dict[str, Shape] = {
    "type": NAME,
    "value": Nullable(VALUE),
    "selected_option": Nullable(_OPTION),
    "selected_options": ListOf(_OPTION),
    "selected_date": Nullable(NAME),
    "selected_time": Nullable(NAME),
    "selected_date_time": Nullable(Integer(0, LATEST_EPOCH)),
}
_STATE = obj(values=MapOf(MapOf(Obj(_CHOSEN))))
_VIEW: dict[str, Shape] = {
    "id": ID,
    "hash": HASH,
    "type": NAME,
    "callback_id": NAME,
    "private_metadata": VALUE,
    "blocks": ListOf(_BLOCK),
    "state": _STATE,
}
_USER = obj("id", id=ID, team_id=_MAYBE_ID)
_FILE = obj(
    "id",
    id=ID,
    name=Nullable(NAME),
    title=Nullable(NAME),
    mimetype=Nullable(NAME),
    size=Nullable(Integer(0, 2**40)),
    url_private_download=Nullable(URL),
)
_EVENT = obj(
    "type",
    type=NAME,
    subtype=Nullable(NAME),
    user=ID,
    channel=ID,
    channel_type=Nullable(NAME),
    bot_id=Nullable(ID),
    text=Nullable(TEXT),
    files=ListOf(_FILE),
    tab=Nullable(NAME),
)

SHAPES: Mapping[str, Shape] = {
    "url_verification": obj("challenge", challenge=Text(200)),
    "event_callback": obj("event", "event_id", event_id=ID, event=obj("type", type=NAME)),
    "block_actions": obj(
        "user",
        "actions",
        user=_USER,
        actions=ListOf(
            Obj(
                {
                    **_CHOSEN,
                    "action_id": NAME,
                    "block_id": NAME,
                    "action_ts": ID,
                    "text": obj(text=Nullable(TEXT)),
                },
                frozenset({"action_id", "block_id"}),
            ),
            max_items=10,
            min_items=1,
        ),
        container=obj(type=NAME, channel_id=ID, message_ts=ID, view_id=ID),
        message=obj(ts=ID, text=Nullable(TEXT), blocks=ListOf(_BLOCK)),
        view=Obj(_VIEW),
        state=_STATE,
        trigger_id=NAME,
    ),
    "view_submission": obj(
        "user", "view", user=_USER, view=Obj(_VIEW, frozenset({"callback_id", "type"}))
    ),
    "shortcut": obj("user", "callback_id", user=_USER, callback_id=NAME, trigger_id=NAME),
    "command": obj(
        "command",
        "user_id",
        command=NAME,
        text=TEXT,
        user_id=ID,
        team_id=ID,
        trigger_id=NAME,
        response_url=URL,
    ),
}


def signed(secret: str, body: bytes, timestamp: str, signature: str, now: float) -> bool:
    """Whether Slack signed `body` (v0 HMAC-SHA256) within the last five minutes."""
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def kind_of(body: Mapping[str, Any]) -> str:
    """The body's kind: a slash command, SSL check, or its `type` ("" when it has none)."""
    if body.get("ssl_check") == "1":  # answered by bolt before any listener
        return "ssl_check"
    if "command" in body:
        return "command"
    kind = body.get("type")
    return kind if isinstance(kind, str) else ""


def check(body: object) -> Checked:
    """Whether to handle, ignore or refuse a signed body (parsed as bolt parses it)."""
    if not isinstance(body, dict):
        return Checked(Verdict.REFUSE, "the body is not an object")
    kind = kind_of(body)
    if not kind:
        return Checked(Verdict.REFUSE, "the body has no type")
    shape = SHAPES.get(kind)
    if shape is None and kind != "ssl_check":
        return Checked(Verdict.IGNORE, "a kind of request we do not use")
    found = problem(shape, body) if shape is not None else None
    if found:
        return Checked(Verdict.REFUSE, found)
    if kind == "event_callback" and body["event"]["type"] not in EVENTS:
        return Checked(Verdict.IGNORE, "an event we do not use")
    if kind == "command" and body["command"] != COMMAND:
        return Checked(Verdict.IGNORE, "a command that is not ours")
    found = problem(_BOLT, body)
    if kind == "event_callback":
        found = found or problem(_EVENT, body["event"], "body.event")
    return Checked(Verdict.REFUSE, found) if found else Checked(Verdict.HANDLE)
