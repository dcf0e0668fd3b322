"""A form definition as a Slack modal, and a submitted modal as raw values for the engine.

The modal shows the fields that apply given the answers so far. Inputs that other fields depend
on dispatch their changes, and the view is rebuilt (`views.update`) so dependent fields appear as
the user answers. Photos and suggested answers (the lawful-basis helper) cannot be asked well in a
modal: they are left out and the conversation finishes them in the direct message. A submission
goes through `engine.submit_form` (in the turn loop), so a modal accepts exactly what chat accepts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
    InputBlock,
    InputInteractiveElement,
    NumberInputElement,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.channels.slack.actions import DATE, FIELD, NAME, action_id, local_time
from bot.channels.slack.markup import clip, escape, shorten
from bot.channels.slack.render import option
from dialogs.engine import FormContext, shown_help, shown_prompt, visible_fields
from dialogs.form import Field, FieldKind, FormDefinition
from dialogs.messages import JsonValue, Option
from dialogs.whole import decided, stopping_advice

CALLBACK_ID = "saferhub_form"
TITLE = 24
MAX_BLOCKS = 100
MAX_INPUT = 3000
RADIO_LIMIT = 5
CHECKBOX_LIMIT = 10
CHOICE_KINDS = (FieldKind.CHOICE, FieldKind.YES_NO, FieldKind.YES_NO_UNSURE)
IN_MODAL = (
    *CHOICE_KINDS,
    FieldKind.MULTI,
    FieldKind.TEXT,
    FieldKind.LOCATION,
    FieldKind.NUMBER,
    FieldKind.DATE,
    FieldKind.DATETIME,
)

Values = dict[str, str | list[str]]


@dataclass(frozen=True)
class ModalMeta:
    """What the modal carries in `private_metadata`: its form and the user's DM channel."""

    form_id: str
    channel: str

    def dumps(self) -> str:
        """The metadata as the JSON string Slack keeps with the view."""
        return json.dumps({"form": self.form_id, "channel": self.channel})

    @classmethod
    def loads(cls, text: str) -> ModalMeta | None:
        """The metadata we wrote, or None when it is missing or malformed."""
        try:
            data = json.loads(text or "{}")
        except (ValueError, RecursionError):
            return None
        if not isinstance(data, dict):
            return None
        form_id, channel = data.get("form"), data.get("channel")
        if not (isinstance(form_id, str) and NAME.match(form_id)):
            return None
        if not (isinstance(channel, str) and channel.isalnum() and len(channel) <= 40):
            return None
        return cls(form_id, channel)


def _asked_in_modal(spec: Field, ctx: FormContext) -> bool:
    if not spec.ask or spec.suggest is not None:
        return False
    if spec.kind in (*CHOICE_KINDS, FieldKind.MULTI):
        return bool(spec.choices(ctx.options))
    return spec.kind in IN_MODAL


def modal_fields(
    form: FormDefinition, answers: Mapping[str, JsonValue], ctx: FormContext
) -> list[Field]:
    """The fields the modal shows for these answers; none after an answer that ends the form."""
    shown: list[Field] = []
    for spec in visible_fields(form, answers, ctx.options):
        if not _asked_in_modal(spec, ctx) or not decided(spec.when, answers):
            continue
        shown.append(spec)
        if stopping_advice(spec, answers):
            break
    return shown[: (MAX_BLOCKS - 2) // 2]  # an input and at most one advice each


def block_errors(errors: Mapping[str, str], values: Values) -> dict[str, str]:
    """Errors per field as errors per input block, for `response_action: errors`.

    A field the modal did not show is reported on the first input, so no reason is lost.
    """
    shown = list(values)
    placed: dict[str, str] = {}
    for field, reason in errors.items():
        block = field if field in values else (shown[0] if shown else field)
        placed[block] = clip(f"{placed[block]} {reason}" if block in placed else reason, 2000)
    return placed


def form_view(
    form: FormDefinition,
    answers: Mapping[str, JsonValue],
    ctx: FormContext,
    meta: ModalMeta,
) -> dict[str, Any]:
    """The modal for `form`, showing `answers` (raw or recorded) as initial values."""
    timezone = ctx.now.tzinfo
    assert isinstance(timezone, ZoneInfo)
    blocks: list[Block] = [SectionBlock(block_id="intro", text=_mrkdwn(escape(form.intro)))]
    shown = modal_fields(form, answers, ctx)
    for spec in shown:
        blocks.append(
            InputBlock(
                block_id=spec.name,
                label=clip(shown_prompt(spec, ctx), 2000),
                hint=clip(shown_help(spec, ctx), 2000) if spec.help else None,
                element=_element(spec, answers.get(spec.name), ctx, timezone),
                optional=not spec.required,
                dispatch_action=spec.kind in (*CHOICE_KINDS, FieldKind.MULTI) or None,
            )
        )
        for advice in spec.advice:
            if advice.when.holds(answers, ctx.options):
                blocks.append(
                    SectionBlock(
                        block_id=f"advice_{spec.name}",
                        text=_mrkdwn(f":warning: {escape(advice.text)}"),
                    )
                )
                break
    stopped = bool(shown) and stopping_advice(shown[-1], answers)
    later = [
        f.label
        for f in visible_fields(form, answers, ctx.options)
        if f.ask and not _asked_in_modal(f, ctx) and f.name not in answers
    ]
    if stopped:
        note = "Nothing more will be asked or recorded. Submit or close this form to finish."
    elif later:
        note = (
            f"Next, in our direct message: {', '.join(later)}. You will check and confirm "
            "everything there before anything is recorded."
        )
    else:
        note = "You will check and confirm everything in our direct message before anything is recorded."
    blocks.append(ContextBlock(block_id="after", elements=[_mrkdwn(escape(note))]))
    view = View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=shorten(form.title, TITLE),
        submit="Continue",
        close="Cancel",
        private_metadata=meta.dumps(),
        blocks=blocks,
    )
    return dict(view.to_dict())


def message_view(title: str, text: str, close: str = "Close") -> dict[str, Any]:
    """A modal that only says something (an unfinished conversation, a stopping answer); pushed
    over another view, its `close` button goes back to that view."""
    view = View(
        type="modal",
        title=shorten(title, TITLE),
        close=close,
        blocks=[SectionBlock(text=_mrkdwn(escape(text)))],
    )
    return dict(view.to_dict())


def state_values(state: Mapping[str, Any], timezone: ZoneInfo) -> Values:
    """The raw value of every field input in a view's `state.values`, keyed by field name.

    Every input of ours is read, whichever form it claims to belong to: the turn loop refuses
    (and audits) a field the conversation does not offer, rather than it being dropped here.
    """
    values: Values = {}
    for name, block in (state.get("values") or {}).items():
        if not (isinstance(name, str) and NAME.match(name) and isinstance(block, Mapping)):
            continue
        element = block.get(action_id(FIELD, name))
        if isinstance(element, Mapping):
            values[name] = _value(element, timezone)
    return values


def as_answers(values: Values) -> dict[str, JsonValue]:
    """Raw modal values in the shape conditions and option lists read (answers so far)."""
    answers: dict[str, JsonValue] = {}
    for name, value in values.items():
        answers[name] = [*value] if isinstance(value, list) else value
    return answers


def _value(element: Mapping[str, Any], timezone: ZoneInfo) -> str | list[str]:
    kind = element.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        return [str(o.get("value", "")) for o in element.get("selected_options") or []]
    if kind in ("radio_buttons", "static_select"):
        return str((element.get("selected_option") or {}).get("value") or "")
    if kind == "datepicker":
        day = element.get("selected_date")
        return day if isinstance(day, str) and DATE.match(day) else ""
    if kind == "datetimepicker":
        return local_time(element.get("selected_date_time"), timezone) or ""
    return str(element.get("value") or "")


def _element(
    spec: Field, answer: JsonValue, ctx: FormContext, timezone: ZoneInfo
) -> InputInteractiveElement:
    name = action_id(FIELD, spec.name)
    options = spec.choices(ctx.options)
    if spec.kind in CHOICE_KINDS:
        initial = _initial_option(options, answer)
        if len(options) <= RADIO_LIMIT:
            return RadioButtonsElement(
                action_id=name,
                options=[option(o.value, o.label) for o in options],
                initial_option=initial,
            )
        return StaticSelectElement(
            action_id=name,
            placeholder="Choose one",
            options=[option(o.value, o.label) for o in options[:100]],
            initial_option=initial,
        )
    if spec.kind is FieldKind.MULTI:
        picked = answer if isinstance(answer, list) else []
        initial_options = [option(o.value, o.label) for o in options if o.value in picked] or None
        if len(options) <= CHECKBOX_LIMIT:
            return CheckboxesElement(
                action_id=name,
                options=[option(o.value, o.label) for o in options],
                initial_options=initial_options,
            )
        return StaticMultiSelectElement(
            action_id=name,
            placeholder="Choose all that apply",
            options=[option(o.value, o.label) for o in options[:100]],
            initial_options=initial_options,
        )
    if spec.kind is FieldKind.DATE:
        day = answer if isinstance(answer, str) and DATE.match(answer) else None
        return DatePickerElement(action_id=name, initial_date=day)
    if spec.kind is FieldKind.DATETIME:
        return DateTimePickerElement(
            action_id=name, initial_date_time=_epoch(answer, timezone) or int(ctx.now.timestamp())
        )
    if spec.kind is FieldKind.NUMBER:
        return NumberInputElement(
            action_id=name,
            is_decimal_allowed=False,
            min_value=spec.min_value,
            max_value=spec.max_value,
            initial_value=str(answer) if isinstance(answer, int | str) and answer != "" else None,
        )
    text = answer.get("text") if isinstance(answer, dict) else answer
    limit = min(spec.max_length, MAX_INPUT)
    return PlainTextInputElement(
        action_id=name,
        multiline=spec.max_length > 150,
        max_length=limit,
        initial_value=clip(text, limit) if isinstance(text, str) and text else None,
    )


def _initial_option(options: tuple[Option, ...], answer: JsonValue) -> Any:
    chosen = next((o for o in options if o.value == answer), None)
    return option(chosen.value, chosen.label) if chosen else None


def _epoch(answer: JsonValue, timezone: ZoneInfo) -> int | None:
    if not isinstance(answer, str) or not answer:
        return None
    try:
        moment = datetime.fromisoformat(answer)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone)
    return int(moment.timestamp())


def _mrkdwn(markup: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": markup or " ", "verbatim": True}
