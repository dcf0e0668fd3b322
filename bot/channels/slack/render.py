"""Neutral outbound items as Slack messages (Block Kit), escaped and within Slack's limits.

One turn's replies are packed into as few messages as possible, never more than 50 blocks each.
Choices become buttons (a menu beyond five), dates a date picker, summaries one row per answer
with a button naming it ("Edit location"), and notices a header, their lines and their action buttons.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
    HeaderBlock,
    InteractiveElement,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)

from bot.channels.slack.actions import ANSWER, COMMAND, DONE, ITEM, NOTICE, PICK, action_id
from bot.channels.slack.markup import FALLBACK_LIMIT, chunks, escape, shorten
from dialogs.messages import Ask, Completed, Notice, NoticeAction, Outbound, Say, Summary

MAX_BLOCKS = 50
MAX_BUTTONS = 5
MAX_OVERFLOW = 5
MAX_MENU = 100
MAX_ELEMENTS = 25  # in one actions block
BUTTON_TEXT = 75
OPTION_TEXT = 75
HEADER_TEXT = 150
RENDERED_KEPT = 512
_RENDERED: dict[Ask | Say, str] = {}


@dataclass(frozen=True)
class SlackMessage:
    """One chat.postMessage: the notification text and the blocks."""

    text: str
    blocks: list[dict[str, Any]]


def render(items: Sequence[Outbound]) -> list[SlackMessage]:
    """One turn's replies as messages of at most 50 blocks, in order.

    An item starts a new message when it would not fit in the current one but fits in one of
    its own; a longer item (a very long summary) simply continues across messages.
    """
    messages: list[SlackMessage] = []
    blocks: list[dict[str, Any]] = []
    texts: list[str] = []
    for item in items:
        item_blocks = _item_blocks(item)
        fits_alone = len(item_blocks) <= MAX_BLOCKS
        if blocks and fits_alone and len(blocks) + len(item_blocks) > MAX_BLOCKS:
            messages.append(_message(texts, blocks))
            blocks, texts = [], []
        texts.append(_fallback(item))
        blocks.extend(item_blocks)
        while len(blocks) > MAX_BLOCKS:
            messages.append(_message(texts, blocks[:MAX_BLOCKS]))
            blocks, texts = blocks[MAX_BLOCKS:], [texts[-1]]
    if blocks:
        messages.append(_message(texts, blocks))
    return messages


def _item_blocks(item: Outbound) -> list[dict[str, Any]]:
    """An item's blocks as dicts, each call with its own copy.

    Questions and plain statements repeat for everyone (every reporter is asked "Is it still
    there?"), and building Block Kit through slack-sdk's validating models cost about 0.3 ms a
    time, a tenth of a whole turn: those are rendered once and kept as JSON.
    """
    if not isinstance(item, Ask | Say):
        return [b.to_dict() for b in _blocks(item)]
    kept = _RENDERED.get(item)
    if kept is None:
        kept = json.dumps([b.to_dict() for b in _blocks(item)])
        if len(_RENDERED) >= RENDERED_KEPT:
            _RENDERED.clear()
        _RENDERED[item] = kept
    blocks: list[dict[str, Any]] = json.loads(kept)
    return blocks


def render_notice(notice: Notice) -> SlackMessage:
    """A notice as exactly one message, so it can be replaced later by its `ts`."""
    blocks = [b.to_dict() for b in _notice(notice)]
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 2], _more(), blocks[-1]]
    return _message([_fallback(notice)], blocks)


def _message(texts: list[str], blocks: list[dict[str, Any]]) -> SlackMessage:
    return SlackMessage(shorten(escape("\n".join(t for t in texts if t)), FALLBACK_LIMIT), blocks)


def _more() -> dict[str, Any]:
    return _more_block().to_dict()


def _more_block() -> Block:
    """Said in place of the lines a message had no room for."""
    return ContextBlock(elements=[_mrkdwn("(More lines were left out.)")])


def _fallback(item: Outbound) -> str:
    match item:
        case Say(text=text):
            return text
        case Ask(prompt=prompt):
            return prompt
        case Summary(title=title):
            return f"Please check your {title.lower()}"
        case Completed(text=text):
            return text
        case Notice(title=title):
            return title
    return ""


def _mrkdwn(markup: str) -> MarkdownTextObject:
    """A mrkdwn text object; `verbatim` stops Slack from turning words into links or mentions."""
    return MarkdownTextObject(text=markup or " ", verbatim=True)


def _plain(text: str, limit: int) -> PlainTextObject:
    """Plain text (a button, option or header) shortened at a word boundary to `limit`."""
    return PlainTextObject(text=shorten(text, limit) or " ", emoji=True)


def sections(markup: str) -> list[Block]:
    """mrkdwn in as many sections as its length needs."""
    return [SectionBlock(text=_mrkdwn(piece)) for piece in chunks(markup)]


def button(
    text: str, kind: str, name: str, index: int, value: str = "", style: str = ""
) -> ButtonElement:
    """A button with one of our action ids."""
    return ButtonElement(
        text=_plain(text, BUTTON_TEXT),
        action_id=action_id(kind, name, index),
        value=value or None,
        style=style if style in ("primary", "danger") else None,
    )


def option(value: str, label: str) -> Option:
    """A menu option with its label cut to Slack's 75 characters."""
    return Option(value=value, text=_plain(label, OPTION_TEXT))


def _blocks(item: Outbound) -> list[Block]:
    match item:
        case Say(text=text):
            return sections(escape(text))
        case Ask():
            return _ask(item)
        case Summary():
            return _summary(item)
        case Completed(text=text):
            return sections(f":white_check_mark: {escape(text)}")
        case Notice():
            return _notice(item)
    return []


def _ask(item: Ask) -> list[Block]:
    blocks: list[Block] = []
    if item.error:
        blocks.extend(sections(f":warning: {escape(item.error)}"))
    blocks.extend(sections(escape(item.prompt)))
    elements = _answer_elements(item)
    if item.optional:
        elements.append(button("Skip", COMMAND, "skip", len(elements)))
    if elements:
        blocks.append(ActionsBlock(elements=elements))
    return blocks


def _answer_elements(item: Ask) -> list[InteractiveElement]:
    field = item.field
    if item.kind == "multi" and item.options:
        return [
            StaticMultiSelectElement(
                placeholder=_plain("Choose all that apply", HEADER_TEXT),
                action_id=action_id(PICK, field),
                options=[option(o.value, o.label) for o in item.options[:MAX_MENU]],
            ),
            button("Done", DONE, field, 1, style="primary"),
        ]
    if item.options:
        if len(item.options) <= MAX_BUTTONS:
            return [button(o.label, ANSWER, field, i, o.value) for i, o in enumerate(item.options)]
        return [
            StaticSelectElement(
                placeholder=_plain("Choose one", HEADER_TEXT),
                action_id=action_id(ANSWER, field, 0),
                options=[option(o.value, o.label) for o in item.options[:MAX_MENU]],
            )
        ]
    if item.kind == "date":
        return [DatePickerElement(action_id=action_id(ANSWER, field, 0))]
    if item.kind == "datetime":
        return [
            button("Now", ANSWER, field, 0, "now"),
            DateTimePickerElement(action_id=action_id(ANSWER, field, 1)),
        ]
    return []


def _summary(item: Summary) -> list[Block]:
    blocks: list[Block] = [
        HeaderBlock(text=_plain(f"Check your {item.title.lower()}", HEADER_TEXT))
    ]
    for index, row in enumerate(item.rows):
        value = escape(row.value) or "-"
        edit = (
            button(edit_text(row.label), COMMAND, "edit", index, row.field)
            if row.editable
            else None
        )
        blocks.append(
            SectionBlock(
                text=_mrkdwn(shorten(f"*{escape(row.label)}*\n{value}", 2900)), accessory=edit
            )
        )
    blocks.append(ContextBlock(elements=[_mrkdwn("Nothing is recorded until you confirm.")]))
    blocks.append(
        ActionsBlock(
            elements=[
                button("Confirm", COMMAND, "confirm", 0, style="primary"),
                button("Cancel", COMMAND, "cancel", 1, style="danger"),
            ]
        )
    )
    return blocks


def edit_text(label: str) -> str:
    """What a summary row's edit button says: "Edit location", so each button names its row."""
    first, _, rest = label.partition(" ")
    if first[:1].isupper() and first[1:] == first[1:].lower():
        first = first.lower()  # "Location" reads "location", "999 reference" or "CAD" stay
    return f"Edit {first} {rest}".rstrip() if first else "Edit"


def _notice(item: Notice) -> list[Block]:
    """A notice: header, lines, reference and its actions.

    Actions on one record, or up to five in all, make one row of buttons. More on several items
    (a nudge listing items, each with its own actions) would be a wall of buttons on a phone, so
    each item's line carries its own control instead: a button for one action, an overflow menu
    for up to five, a select beyond.
    """
    blocks: list[Block] = [HeaderBlock(text=_plain(item.title, HEADER_TEXT))]
    context = (
        [ContextBlock(elements=[_mrkdwn(f"Reference: {escape(item.reference)}")])]
        if item.reference
        else []
    )
    if len(item.actions) > MAX_BUTTONS and len({a.reference for a in item.actions}) > 1:
        return [*blocks, *_item_rows(item, MAX_BLOCKS - len(blocks) - len(context)), *context]
    if item.lines:
        blocks.extend(sections(escape("\n".join(item.lines))))
    blocks.extend(context)
    if item.actions:
        blocks.append(
            ActionsBlock(
                elements=[
                    button(a.label, NOTICE, a.action, i, a.reference, a.style)
                    for i, a in enumerate(item.actions[:MAX_ELEMENTS])
                ]
            )
        )
    return blocks


Numbered = list[tuple[int, NoticeAction]]


def _item_rows(item: Notice, room: int) -> list[Block]:
    """The notice's lines, each item's line (it starts with the item's reference) with the
    control for that item's actions, in at most `room` blocks.

    An item whose reference starts no line gets a row of its own after the lines. Items that do
    not fit in `room` share menus in one last row, so no action on offer is ever left out.
    """
    groups: dict[str, Numbered] = {}
    for index, action in enumerate(item.actions):
        groups.setdefault(action.reference, []).append((index, action))
    rows: list[tuple[Block, Numbered]] = []
    loose: list[str] = []
    items = [(line, groups.pop(line.split(" ", 1)[0], None)) for line in item.lines]
    items += [(reference, numbered) for reference, numbered in groups.items()]
    for text, numbered in items:
        if numbered is None:
            loose.append(text)
            continue
        if loose:
            rows += [(block, []) for block in sections(escape("\n".join(loose)))]
            loose = []
        control = _control(numbered)
        rows.append(
            (SectionBlock(text=_mrkdwn(escape(shorten(text, 500))), accessory=control), numbered)
        )
    if loose:
        rows += [(block, []) for block in sections(escape("\n".join(loose)))]
    if len(rows) <= room:
        return [block for block, _ in rows]
    rest = [pair for _, numbered in rows[room - 1 :] for pair in numbered]
    return [*(block for block, _ in rows[: room - 1]), _rest(rest) if rest else _more_block()]


def _rest(numbered: Numbered) -> Block:
    """The actions on items that did not fit, in menus of up to 100 that name their item."""
    return ActionsBlock(
        elements=[
            StaticSelectElement(
                placeholder=_plain("Actions on more items", HEADER_TEXT),
                action_id=action_id(NOTICE, ITEM, numbered[start][0]),
                options=[
                    option(f"{a.action} {a.reference}", _named(a))
                    for _, a in numbered[start : start + MAX_MENU]
                ],
            )
            for start in range(0, len(numbered), MAX_MENU)
        ][:MAX_ELEMENTS]
    )


def _control(numbered: Numbered) -> InteractiveElement:
    """One item's control: its button, or a menu of its actions (overflow up to five)."""
    if len(numbered) == 1:
        ((index, a),) = numbered
        return button(a.label, NOTICE, a.action, index, a.reference, a.style)
    options = [option(f"{a.action} {a.reference}", _bare(a)) for _, a in numbered[:MAX_MENU]]
    name = action_id(NOTICE, ITEM, numbered[0][0])
    if len(options) <= MAX_OVERFLOW:
        return OverflowMenuElement(action_id=name, options=options)
    return StaticSelectElement(
        placeholder=_plain("Choose an action", HEADER_TEXT), action_id=name, options=options
    )


def _bare(action: NoticeAction) -> str:
    """An action's label on its item's own line: "VUL-18 done" reads "Done" there."""
    bare = action.label.removeprefix(f"{action.reference} ")
    return bare[:1].upper() + bare[1:]


def _named(action: NoticeAction) -> str:
    """An action's label away from its item's line: it names the item ("VUL-18 done")."""
    if action.label.startswith(action.reference):
        return action.label
    return f"{action.reference}: {action.label}"
