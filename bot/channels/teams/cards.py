"""Adaptive Cards 1.5 for Teams: every card the bot sends is built here, from neutral items.

Text that can hold what someone typed (statements, prompts, answers, notice lines, titles) goes
in RichTextBlock TextRuns, which no client reads as markdown, so nothing needs escaping; `<at>`
tags and web addresses are still broken by a zero-width space so that no client turns them into
a mention or a link. Only this module's own fixed sentences are TextBlocks. Every input has a
label for screen readers. Nothing the hub offers is dropped: buttons past the first few go to
the "..." overflow menu (`"mode": "secondary"`), and each item of a grouped notice gets its own
row of buttons. Every text is bounded so that a card stays inside Teams' message size limit. The
`data` of each Action.Submit says what was pressed (see `inbound.py`, which reads it back).
"""

from __future__ import annotations

import json
import re
from base64 import b64encode
from collections.abc import Mapping, Sequence
from typing import Any

from bot.conversation.overview import open_to_everyone
from bot.core.ports import Picture
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
MAX_BUTTON = 40  # Teams mobile shows about this much of a button title on one line
MAX_CHOICE = 100
MAX_ACTIONS = 6  # buttons Teams shows in one row; more go to the overflow menu
MAX_ITEM_ACTIONS = 3  # buttons shown for one item of a grouped notice; more go to its overflow
MAX_CARD_BYTES = 25_000  # Teams refuses a message over 28 KB
MAX_PHOTO_BYTES = 20_000  # what a card's photos (thumbnails as data URIs) take at most, in all
IMAGE_OVERHEAD = 200  # an Image element's JSON besides its URL and alt text
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
FIX_ANSWERS = "Some answers need another look."
HELP = "Help"
RECORDED = "\u2713 Recorded:"  # a check mark, so the reference does not rely on colour

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # how Input.Date holds a date
_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,6})?")
_MENTION = re.compile(r"(?i)<(?=/?at\b)")
_AUTOLINK = re.compile(r"(?i)(?<=:)(//)|(?<=www)(\.)")


def inert(text: str) -> str:
    """Plain text without control characters, where no `<at>` tag or web address can become a
    mention or a link (a zero-width space breaks them); nothing else is changed."""
    lines = "\n".join(clean_text(line) for line in text.split("\n"))
    lines = _MENTION.sub("<\u200b", lines)
    return _AUTOLINK.sub(lambda m: "\u200b" + m.group(0), lines)


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis, at a word when one ends late enough."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def _plain(text: str, limit: int) -> str:
    """A button, choice or input label: inert, one line, bounded."""
    return shorten(" ".join(inert(text).split()), limit)


def text_block(text: str, *, weight: str = "", color: str = "", subtle: bool = False) -> Card:
    """One TextBlock of this module's own fixed text (a TextBlock reads markdown)."""
    return _styled({"type": "TextBlock", "text": text, "wrap": True}, weight, color, subtle)


def _styled(element: Card, weight: str, color: str, subtle: bool) -> Card:
    """`element` with the text style given (nothing is set for what is not given)."""
    if weight:
        element["weight"] = weight
    if color:
        element["color"] = color
    if subtle:
        element["isSubtle"] = True
    return element


def rich(
    text: str,
    *,
    limit: int = MAX_TEXT,
    weight: str = "",
    size: str = "",
    color: str = "",
    subtle: bool = False,
    spacing: str = "",
) -> Card:
    """One line of text shown as it is: a RichTextBlock with one TextRun (never markdown)."""
    inline = _styled({"type": "TextRun", "text": shorten(text, limit)}, weight, color, subtle)
    if size:
        inline["size"] = size
    block: Card = {"type": "RichTextBlock", "inlines": [inline]}
    if spacing:
        block["spacing"] = spacing
    return block


def paragraphs(text: str, **style: Any) -> list[Card]:
    """A multi-line text as one RichTextBlock per non-blank line."""
    lines = [line for line in inert(text).split("\n") if line]
    return [rich(line, spacing="None" if i else "", **style) for i, line in enumerate(lines)]


def heading(text: str) -> list[Card]:
    """A title on one line, bold and larger (none when `text` is blank)."""
    return paragraphs(" ".join(text.split()), limit=MAX_TITLE, weight="Bolder", size="Medium")


def _overflowing(actions: Sequence[Card], shown: int) -> list[Card]:
    """`actions` in order, those past what fits in a row of `shown` moved to the overflow menu
    (which takes the last place in the row)."""
    if len(actions) <= shown:
        return list(actions)
    return [a if i < shown - 1 else {**a, "mode": "secondary"} for i, a in enumerate(actions)]


def card(body: list[Card], actions: Sequence[Card] = ()) -> Card:
    """An Adaptive Card 1.5 as Teams expects it, with every action (the first ones as buttons)."""
    content: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        content["actions"] = _overflowing(actions, MAX_ACTIONS)
    return _shrunk_to_fit(content)


def _texts(node: Any) -> list[Card]:
    if isinstance(node, dict):
        own = [node] if node.get("type") in ("TextBlock", "TextRun") else []
        return own + [b for value in node.values() for b in _texts(value)]
    if isinstance(node, list):
        return [b for item in node for b in _texts(item)]
    return []


def _shrunk_to_fit(content: Card) -> Card:
    """Halve the longest texts until the card is within Teams' size limit."""
    texts = _texts(content)
    while card_size(content) > MAX_CARD_BYTES:
        longest = max(texts, key=lambda b: len(b["text"]), default=None)
        if longest is None or len(longest["text"]) <= MIN_SHRUNK_TEXT:
            break
        longest["text"] = shorten(longest["text"], len(longest["text"]) // 2)
    return content


def submit(title: str, data: Mapping[str, Any], style: str = "", *, inputs: bool = True) -> Card:
    """An Action.Submit button carrying `data` (Teams adds the card's input values to it, and
    checks required inputs first, unless `inputs` is False)."""
    action: Card = {"type": "Action.Submit", "title": _plain(title, MAX_BUTTON), "data": dict(data)}
    if style:
        action["style"] = style
    if not inputs:
        action["associatedInputs"] = "none"
    return action


def _command(title: str, command: Command, argument: str = "", style: str = "") -> Card:
    data = {KIND: COMMAND, "command": command.value, "argument": argument}
    return submit(title, data, style, inputs=False)


def _named(verb: str, label: str) -> str:
    """A button title naming what it acts on: "Edit location" (an acronym keeps its case)."""
    words = " ".join(label.split())
    if len(words) > 1 and words[1].islower():
        words = words[0].lower() + words[1:]
    return f"{verb} {words}".strip()


def start_actions() -> list[Card]:
    """The buttons that start what anyone can start (the hub's own labels), then Help."""
    return [_command(s.label, Command.START, s.form_id) for s in open_to_everyone()] + [
        _command(HELP, Command.HELP)
    ]


def _choices(options: Sequence[Option]) -> list[Card]:
    return [{"title": _plain(o.label, MAX_CHOICE), "value": o.value} for o in options]


def _labelled(kind: str, input_id: str, label: str, error: str, required: bool) -> Card:
    """An input with its label, and when `required` the message a client shows if it is left
    empty."""
    element: Card = {"type": kind, "id": input_id, "label": _plain(label, MAX_LABEL)}
    if required:
        element["isRequired"] = True
        element["errorMessage"] = error
    return element


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


def _field(ask: Ask, forms: Mapping[str, FormDefinition]) -> Field | None:
    form = forms.get(ask.form_id)
    return next((f for f in form.fields if f.name == ask.field), None) if form else None


def ask_card(ask: Ask, preface: Sequence[str] = (), *, forms: Mapping[str, FormDefinition]) -> Card:
    """A question: its prompt, a labelled input or buttons for its choices, Skip when optional,
    and the whole form as one card when one of `forms` (the hub's) is worth it."""
    body: list[Card] = [block for text in preface for block in paragraphs(text)]
    if ask.error:
        body.extend(paragraphs(ask.error, color="Attention", weight="Bolder"))
    body.extend(paragraphs(ask.prompt, weight="Bolder"))
    if ask.help:
        body.extend(paragraphs(ask.help, subtle=True, size="Small"))
    spec = _field(ask, forms)
    label = spec.label if spec else ask.prompt
    required = not ask.optional
    actions: list[Card] = []
    send = submit("Send", {KIND: ANSWER, "field": ask.field}, "positive")
    if ask.options and ask.kind != FieldKind.MULTI.value and len(ask.options) <= MAX_OPTION_BUTTONS:
        actions.extend(
            submit(o.label, {KIND: CHOICE, "field": ask.field, "value": o.value}, inputs=False)
            for o in ask.options
        )
    elif ask.options:
        multi = ask.kind == FieldKind.MULTI.value
        error = "Choose at least one answer." if multi else "Choose an answer."
        choices = _labelled("Input.ChoiceSet", ANSWER_INPUT, label, error, required)
        choices["choices"] = _choices(ask.options)
        choices["isMultiSelect"] = multi
        choices["style"] = "expanded" if multi else "compact"
        if not multi:
            choices["placeholder"] = "Choose one"
        body.append(choices)
        actions.append(send)
    elif ask.kind == FieldKind.DATE.value:
        body.append(_labelled("Input.Date", ANSWER_INPUT, label, "Enter a date.", required))
        actions.append(send)
    elif ask.kind == FieldKind.DATETIME.value:
        body.append(
            _labelled("Input.Date", ANSWER_INPUT, f"{label}: date", "Enter a date.", required)
        )
        body.append(
            _labelled("Input.Time", ANSWER_TIME_INPUT, f"{label}: time", "Enter a time.", required)
        )
        actions.append(send)
        actions.append(
            submit("Now", {KIND: CHOICE, "field": ask.field, "value": "now"}, inputs=False)
        )
    elif ask.kind == FieldKind.NUMBER.value:
        number = _labelled("Input.Number", ANSWER_INPUT, label, "Enter a number.", required)
        if spec is not None and spec.min_value is not None:
            number["min"] = spec.min_value
        if spec is not None and spec.max_value is not None:
            number["max"] = spec.max_value
        body.append(number)
        actions.append(send)
    if ask.optional:
        actions.append(_command("Skip", Command.SKIP))
    if _offers_form_card(ask, forms):
        data = {KIND: FORM_CARD, "form": ask.form_id}
        actions.append(submit("Fill in as one card", data, inputs=False))
    return card(body, actions)


def summary_card(summary: Summary, preface: Sequence[str] = ()) -> Card:
    """Every answer with a button naming it to edit it (but the record the form is about), then
    Confirm and Cancel."""
    body: list[Card] = [block for text in preface for block in paragraphs(text)]
    body.extend(heading(f"Please check your {summary.title.lower()}"))
    for row in summary.rows:
        value = paragraphs(shorten(row.value.strip(), MAX_SUMMARY_VALUE)) or [rich("(none)")]
        name = paragraphs(" ".join(row.label.split()), limit=MAX_LABEL, weight="Bolder")
        columns: list[Card] = [
            {"type": "Column", "width": 2, "items": name or [rich("(no name)")]},
            {"type": "Column", "width": 3, "items": value},
        ]
        if row.editable:
            edit = _command(_named("Edit", row.label), Command.EDIT, row.field)
            columns.append({"type": "Column", "width": "auto", "items": [action_set([edit])]})
        body.append({"type": "ColumnSet", "separator": True, "columns": columns})
    actions = [
        _command("Confirm", Command.CONFIRM, style="positive"),
        _command("Cancel", Command.CANCEL, style="destructive"),
    ]
    return card(body, actions)


def completed_card(done: Completed, preface: Sequence[str] = ()) -> Card:
    """A recorded form: its reference, prominent (bold, in the text colour, with a check mark),
    and what happens next."""
    body: list[Card] = [block for text in preface for block in paragraphs(text)]
    body.extend(heading(f"{RECORDED} {done.reference}"))
    body.extend(paragraphs(done.text))
    return card(body)


def action_set(actions: Sequence[Card], shown: int = MAX_ACTIONS) -> Card:
    """Buttons in the body of a card, those past `shown` in their own overflow menu."""
    return {"type": "ActionSet", "actions": _overflowing(actions, shown)}


def notice_action(action: NoticeAction) -> Card:
    """A notice button; pressing it comes back as an ActionInput about its record. It has no
    style: these buttons are decisions, and none may look like the expected one."""
    data = {KIND: ACTION, "action": action.action, "reference": action.reference}
    return submit(action.label, data, inputs=False)


def _by_record(actions: Sequence[NoticeAction]) -> dict[str, list[Card]]:
    """A notice's buttons grouped by the record they act on, in the order offered."""
    groups: dict[str, list[Card]] = {}
    for action in actions:
        groups.setdefault(action.reference, []).append(notice_action(action))
    return groups


def notice_card(
    notice: Notice, preface: Sequence[str] = (), pictures: Sequence[Picture] = ()
) -> Card:
    """An alert, request, nudge or status with all its buttons: under the card when they act on
    one record, else a row for each record, under the line that names it. The record's photos
    (`pictures`, thumbnails) follow the lines, as many as the card has room for."""
    body: list[Card] = [block for text in preface for block in paragraphs(text)]
    body.extend(heading(notice.title))
    groups = _by_record(notice.actions)
    if len(groups) <= 1:
        body.extend(block for line in notice.lines for block in paragraphs(line))
        actions = [a for group in groups.values() for a in group]
    else:
        actions = []
        for line in notice.lines:
            body.extend(paragraphs(line))
            named = next((r for r in groups if line.strip().startswith(r)), None)
            if named is not None:
                body.append(action_set(groups.pop(named), MAX_ITEM_ACTIONS))
        body.extend(action_set(group, MAX_ITEM_ACTIONS) for group in groups.values())
    if pictures:
        room = MAX_CARD_BYTES - card_size(card([*body, *paragraphs(MORE_PHOTOS)], actions))
        body.extend(photo_blocks(pictures, notice.photos, min(room, MAX_PHOTO_BYTES)))
    if notice.reference and notice.reference not in notice.title:
        body.extend(paragraphs(f"Reference: {notice.reference}", subtle=True, size="Small"))
    return card(body, actions)


MORE_PHOTOS = "And 10 more photos are kept in the hub."  # the longest such line, to keep room


def photo_blocks(pictures: Sequence[Picture], count: int, room: int) -> list[Card]:
    """The photos as images carried in the card itself (Teams shows data URIs), as many as fit in
    `room` bytes, then how many more of the record's `count` are kept in the hub."""
    blocks: list[Card] = []
    used = 0
    for picture in pictures:
        url = f"data:{picture.mime_type};base64,{b64encode(picture.data).decode()}"
        cost = len(url) + len(picture.name) + IMAGE_OVERHEAD
        if used + cost > room:
            break
        blocks.append({"type": "Image", "url": url, "altText": picture.name, "size": "Medium"})
        used += cost
    left = max(count, len(pictures)) - len(blocks)
    if left:
        photos = f"{left} {'more ' if blocks else ''}photo{'s' if left > 1 else ''}"
        kept = f"{'And ' if blocks else ''}{photos} {'are' if left > 1 else 'is'} kept in the hub."
        blocks.extend(paragraphs(kept[0].upper() + kept[1:], subtle=True))
    return blocks


def say_card(texts: Sequence[str]) -> Card:
    """Statements with nothing to answer, and the buttons to start something or get help."""
    return card([block for text in texts for block in paragraphs(text)], start_actions())


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
    """A labelled input for one field of a whole-form card; none is required, as blanks are
    asked in chat afterwards."""
    kind = {FieldKind.DATE: "Input.Date", FieldKind.NUMBER: "Input.Number"}.get(
        spec.kind, "Input.Text"
    )
    if spec.kind in (FieldKind.CHOICE, FieldKind.MULTI, FieldKind.YES_NO, FieldKind.YES_NO_UNSURE):
        kind = "Input.ChoiceSet"
    element = _labelled(kind, spec.name, spec.prompt, "", required=False)
    if kind == "Input.ChoiceSet":
        options = spec.choices({})
        element["choices"] = _choices(options)
        element["isMultiSelect"] = spec.kind is FieldKind.MULTI
        element["style"] = "expanded" if len(options) <= 3 else "compact"
        known = {o.value for o in options}
        value = ",".join(v for v in value.split(",") if v in known)
    elif kind == "Input.Number":
        if spec.min_value is not None:
            element["min"] = spec.min_value
        if spec.max_value is not None:
            element["max"] = spec.max_value
    elif kind == "Input.Text":
        element["maxLength"] = spec.max_length
        element["isMultiline"] = spec.max_length > 300
        if spec.kind is FieldKind.DATETIME:
            element["placeholder"] = "now, 2 hours ago, or 21/11/2026 14:30"
    if kind == "Input.Number":
        number = value.strip()
        if _NUMBER.fullmatch(number):
            element["value"] = float(number) if "." in number else int(number)
    elif value and (kind != "Input.Date" or _DATE.fullmatch(value)):
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
    body: list[Card] = [*heading(form.title), text_block(FORM_CARD_INTRO, subtle=True)]
    if errors:
        body.append(text_block(FIX_ANSWERS, color="Attention", weight="Bolder"))
    for spec in card_fields(form):
        element = _form_input(spec, values.get(spec.name, ""))
        element["spacing"] = "Medium"
        body.append(element)
        if spec.name in errors:
            error = " ".join(errors[spec.name].split())
            body.extend(paragraphs(error, color="Attention", weight="Bolder"))
    return card(body, [submit("Send", {KIND: FORM, "form": form.id}, "positive")])


def pointer_card() -> Card:
    """What the bot says in a team channel: only that it carries on privately."""
    return card([text_block(POINTER)])


def team_welcome_card() -> Card:
    """The neutral hello posted when the bot is added to a team, with the buttons to start
    something (each carries on in the presser's private chat) or get help."""
    return card([text_block(TEAM_WELCOME)], start_actions())


def card_size(content: Card) -> int:
    """The card's size in bytes as JSON, to keep it under Teams' limit."""
    return len(json.dumps(content, ensure_ascii=False).encode())
