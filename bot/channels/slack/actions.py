"""Our action ids, and a pressed button or picked menu turned back into a neutral input.

Every interactive element we render carries an action id `kind:name[:n]`:

- `answer:FIELD:n` answers the question about FIELD (button value, menu pick or date);
- `pick:FIELD` is a multi-select in a message, read by the `done:FIELD` button next to it;
- `command:NAME:n` is a command button (edit, confirm, cancel, skip, start) with its argument;
- `notice:ACTION:n` is an action on a notice, whose value is the record's reference;
- `notice:item:n` is a menu of one item's actions on a notice (or of the items that did not fit),
  each option's value `ACTION REFERENCE`;
- `field:FIELD` is a modal input whose answer changes what the modal shows.

Anything else, or a value that was not on offer in the message pressed, is refused here before
it reaches the turn loop. Whether the user may act on the record is for the services to decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.messages import ActionInput, ChoiceInput, Command, CommandInput, Input

ANSWER = "answer"
PICK = "pick"
DONE = "done"
COMMAND = "command"
NOTICE = "notice"
FIELD = "field"
ITEM = "item"  # the name of a notice's menu of actions, whose options name the action

ACTION_ID = re.compile(
    r"^(answer|pick|done|command|notice|field):([a-z][a-z0-9_.]{0,59})(?::\d{1,3})?$"
)
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
ACTION = re.compile(r"^[a-z][a-z0-9_.]{0,59}$")
REFERENCE = re.compile(r"^[A-Z][A-Z0-9]{0,7}(?:-[A-Z0-9]{1,8}){1,3}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_VALUE = 150
COMMANDS: dict[str, Command] = {
    "edit": Command.EDIT,
    "confirm": Command.CONFIRM,
    "cancel": Command.CANCEL,
    "skip": Command.SKIP,
    "start": Command.START,
}
SELECTS = ("static_select", "radio_buttons", "overflow")


def action_id(kind: str, name: str, index: int | None = None) -> str:
    """The action id for an element; `index` keeps ids unique inside one block."""
    return f"{kind}:{name}" if index is None else f"{kind}:{name}:{index}"


@dataclass(frozen=True)
class Pressed:
    """One element of a block_actions payload whose action id is ours."""

    kind: str
    name: str
    action: Mapping[str, Any]


def parse(action: Mapping[str, Any]) -> Pressed | None:
    """Our reading of an action, or None when its id is not one we render."""
    found = ACTION_ID.match(str(action.get("action_id", "")))
    if found is None:
        return None
    return Pressed(found.group(1), found.group(2), action)


def chosen(action: Mapping[str, Any], timezone: ZoneInfo) -> str | None:
    """The single value an element carries: a button's value, a menu pick or a date."""
    kind = action.get("type")
    if kind == "button":
        value = action.get("value")
    elif kind in SELECTS:
        value = (action.get("selected_option") or {}).get("value")
    elif kind == "datepicker":
        value = action.get("selected_date")
        if not (isinstance(value, str) and DATE.match(value)):
            return None
    elif kind == "datetimepicker":
        value = local_time(action.get("selected_date_time"), timezone)
    else:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE:
        return None
    return value


def local_time(stamp: object, timezone: ZoneInfo) -> str | None:
    """A date-time picker's epoch seconds as local `YYYY-MM-DD HH:MM`; None when not a time."""
    if isinstance(stamp, bool) or not isinstance(stamp, int) or stamp < 0:
        return None
    try:
        return datetime.fromtimestamp(stamp, timezone).strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError, OSError):
        return None


def to_input(pressed: Pressed, state: Mapping[str, Any], timezone: ZoneInfo) -> Input | None:
    """The neutral input for a press in a message, or None when it is malformed."""
    if pressed.kind == ANSWER:
        value = chosen(pressed.action, timezone)
        return None if value is None else ChoiceInput(pressed.name, value)
    if pressed.kind == DONE:
        picked = multi_values(state, action_id(PICK, pressed.name))
        return ChoiceInput(pressed.name, ", ".join(picked)) if picked else None
    if pressed.kind == COMMAND:
        command = COMMANDS.get(pressed.name)
        argument = str(pressed.action.get("value") or "")
        if command is None or (argument and not NAME.match(argument)):
            return None
        return CommandInput(command, argument)
    if pressed.kind == NOTICE:
        named = notice_action(pressed)
        return None if named is None else ActionInput(*named)
    return None


def notice_action(pressed: Pressed) -> tuple[str, str] | None:
    """The action and record reference a notice press names, or None when malformed.

    A button names the action in its id and the record in its value; a menu (`notice:item`)
    carries both in the picked option's value, `ACTION REFERENCE`.
    """
    if pressed.action.get("type") in SELECTS:
        picked = (pressed.action.get("selected_option") or {}).get("value")
        if pressed.name != ITEM or not isinstance(picked, str) or len(picked) > MAX_VALUE:
            return None
        action, _, reference = picked.partition(" ")
    else:
        action, reference = pressed.name, str(pressed.action.get("value") or "")
    if not (ACTION.match(action) and REFERENCE.match(reference)):
        return None
    return action, reference


def multi_values(state: Mapping[str, Any], wanted: str) -> list[str]:
    """The values picked in the multi-select `wanted`, from a payload's `state.values`."""
    for block in (state.get("values") or {}).values():
        element = block.get(wanted) if isinstance(block, Mapping) else None
        if isinstance(element, Mapping):
            options = element.get("selected_options") or []
            return [
                str(o["value"])
                for o in options
                if isinstance(o, Mapping) and NAME.match(str(o.get("value", "")))
            ]
    return []


def offered(action: Mapping[str, Any], blocks: Sequence[Mapping[str, Any]]) -> bool:
    """Whether this press matches an element of the message that was pressed.

    A button's value, or a menu's pick, must be one the element offered.
    """
    element = _element(blocks, str(action.get("block_id", "")), str(action.get("action_id", "")))
    if element is None or element.get("type") != action.get("type"):
        return False
    if element.get("type") == "button":
        return bool(element.get("value") == action.get("value"))
    if element.get("type") in SELECTS:
        picked = (action.get("selected_option") or {}).get("value")
        return any(o.get("value") == picked for o in element.get("options") or [])
    return True


def _element(
    blocks: Sequence[Mapping[str, Any]], block_id: str, wanted: str
) -> Mapping[str, Any] | None:
    for block in blocks:
        if block.get("block_id") != block_id:
            continue
        candidates = [*(block.get("elements") or []), block.get("accessory") or {}]
        for element in candidates:
            if isinstance(element, Mapping) and element.get("action_id") == wanted:
                return element
    return None


def label(action: Mapping[str, Any], fallback: str) -> str:
    """What the user chose, in words, for the note that replaces the buttons."""
    if action.get("type") == "button":
        text = (action.get("text") or {}).get("text")
        return str(text) if text else fallback
    option = action.get("selected_option") or {}
    text = (option.get("text") or {}).get("text")
    return str(text) if text else fallback


def settle(blocks: Sequence[Mapping[str, Any]], note: str) -> list[dict[str, Any]]:
    """A message's blocks without its buttons and menus, ending with `note` (mrkdwn).

    Used once a message has been answered, so nobody presses an old button twice.
    """
    kept: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") in ("actions", "input"):
            continue
        copy = {k: v for k, v in block.items() if k != "accessory"}
        kept.append(copy)
    kept = kept[:49]
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return kept
