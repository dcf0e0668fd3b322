"""The pure dialog engine: (form, state, input, context) in, (new state, replies, submission) out.

State is the answers keyed by field name, never a step index: the next question is derived as the
first visible field still without an answer. Back, skip, edit from the summary, conditional
questions and half-finished modals then need no extra states, and a deploy that adds a field does
not break conversations in flight. No I/O and no clock: `FormContext.now` is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from dialogs.commands import parse_command
from dialogs.form import NO_OPTIONS, Advice, Field, FieldKind, FormDefinition, Options
from dialogs.messages import (
    Ask,
    ChoiceInput,
    Command,
    CommandInput,
    FileRef,
    FilesInput,
    FormInput,
    Input,
    JsonValue,
    Option,
    Outbound,
    Say,
    Summary,
    SummaryRow,
    TextInput,
)
from dialogs.parsing import YES_WORDS, clean_text, display_answer, option_number, parse_answer

MAX_ATTEMPTS = 3
ACCEPT_WORDS = {"ok", "okay", "accept", "yes", "use that", "use suggestion"}


@dataclass(frozen=True)
class FormContext:
    """What the engine may know of the world: local time and run-time option lists."""

    now: datetime
    options: Mapping[str, tuple[Option, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class DialogState:
    """A conversation in flight: which form, which answers, and what is being edited.

    `guess` is the answer offered by "Did you mean ...?" for the question just asked: a yes to
    the very next message takes it, and any message clears it.
    """

    form_id: str
    form_version: int
    answers: Mapping[str, JsonValue]
    editing: str = ""
    attempts: int = 0
    guess: JsonValue = None

    def to_json(self) -> dict[str, JsonValue]:
        """A JSON-ready dict for the dialog_session row."""
        return {
            "form_id": self.form_id,
            "form_version": self.form_version,
            "answers": dict(self.answers),
            "editing": self.editing,
            "attempts": self.attempts,
            "guess": self.guess,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JsonValue]) -> DialogState:
        """Rebuild a state saved by `to_json`."""
        answers = data.get("answers")
        return cls(
            form_id=str(data["form_id"]),
            form_version=int(str(data.get("form_version", 1))),
            answers=dict(answers) if isinstance(answers, dict) else {},
            editing=str(data.get("editing") or ""),
            attempts=int(str(data.get("attempts") or 0)),
            guess=data.get("guess"),
        )


class Outcome(StrEnum):
    """How a step left the conversation."""

    CONTINUE = "continue"
    SUBMIT = "submit"
    CANCELLED = "cancelled"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Step:
    """The result of one engine call.

    On SUBMIT, `answers` holds the visible answers (defaults filled in) for the service to record;
    `errors` maps field names to reasons when a whole form was submitted with bad values.
    """

    state: DialogState
    replies: tuple[Outbound, ...]
    outcome: Outcome = Outcome.CONTINUE
    errors: Mapping[str, str] = field(default_factory=dict)

    @property
    def answers(self) -> dict[str, JsonValue]:
        return dict(self.state.answers)


def visible_fields(
    form: FormDefinition, answers: Mapping[str, JsonValue], options: Options = NO_OPTIONS
) -> list[Field]:
    """The fields that apply given these answers (and the run-time options), in order."""
    return [f for f in form.fields if f.visible(answers, options)]


def next_field(
    form: FormDefinition, state: DialogState, options: Options = NO_OPTIONS
) -> Field | None:
    """The field to ask now: the one being edited, else the first visible unanswered one."""
    if state.editing:
        editing = form.field(state.editing)
        if editing is not None and editing.visible(state.answers, options):
            return editing
    for spec in visible_fields(form, state.answers, options):
        if spec.ask and spec.name not in state.answers:
            return spec
    return None


def completed_answers(
    form: FormDefinition, answers: Mapping[str, JsonValue], options: Options = NO_OPTIONS
) -> dict[str, JsonValue]:
    """Visible answers only, with defaults for fields that are not asked in chat."""
    result: dict[str, JsonValue] = {}
    for spec in visible_fields(form, {**answers, **result}, options):
        if spec.name in answers:
            result[spec.name] = answers[spec.name]
        elif not spec.ask:
            result[spec.name] = spec.default
    return result


def start(
    form: FormDefinition, ctx: FormContext, prefill: Mapping[str, JsonValue] | None = None
) -> Step:
    """Begin `form`, with any answers already recognised from the user's first message."""
    answers = implied_answers(form, dict(prefill or {}), ctx.now)
    return _prompt(form, DialogState(form.id, form.version, answers), ctx, (Say(form.intro),))


def resume(form: FormDefinition, state: DialogState, ctx: FormContext) -> Step:
    """Ask the current question again (or show the summary), e.g. when a user comes back."""
    return _prompt(form, replace(state, attempts=0, guess=None), ctx)


def advance(form: FormDefinition, state: DialogState, user_input: Input, ctx: FormContext) -> Step:
    """Apply one input to a conversation in flight."""
    guess, state = state.guess, replace(state, guess=None)
    if isinstance(user_input, TextInput):
        command = parse_command(user_input.text)
        if command is not None and not _is_answer_word(form, state, user_input.text, ctx):
            return _command(form, state, command, ctx)
        if guess is not None and _says_yes(user_input.text):
            taken = [str(v) for v in guess] if isinstance(guess, list) else str(guess)
            return _answer(form, state, taken, ctx)  # parsed again: the options may have changed
        return _answer(form, state, user_input.text, ctx)
    if isinstance(user_input, CommandInput):
        return _command(form, state, user_input, ctx)
    if isinstance(user_input, ChoiceInput):
        current = next_field(form, state, ctx.options)
        if current is None or user_input.field != current.name:
            return _prompt(form, state, ctx, (Say("That button belongs to an earlier question."),))
        return _answer(form, state, user_input.value, ctx)
    if isinstance(user_input, FilesInput):
        return _answer(form, state, user_input.files, ctx)
    if isinstance(user_input, FormInput):
        return submit_form(form, state, user_input.values, ctx)
    return _prompt(form, state, ctx)


def _is_answer_word(form: FormDefinition, state: DialogState, text: str, ctx: FormContext) -> bool:
    """A word such as 'stop' is an answer, not a command, when the question offers it."""
    current = next_field(form, state, ctx.options)
    if current is None or current.kind not in (FieldKind.CHOICE, FieldKind.MULTI):
        return False
    word = text.strip().lower()
    return any(word in (o.value.lower(), o.label.lower()) for o in current.choices(ctx.options))


NOT_OFFERED = "That question is not part of this form now."
CHOICE_KINDS = (FieldKind.CHOICE, FieldKind.MULTI, FieldKind.YES_NO, FieldKind.YES_NO_UNSURE)


def submit_form(
    form: FormDefinition,
    state: DialogState,
    values: Mapping[str, str | list[str]],
    ctx: FormContext,
) -> Step:
    """Apply a whole form at once; every value goes through the same parsers as chat answers.

    Nothing is kept when any value is refused, so a form never leaves half its answers behind;
    a field or option the form does not offer now (see `unoffered`) is refused, never ignored.
    """
    answers, errors, refused = _read_form(form, state, values, ctx)
    errors |= dict.fromkeys(refused, NOT_OFFERED)
    if errors:
        return Step(state, (), errors=errors)
    new_state = replace(state, answers=answers, editing="", attempts=0)
    answered = [spec for spec in form.fields if spec.name in values]
    return _advise(form, new_state, answered, ctx)


def unoffered(
    form: FormDefinition,
    state: DialogState,
    values: Mapping[str, str | list[str]],
    ctx: FormContext,
) -> tuple[str, ...]:
    """The names in a whole-form submission that this form does not offer now.

    That is a name that is no field of the form, a field the hub fills in (locked, or not asked),
    a photo (never part of a whole form), a field hidden by the answers, or a choice that is not
    one of the field's options. Only forged or out-of-date data names one.
    """
    return _read_form(form, state, values, ctx)[2]


def _read_form(
    form: FormDefinition,
    state: DialogState,
    values: Mapping[str, str | list[str]],
    ctx: FormContext,
) -> tuple[dict[str, JsonValue], dict[str, str], tuple[str, ...]]:
    """The answers a whole form gives, the reasons per refused value, and the unoffered names."""
    answers = dict(state.answers)
    seen = dict(state.answers)  # what conditions read: the answer, or the raw value it failed on
    errors: dict[str, str] = {}
    refused = [name for name in values if form.field(name) is None]
    for spec in form.fields:
        if spec.name not in values:
            continue
        raw = values[spec.name]
        if not _offered_in_form(spec, raw, seen, ctx):
            refused.append(spec.name)
            continue
        if (raw == "" or raw == []) and not spec.required:
            answers[spec.name] = seen[spec.name] = None
            continue
        parsed = parse_answer(spec, raw, spec.choices(ctx.options), ctx.now)
        if parsed.ok:
            answers[spec.name] = seen[spec.name] = parsed.value
        else:
            errors[spec.name] = parsed.error
            seen[spec.name] = raw if isinstance(raw, str) else [*raw]
    return answers, errors, tuple(refused)


def _offered_in_form(
    spec: Field, raw: str | list[str], answers: Mapping[str, JsonValue], ctx: FormContext
) -> bool:
    if not spec.ask or spec.locked or spec.kind is FieldKind.ATTACHMENT:
        return False
    if not spec.visible(answers, ctx.options):
        return False
    if spec.kind in CHOICE_KINDS:
        return _among(raw, spec.choices(ctx.options), spec.kind is FieldKind.MULTI)
    return True


def _among(raw: str | list[str], options: tuple[Option, ...], multi: bool) -> bool:
    """Whether every value picked is an option's value (nothing picked counts as offered)."""
    if isinstance(raw, list) and not multi:
        return False
    picked = raw if isinstance(raw, list) else raw.split(",") if multi else [raw]
    values = {o.value for o in options}
    return all(p.strip() in values for p in picked if p.strip())


def choice_offered(
    form: FormDefinition, state: DialogState, choice: ChoiceInput, ctx: FormContext
) -> bool:
    """Whether a button or menu pick could have been offered by this conversation.

    False for a field the form does not have or that the hub fills in, and for a value that is
    not among the options of the question asked now. A button for an earlier question of the
    same form is out of date, not forged: `advance` says so.
    """
    spec = form.field(choice.field)
    if spec is None or spec.locked:
        return False
    current = next_field(form, state, ctx.options)
    if current is None or current.name != spec.name:
        return True
    options = ask(form, current, state.answers, ctx).options
    return not options or _among(choice.value, options, current.kind is FieldKind.MULTI)


def _advise(
    form: FormDefinition, state: DialogState, answered: list[Field], ctx: FormContext
) -> Step:
    """Say the advice the new answers call for; stop there if one of them ends the form."""
    said: list[Outbound] = []
    for spec in answered:
        for advice in spec.advice:
            if advice.when.holds(state.answers, ctx.options):
                said.append(Say(_advice_text(advice, ctx)))
                if advice.ends_form:
                    return Step(state, tuple(said), Outcome.STOPPED)
    return _prompt(form, state, ctx, tuple(said))


def _advice_text(advice: Advice, ctx: FormContext) -> str:
    """The advice with each `{name}` replaced by that run-time list's labels, or its fallback."""
    return _filled(advice.text, advice.fallbacks, ctx)


def _filled(text: str, fills: tuple[tuple[str, str], ...], ctx: FormContext) -> str:
    """`text` with each `{name}` of `fills` replaced by that run-time list's labels joined by
    "or", or by its fallback words when the list is empty."""
    filled = {
        name: " or ".join(o.label for o in ctx.options.get(name, ())) or fallback
        for name, fallback in fills
    }
    return text.format_map(filled) if filled else text


def shown_prompt(spec: Field, ctx: FormContext) -> str:
    """The question as shown: its prompt with the run-time lists it names filled in."""
    return _filled(spec.prompt, spec.fills, ctx)


def shown_help(spec: Field, ctx: FormContext) -> str:
    """The question's help as shown, with the run-time lists it names filled in."""
    return _filled(spec.help, spec.fills, ctx)


def _answer(
    form: FormDefinition,
    state: DialogState,
    raw: str | list[str] | tuple[FileRef, ...],
    ctx: FormContext,
) -> Step:
    current = next_field(form, state, ctx.options)
    if current is None:
        return _prompt(
            form,
            state,
            ctx,
            (Say("Say confirm to submit, edit and a field name to change it, or cancel."),),
        )
    options = current.choices(ctx.options)
    if isinstance(raw, str):
        raw = _listed_option(ask(form, current, state.answers, ctx).options, raw)
    suggestion = current.suggest(state.answers) if current.suggest else None
    if suggestion and isinstance(raw, str) and raw.strip().lower() in ACCEPT_WORDS:
        raw = suggestion.answer
    parsed = parse_answer(current, raw, options, ctx.now)
    if not parsed.ok:
        attempts = state.attempts + 1
        error = parsed.error
        if attempts >= MAX_ATTEMPTS:
            error += " Type help for guidance, or cancel to stop."
        failed = replace(state, attempts=attempts, guess=parsed.guess)
        return _prompt(form, failed, ctx, error=error)
    answers = implied_answers(form, {**state.answers, current.name: parsed.value}, ctx.now)
    return _advise(form, replace(state, answers=answers, editing="", attempts=0), [current], ctx)


def _says_yes(text: str) -> bool:
    return clean_text(text).lower().rstrip(".!") in YES_WORDS | ACCEPT_WORDS


def implied_answers(
    form: FormDefinition, answers: Mapping[str, JsonValue], now: datetime
) -> dict[str, JsonValue]:
    """`answers` with every unanswered visible field that earlier answers imply filled in.

    Only after an answer arrives, never when a question is asked: going back to an implied
    answer then asks it, instead of implying it again.
    """
    result = dict(answers)
    for spec in form.fields:
        if spec.implied is None or spec.name in result or not spec.visible(result):
            continue
        value = spec.implied(result, now)
        if value is not None:
            result[spec.name] = value
    return result


def _listed_option(shown: tuple[Option, ...], raw: str) -> str:
    """The value of the option numbered `raw` in the list the question showed, else `raw`.

    Where buttons cannot be shown the options are listed with numbers, whatever the kind of
    question (a choice, yes or no, a suggestion to accept), so every such number is understood.
    """
    typed = clean_text(raw).lower()
    if any(typed in (o.value.lower(), o.label.lower()) for o in shown):
        return raw
    position = option_number(typed)
    if position is not None and 1 <= position <= len(shown):
        return shown[position - 1].value
    return raw


def _command(
    form: FormDefinition, state: DialogState, command: CommandInput, ctx: FormContext
) -> Step:
    current = next_field(form, state, ctx.options)
    match command.command:
        case Command.CANCEL:
            return Step(state, (Say("Cancelled. Nothing was recorded."),), Outcome.CANCELLED)
        case Command.START_OVER:
            kept = {
                f.name: state.answers[f.name]
                for f in form.fields
                if f.locked and f.name in state.answers
            }
            fresh = DialogState(form.id, form.version, kept)
            return _prompt(form, fresh, ctx, (Say("Starting again from the first question."),))
        case Command.HELP:
            text = shown_help(current, ctx) if current and current.help else _general_help(form)
            return _prompt(form, replace(state, attempts=0), ctx, (Say(text),))
        case Command.SKIP:
            if current is None:
                return _prompt(form, state, ctx)
            if current.required:
                return _prompt(
                    form, state, ctx, error="This question is needed, so it cannot be skipped."
                )
            answers = {**state.answers, current.name: None}
            return _prompt(form, replace(state, answers=answers, editing="", attempts=0), ctx)
        case Command.BACK:
            return _back(form, state, current, ctx)
        case Command.EDIT:
            return _edit(form, state, command.argument, ctx)
        case Command.CONFIRM:
            if current is not None:
                return _prompt(form, state, ctx, error="Not everything is answered yet.")
            final = replace(state, answers=completed_answers(form, state.answers, ctx.options))
            return Step(final, (), Outcome.SUBMIT)
    return _prompt(form, state, ctx)


def _general_help(form: FormDefinition) -> str:
    return (
        f"You are filling in: {form.title}. Answer the question, or say back, skip (for optional "
        "questions), edit and a field name, start over, or cancel."
    )


def _back(
    form: FormDefinition, state: DialogState, current: Field | None, ctx: FormContext
) -> Step:
    asked = [f for f in visible_fields(form, state.answers, ctx.options) if f.ask]
    position = asked.index(current) if current in asked else len(asked)
    earlier = [f for f in asked[:position] if f.name in state.answers]
    if not earlier:
        return _prompt(form, state, ctx, (Say("This is the first question."),))
    previous = earlier[-1]
    answers = {k: v for k, v in state.answers.items() if k != previous.name}
    return _prompt(form, replace(state, answers=answers, editing="", attempts=0), ctx)


def find_field(
    form: FormDefinition,
    answers: Mapping[str, JsonValue],
    name: str,
    options: Options = NO_OPTIONS,
) -> Field | None:
    """A visible field the person may change, named `name` or labelled so (case-insensitive,
    unique prefix allowed); never a locked one."""
    wanted = name.strip().lower().replace(" ", "_")
    candidates = [f for f in visible_fields(form, answers, options) if not f.locked]
    for spec in candidates:
        if wanted in (spec.name, spec.label.lower().replace(" ", "_")):
            return spec
    starts = [s for s in candidates if s.label.lower().replace(" ", "_").startswith(wanted)]
    return starts[0] if len(starts) == 1 else None


def _edit(form: FormDefinition, state: DialogState, name: str, ctx: FormContext) -> Step:
    spec = find_field(form, state.answers, name, ctx.options)
    if spec is None:
        names = ", ".join(
            f.label.lower()
            for f in visible_fields(form, state.answers, ctx.options)
            if not f.locked
        )
        return _prompt(
            form, state, ctx, (Say(f"There is no field called that. You can edit: {names}."),)
        )
    return _prompt(form, replace(state, editing=spec.name, attempts=0), ctx)


def _prompt(
    form: FormDefinition,
    state: DialogState,
    ctx: FormContext,
    said: tuple[Outbound, ...] = (),
    error: str = "",
) -> Step:
    """Ask the next question, or show the summary when everything is answered."""
    current = next_field(form, state, ctx.options)
    if current is None and not form.confirm:
        final = replace(
            state, answers=completed_answers(form, state.answers, ctx.options), editing=""
        )
        return Step(final, said, Outcome.SUBMIT)
    if current is None:
        return Step(replace(state, editing=""), (*said, summarise(form, state.answers, ctx)))
    return Step(state, (*said, ask(form, current, state.answers, ctx, error)))


def ask(
    form: FormDefinition,
    spec: Field,
    answers: Mapping[str, JsonValue],
    ctx: FormContext,
    error: str = "",
) -> Ask:
    """The question for `spec`, with its options and any suggestion computed from earlier answers."""
    prompt = shown_prompt(spec, ctx)
    options = spec.choices(ctx.options)
    suggestion = spec.suggest(answers) if spec.suggest else None
    if suggestion:
        note = f"\n{suggestion.note}" if suggestion.note else ""
        prompt = (
            f"{prompt}\nSuggested: {suggestion.answer}{note}\nSay ok to use it, or type your own."
        )
        options = (Option("ok", "Use the suggestion"),)
    return Ask(
        field=spec.name,
        kind=spec.kind.value,
        prompt=prompt,
        options=options,
        help=shown_help(spec, ctx),
        error=error,
        optional=not spec.required,
        form_id=form.id,
    )


def summarise(form: FormDefinition, answers: Mapping[str, JsonValue], ctx: FormContext) -> Summary:
    """Every visible answer, ready for edit buttons and a confirm."""
    final = completed_answers(form, answers, ctx.options)
    rows = tuple(
        SummaryRow(
            spec.name,
            spec.label,
            display_answer(spec, final.get(spec.name), spec.choices(ctx.options)),
            editable=not spec.locked,
        )
        for spec in visible_fields(form, final, ctx.options)
    )
    return Summary(form.id, form.title, rows)
