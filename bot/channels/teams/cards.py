"""Adaptive Cards 1.5 for Teams: every card the bot sends is built here, from neutral items.

Hub text is plain text. `escape` makes it literal in TextBlock markdown, so nothing a user typed
can format, link or mention; button and choice titles are not markdown and are only trimmed.
Every text is bounded so that a card stays well inside Teams' message size limit. The `data` of
each Action.Submit says what was pressed (see `inbound.py`, which reads it back).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from dialogs.form import Field, FieldKind, FormDefinition
from dialogs.messages import (
    Ask,
    Command,
    Completed,
    Notice,
    NoticeAction,
    Option,
    Outbound,
    Say,
    Summary,
)
from dialogs.parsing import clean_text

Card = dict[str, Any]

VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_TEXT = 2000
MAX_TITLE = 200
MAX_SUMMARY_VALUE = 300
MAX_LABEL = 100
MIN_SHRUNK_TEXT = 80
MAX_BUTTON = 40
MAX_CHOICE = 100
MAX_CHOICES = 100
MAX_ACTIONS = 6
MAX_CARD_BYTES = 25_000
MAX_OPTION_BUTTONS = 4
MIN_FORM_FIELDS = 3

# The key naming what an Action.Submit does, and its values.
KIND = "saferhub"
CHOICE = "choice"
ANSWER = "answer"
COMMAND = "command"
FORM = "form"
FORM_CARD = "form_card"
ACTION = "action"
# Ids of the inputs on a question card.
ANSWER_INPUT = "answer"
ANSWER_TIME_INPUT = "answer_time"

POINTER = (
    "I've sent you a private message to carry on there, so nothing sensitive is posted in this "
    "channel."
)
TEAM_WELCOME = (
    "Hello, I'm Saferhub. Mention me here to report something you saw, ask a partner for "
    "information or check your actions: I'll carry on with you in a private chat, and reports "
    "and requests are never posted in this channel."
)
FORM_CARD_INTRO = (
    "Fill in what you can. Anything you leave blank, and any question that depends on your "
    "answers, I'll ask in chat afterwards."
)
NO_LONGER_AVAILABLE = "That button is no longer available."
ACTION_STYLES = {
    "primary": "positive",
    "positive": "positive",
    "danger": "destructive",
    "destructive": "destructive",
}

_INLINE = re.compile(r"([\\`*_~\[\](){}<>#|!&])")
_LIST_MARK = re.compile(r"^(\s*)([-+=])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)\.", re.MULTILINE)
_AUTOLINK = re.compile(r"(?i)(?<=:)(//)|(?<=www)(\.)")


def escape(text: str) -> str:
    """Plain text made literal in Adaptive Card markdown (no formatting, links or mentions).

    Markdown punctuation and angle brackets are backslash-escaped, list and heading marks at a
    line start too, and a zero-width space breaks `://` and `www.` so no URL is auto-linked.
    """
    lines = "\n".join(clean_text(line) for line in text.split("\n"))
    escaped = _INLINE.sub(r"\\\1", lines)
    escaped = _LIST_MARK.sub(r"\1\\\2", escaped)
    escaped = _NUMBERED.sub(r"\1\\.", escaped)
    return _AUTOLINK.sub(lambda m: "\u200b" + m.group(0), escaped)


def _fit(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, never leaving a dangling escape."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    trailing = len(cut) - len(cut.rstrip("\\"))
    if trailing % 2:
        cut = cut[:-1]
    return cut + "…"


def _plain(text: str, limit: int) -> str:
    """A button or choice title: no control characters, one line, bounded."""
    return _fit(" ".join(clean_text(text).split()), limit)


def text_block(
    text: str,
    *,
    limit: int = MAX_TEXT,
    weight: str = "",
    size: str = "",
    color: str = "",
    subtle: bool = False,
    spacing: str = "",
) -> Card:
    """One TextBlock of escaped, bounded text."""
    block: Card = {"type": "TextBlock", "text": _fit(escape(text), limit), "wrap": True}
    if weight:
        block["weight"] = weight
    if size:
        block["size"] = size
    if color:
        block["color"] = color
    if subtle:
        block["isSubtle"] = True
    if spacing:
        block["spacing"] = spacing
    return block


def paragraphs(text: str, **style: Any) -> list[Card]:
    """A multi-line text as one TextBlock per line (a single newline is no break in markdown)."""
    lines = [line for line in text.split("\n") if line.strip()]
    return [text_block(line, spacing="None" if i else "", **style) for i, line in enumerate(lines)]


def card(body: list[Card], actions: Sequence[Card] = ()) -> Card:
    """An Adaptive Card 1.5 as Teams expects it."""
    content: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        content["actions"] = list(actions)[:MAX_ACTIONS]
    return _shrunk_to_fit(content)


def _text_blocks(node: Any) -> list[Card]:
    if isinstance(node, dict):
        own = [node] if node.get("type") == "TextBlock" else []
        return own + [b for value in node.values() for b in _text_blocks(value)]
    if isinstance(node, list):
        return [b for item in node for b in _text_blocks(item)]
    return []


def _shrunk_to_fit(content: Card) -> Card:
    """Halve the longest texts until the card is within Teams' size limit."""
    blocks = _text_blocks(content)
    while card_size(content) > MAX_CARD_BYTES:
        longest = max(blocks, key=lambda b: len(b["text"]), default=None)
        if longest is None or len(longest["text"]) <= MIN_SHRUNK_TEXT:
            break
        longest["text"] = _fit(longest["text"], len(longest["text"]) // 2)
    return content


def submit(title: str, data: Mapping[str, Any], style: str = "") -> Card:
    """An Action.Submit button carrying `data` (Teams adds the card's input values to it)."""
    action: Card = {"type": "Action.Submit", "title": _plain(title, MAX_BUTTON), "data": dict(data)}
    if style:
        action["style"] = style
    return action


def _command(title: str, command: Command, argument: str = "", style: str = "") -> Card:
    return submit(title, {KIND: COMMAND, "command": command.value, "argument": argument}, style)


def _choices(options: Sequence[Option]) -> list[Card]:
    return [{"title": _plain(o.label, MAX_CHOICE), "value": o.value} for o in options[:MAX_CHOICES]]


def card_fields(form: FormDefinition) -> list[Field]:
    """The fields a whole-form card holds: asked, independent of other answers, card-friendly.

    Fields shown only for some answers (`when`), fields whose advice must follow their answer at
    once (the safety gates), suggestions, run-time option lists and photos are asked in chat.
    """
    return [
        f
        for f in form.fields
        if f.ask
        and f.when is None
        and not f.advice
        and f.suggest is None
        and not f.options_from
        and f.kind is not FieldKind.ATTACHMENT
    ]


def has_form_card(form: FormDefinition | None) -> bool:
    """Whether `form` is worth offering as one card."""
    return form is not None and len(card_fields(form)) >= MIN_FORM_FIELDS


def _offers_form_card(ask: Ask, forms: Mapping[str, FormDefinition]) -> bool:
    form = forms.get(ask.form_id)
    if form is None or not has_form_card(form):
        return False
    return ask.field == form.fields[0].name or any(f.name == ask.field for f in card_fields(form))


def ask_card(ask: Ask, preface: Sequence[str] = (), *, forms: Mapping[str, FormDefinition]) -> Card:
    """A question: its prompt, an input or buttons for its choices, Skip when optional, and the
    whole form as one card when one of `forms` (the hub's) is worth it."""
    body: list[Card] = [block for text in preface for block in paragraphs(text)]
    if ask.error:
        body.append(text_block(ask.error, color="Attention", weight="Bolder"))
    body.extend(paragraphs(ask.prompt, weight="Bolder"))
    if ask.help:
        body.append(text_block(ask.help, subtle=True, size="Small"))
    actions: list[Card] = []
    send = submit("Send", {KIND: ANSWER, "field": ask.field}, "positive")
    if ask.options and ask.kind != FieldKind.MULTI.value and len(ask.options) <= MAX_OPTION_BUTTONS:
        actions.extend(
            submit(o.label, {KIND: CHOICE, "field": ask.field, "value": o.value})
            for o in ask.options
        )
    elif ask.options:
        multi = ask.kind == FieldKind.MULTI.value
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": ANSWER_INPUT,
                "choices": _choices(ask.options),
                "isMultiSelect": multi,
                "style": "expanded" if multi else "compact",
                "placeholder": "Choose one",
            }
        )
        actions.append(send)
    elif ask.kind == FieldKind.DATE.value:
        body.append({"type": "Input.Date", "id": ANSWER_INPUT})
        actions.append(send)
    elif ask.kind == FieldKind.DATETIME.value:
        body.append({"type": "Input.Date", "id": ANSWER_INPUT})
        body.append({"type": "Input.Time", "id": ANSWER_TIME_INPUT})
        actions.append(send)
        actions.append(submit("Now", {KIND: CHOICE, "field": ask.field, "value": "now"}))
    elif ask.kind == FieldKind.NUMBER.value:
        body.append({"type": "Input.Number", "id": ANSWER_INPUT})
        actions.append(send)
    if ask.optional:
        actions.append(_command("Skip", Command.SKIP))
    if _offers_form_card(ask, forms):
        actions.append(submit("Fill in as one card", {KIND: FORM_CARD, "form": ask.form_id}))
    return card(body, actions)


def summary_card(summary: Summary, preface: Sequence[str] = ()) -> Card:
    """Every answer with an Edit button (but the record the form is about), then Confirm and
    Cancel."""
    body: list[Card] = [block for text in preface for block in paragraphs(text)]
    body.append(
        text_block(f"Please check your {summary.title.lower()}", weight="Bolder", size="Medium")
    )
    for row in summary.rows:
        value = "\n\n".join(
            escape(line) for line in row.value.split("\n") if line.strip()
        ) or escape("(none)")
        columns: list[Card] = [
            {
                "type": "Column",
                "width": 2,
                "items": [text_block(row.label, limit=MAX_LABEL, weight="Bolder")],
            },
            {
                "type": "Column",
                "width": 3,
                "items": [
                    {"type": "TextBlock", "text": _fit(value, MAX_SUMMARY_VALUE), "wrap": True}
                ],
            },
        ]
        if row.editable:
            edit = {"type": "ActionSet", "actions": [_command("Edit", Command.EDIT, row.field)]}
            columns.append({"type": "Column", "width": "auto", "items": [edit]})
        body.append({"type": "ColumnSet", "separator": True, "columns": columns})
    actions = [
        _command("Confirm", Command.CONFIRM, style="positive"),
        _command("Cancel", Command.CANCEL, style="destructive"),
    ]
    return card(body, actions)


def completed_card(done: Completed, preface: Sequence[str] = ()) -> Card:
    """A recorded form: its reference, prominent, and what happens next."""
    body: list[Card] = [block for text in preface for block in paragraphs(text)]
    body.append(
        text_block(f"Recorded: {done.reference}", weight="Bolder", size="Medium", color="Good")
    )
    body.extend(paragraphs(done.text))
    return card(body)


def notice_action(action: NoticeAction) -> Card:
    """A notice button; pressing it comes back as an ActionInput about its record."""
    data = {KIND: ACTION, "action": action.action, "reference": action.reference}
    return submit(action.label, data, ACTION_STYLES.get(action.style, ""))


def notice_card(notice: Notice, preface: Sequence[str] = ()) -> Card:
    """An alert, request, nudge or status, with its action buttons."""
    body: list[Card] = [block for text in preface for block in paragraphs(text)]
    body.append(text_block(notice.title, limit=MAX_TITLE, weight="Bolder", size="Medium"))
    body.extend(block for line in notice.lines for block in paragraphs(line))
    if notice.reference and notice.reference not in notice.title:
        body.append(text_block(f"Reference: {notice.reference}", subtle=True, size="Small"))
    return card(body, [notice_action(a) for a in notice.actions])


def say_card(texts: Sequence[str]) -> Card:
    """Statements with nothing to answer."""
    return card([block for text in texts for block in paragraphs(text)])


def reply_cards(items: Sequence[Outbound], forms: Mapping[str, FormDefinition]) -> list[Card]:
    """One turn's replies as cards: statements join the question or summary that follows them."""
    cards: list[Card] = []
    said: list[str] = []
    for item in items:
        match item:
            case Say(text=text):
                said.append(text)
                continue
            case Ask():
                cards.append(ask_card(item, said, forms=forms))
            case Summary():
                cards.append(summary_card(item, said))
            case Completed():
                cards.append(completed_card(item, said))
            case Notice():
                cards.append(notice_card(item, said))
        said = []
    if said:
        cards.append(say_card(said))
    return cards


def _form_input(spec: Field, value: str) -> Card:
    element: Card
    if spec.kind in (FieldKind.CHOICE, FieldKind.MULTI, FieldKind.YES_NO, FieldKind.YES_NO_UNSURE):
        options = spec.choices({})
        element = {
            "type": "Input.ChoiceSet",
            "choices": _choices(options),
            "isMultiSelect": spec.kind is FieldKind.MULTI,
            "style": "expanded" if len(options) <= 3 else "compact",
        }
    elif spec.kind is FieldKind.DATE:
        element = {"type": "Input.Date"}
    elif spec.kind is FieldKind.NUMBER:
        element = {"type": "Input.Number"}
        if spec.min_value is not None:
            element["min"] = spec.min_value
        if spec.max_value is not None:
            element["max"] = spec.max_value
    else:
        element = {
            "type": "Input.Text",
            "maxLength": spec.max_length,
            "isMultiline": spec.max_length > 300,
        }
        if spec.kind is FieldKind.DATETIME:
            element["placeholder"] = "now, 2 hours ago, or 21/11/2026 14:30"
    element["id"] = spec.name
    if element["type"] == "Input.ChoiceSet":
        known = {o.value for o in spec.choices({})}
        value = ",".join(v for v in value.split(",") if v in known)
    if value:
        element["value"] = value[: spec.max_length]
    return element


def form_card(
    form: FormDefinition,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """A whole form as one card, with earlier values kept and per-field errors shown."""
    values = values or {}
    errors = errors or {}
    body: list[Card] = [
        text_block(form.title, limit=MAX_TITLE, weight="Bolder", size="Medium"),
        text_block(FORM_CARD_INTRO, subtle=True),
    ]
    if errors:
        body.append(
            text_block("Some answers need another look.", color="Attention", weight="Bolder")
        )
    for spec in card_fields(form):
        body.append(text_block(spec.prompt, weight="Bolder", spacing="Medium"))
        body.append(_form_input(spec, values.get(spec.name, "")))
        if spec.name in errors:
            body.append(text_block(errors[spec.name], color="Attention", spacing="Small"))
    return card(body, [submit("Send", {KIND: FORM, "form": form.id}, "positive")])


def pointer_card() -> Card:
    """What the bot says in a team channel: only that it carries on privately."""
    return say_card([POINTER])


def team_welcome_card() -> Card:
    """The neutral hello posted when the bot is added to a team."""
    return say_card([TEAM_WELCOME])


def card_size(content: Card) -> int:
    """The card's size in bytes as JSON, to keep it under Teams' limit."""
    return len(json.dumps(content, ensure_ascii=False).encode())
