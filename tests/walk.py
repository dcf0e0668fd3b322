"""Reaching every question of a form by answering the earlier ones validly, conditions included.

The route to a question answers each question before it with a plain valid answer; only the
questions its condition depends on (directly or through their own conditions) are tried with
each of their options, so the search stays small. Answers that end a form early (advice with
`ends_form`) are never chosen. A question that earlier answers imply is reached the way a person
reaches it, by editing it from the summary. Options come from the caller: the hub's real option lists for a
given actor, or fixed ones for the pure engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from dialogs import engine
from dialogs.engine import DialogState, FormContext, Outcome
from dialogs.form import (
    AllOf,
    AnyOf,
    Condition,
    Eq,
    Field,
    FieldKind,
    FormDefinition,
    In,
    Not,
    Offered,
)
from dialogs.messages import FileRef, FilesInput, Input, JsonValue, Option, TextInput

Options = Callable[[Mapping[str, JsonValue]], Mapping[str, tuple[Option, ...]]]
PHOTO = FileRef("F0PHOTO", "photo.jpg", 2048, "image/jpeg", "0" * 64)
SUMMARY = "(summary)"


@dataclass(frozen=True)
class Route:
    """The answers that lead from a form's first question to `field` (or to its summary).

    `prefill` holds answers to questions that are not asked (the system fills them in when it
    opens the form, such as the decision of an "approve in part" button).
    """

    form: FormDefinition
    field: str
    prefill: Mapping[str, JsonValue]
    inputs: tuple[Input, ...]


def _fields_in(condition: Condition | None) -> set[str]:
    match condition:
        case Eq(field=name) | In(field=name):
            return {name}
        case Not(condition=inner):
            return _fields_in(inner)
        case AnyOf(conditions=inner) | AllOf(conditions=inner):
            return set().union(*(_fields_in(c) for c in inner))
    return set()


def _offers_in(condition: Condition | None) -> bool:
    match condition:
        case Offered():
            return True
        case Not(condition=inner):
            return _offers_in(inner)
        case AnyOf(conditions=inner) | AllOf(conditions=inner):
            return any(_offers_in(c) for c in inner)
    return False


def depends_on(form: FormDefinition, spec: Field) -> set[str]:
    """The fields whose answers decide whether `spec` is asked, through any chain of conditions.

    A question asked only when a run-time list has options (`Offered`) may depend on any earlier
    question whose own options come at run time (the authorisers follow the partner chosen).
    """
    found: set[str] = set()
    todo = _fields_in(spec.when)
    if _offers_in(spec.when):
        earlier = form.fields[: form.fields.index(spec)]
        todo |= {f.name for f in earlier if f.options_from}
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            other = form.field(name)
            todo |= _fields_in(other.when) if other else set()
    return found


def valid_inputs(spec: Field, options: tuple[Option, ...]) -> list[Input]:
    """Plain valid answers to `spec`, every option for the kinds that have them."""
    match spec.kind:
        case FieldKind.CHOICE | FieldKind.MULTI:
            return [TextInput(o.value) for o in options]
        case FieldKind.YES_NO:
            return [TextInput("no"), TextInput("yes")]
        case FieldKind.YES_NO_UNSURE:
            return [TextInput("no"), TextInput("yes"), TextInput("not sure")]
        case FieldKind.DATE:
            return [TextInput("today")]
        case FieldKind.DATETIME:
            return [TextInput("now")]
        case FieldKind.LOCATION:
            return [TextInput("Cheapside")]
        case FieldKind.NUMBER:
            return [TextInput(str(spec.min_value if spec.min_value is not None else 1))]
        case FieldKind.ATTACHMENT:
            return [FilesInput((PHOTO,))]
    return [TextInput("A plain answer")]


def prefills(form: FormDefinition, names: set[str]) -> list[dict[str, JsonValue]]:
    """Every combination of values for the questions in `names` that are not asked."""
    combinations: list[dict[str, JsonValue]] = [{}]
    for spec in form.fields:
        if spec.name in names and not spec.ask:
            values = [o.value for o in spec.choices({})] or [spec.default]
            combinations = [{**c, spec.name: v} for c in combinations for v in values]
    return combinations


def routes(form: FormDefinition, options: Options, now: datetime) -> tuple[list[Route], set[str]]:
    """A route to every question of `form` and to its summary, and the questions none reaches."""
    targets = [(f.name, depends_on(form, f)) for f in form.fields if f.ask]
    if form.confirm:
        targets.append((SUMMARY, {f.name for f in form.fields if f.ask}))
    found: list[Route] = []
    for target, branching in targets:
        for prefill in prefills(form, branching):
            start = engine.start(form, FormContext(now, options(prefill)), prefill).state
            inputs = _reach(form, options, now, start, target, branching)
            if inputs is not None:
                found.append(Route(form, target, prefill, tuple(inputs)))
                break
    return found, {name for name, _ in targets} - {r.field for r in found}


def _reach(
    form: FormDefinition,
    options: Options,
    now: datetime,
    state: DialogState,
    target: str,
    branching: set[str],
) -> list[Input] | None:
    current = engine.next_field(form, state, options(state.answers))
    if current is None:
        return [] if target == SUMMARY else _edited(form, state, target)
    if current.name == target:
        return []
    ctx = FormContext(now, options(state.answers))
    for answer in valid_inputs(current, current.choices(ctx.options)):
        step = engine.advance(form, state, answer, ctx)
        if step.outcome is not Outcome.CONTINUE or current.name not in step.state.answers:
            continue
        rest = _reach(form, options, now, step.state, target, branching)
        if rest is not None:
            return [answer, *rest]
        if current.name not in branching:
            return None
    return None


def _edited(form: FormDefinition, state: DialogState, target: str) -> list[Input] | None:
    """From the summary, the edit that asks `target`, when earlier answers implied it."""
    spec = form.field(target)
    if spec is None or spec.implied is None or target not in state.answers:
        return None
    return [TextInput(f"edit {target}")]
