"""Form definitions as data: fields, their kinds, limits and `when` conditions.

A conversation is one `FormDefinition`. The engine runs it step by step in chat; channels may
render the same definition as one form (Slack modal, Teams card). Conditions are data, not
lambdas, so renderers and documentation can see which field controls which.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dialogs.messages import JsonValue, Option

Answers = Mapping[str, JsonValue]
Options = Mapping[str, tuple[Option, ...]]
NO_OPTIONS: Options = {}


class Starter(StrEnum):
    """Who may start a form."""

    PERSON = "person"
    """Anyone, by typing, a command, a shortcut or a whole-form submission."""
    HUB = "hub"
    """Only the hub: a notice button it sent, or the question it asks newcomers. Submitted data
    naming such a form never starts it."""


class FieldKind(StrEnum):
    """How an answer is asked for and parsed."""

    TEXT = "text"
    CHOICE = "choice"
    MULTI = "multi"
    YES_NO = "yes_no"
    YES_NO_UNSURE = "yes_no_unsure"
    DATE = "date"
    DATETIME = "datetime"
    LOCATION = "location"
    NUMBER = "number"
    ATTACHMENT = "attachment"


@dataclass(frozen=True)
class Eq:
    """True when `field` was answered with `value` (or, for multi fields, includes it)."""

    field: str
    value: str

    def holds(self, answers: Answers, options: Options = NO_OPTIONS) -> bool:
        answer = answers.get(self.field)
        if isinstance(answer, list):
            return self.value in answer
        return answer == self.value


@dataclass(frozen=True)
class In:
    """True when `field` was answered with one of `values`."""

    field: str
    values: tuple[str, ...]

    def holds(self, answers: Answers, options: Options = NO_OPTIONS) -> bool:
        answer = answers.get(self.field)
        if isinstance(answer, list):
            return any(v in answer for v in self.values)
        return answer in self.values


@dataclass(frozen=True)
class Not:
    """True when `condition` does not hold."""

    condition: Condition

    def holds(self, answers: Answers, options: Options = NO_OPTIONS) -> bool:
        return not self.condition.holds(answers, options)


@dataclass(frozen=True)
class AnyOf:
    """True when any of `conditions` holds."""

    conditions: tuple[Condition, ...]

    def holds(self, answers: Answers, options: Options = NO_OPTIONS) -> bool:
        return any(c.holds(answers, options) for c in self.conditions)


@dataclass(frozen=True)
class AllOf:
    """True when all of `conditions` hold."""

    conditions: tuple[Condition, ...]

    def holds(self, answers: Answers, options: Options = NO_OPTIONS) -> bool:
        return all(c.holds(answers, options) for c in self.conditions)


@dataclass(frozen=True)
class Offered:
    """True when the run-time option list `options_from` has at least one option.

    For a question that applies only when the caller has something to offer (the authorisers
    of the requester's organisation, when the chosen partner needs one).
    """

    options_from: str

    def holds(self, answers: Answers, options: Options = NO_OPTIONS) -> bool:
        return bool(options.get(self.options_from))


Condition = Eq | In | Not | AnyOf | AllOf | Offered


@dataclass(frozen=True)
class Advice:
    """Something to tell the user right after a field is answered in a way that matters.

    With `ends_form`, the conversation stops there (e.g. "about a person": signpost, collect
    nothing more). `text` may name run-time option lists as `{name}` (the person's own Prevent
    lead); `fallbacks` gives the words used for each when the list is empty.
    """

    when: Condition
    text: str
    ends_form: bool = False
    fallbacks: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """An answer proposed from earlier answers, with a note explaining it: the note is shown
    beside the suggestion and never becomes part of the answer."""

    answer: str
    note: str = ""


YES_NO: tuple[Option, ...] = (Option("yes", "Yes"), Option("no", "No"))
YES_NO_UNSURE: tuple[Option, ...] = (*YES_NO, Option("unsure", "Not sure"))


@dataclass(frozen=True)
class Field:
    """One question of a form.

    `options_from` names a list of options supplied at run time by the caller (partners from the
    directory, the user's recommendations), offered before any fixed `options` (such as "none of
    these"); `suggest` proposes an answer computed from earlier
    answers, which the user may accept or replace; `ask=False` fields take their `default` without
    a question and can still be edited from the summary. `implied` reads the answer from earlier
    answers (the kind of place from "the bus stop on Cheapside"); when it gives one the question
    is not asked, and the summary shows the answer to edit. A `locked` field holds what the hub
    filled in when it started the form (the record a button is about): it is never asked, edited
    or taken from submitted data.
    """

    name: str
    label: str
    kind: FieldKind
    prompt: str
    help: str = ""
    options: tuple[Option, ...] = ()
    options_from: str = ""
    required: bool = True
    max_length: int = 1000
    min_value: int | None = None
    max_value: int | None = None
    max_items: int = 4
    when: Condition | None = None
    ask: bool = True
    default: JsonValue = None
    suggest: Callable[[Answers], Suggestion | None] | None = None
    implied: Callable[[Answers, datetime], JsonValue] | None = None
    advice: tuple[Advice, ...] = ()
    not_future: bool = False
    future_only: bool = False
    locked: bool = False
    fills: tuple[tuple[str, str], ...] = ()

    def visible(self, answers: Answers, options: Options = NO_OPTIONS) -> bool:
        """Whether this field applies given the answers so far (and the run-time options)."""
        return self.when is None or self.when.holds(answers, options)

    def choices(self, dynamic: Options) -> tuple[Option, ...]:
        """The options on offer: those supplied for `options_from`, then the fixed ones."""
        if self.kind is FieldKind.YES_NO:
            return YES_NO
        if self.kind is FieldKind.YES_NO_UNSURE:
            return YES_NO_UNSURE
        if self.options_from:
            return (*dynamic.get(self.options_from, ()), *self.options)
        return self.options


@dataclass(frozen=True)
class FormDefinition:
    """A whole conversation: its title, its fields in order, and whether it ends with a confirm.

    Every form that records something ends with a summary and an explicit confirm; a one-question
    profile form may set `confirm=False` to take effect as soon as it is answered. `started_by`
    says who may start it.
    """

    id: str
    version: int
    title: str
    intro: str
    fields: tuple[Field, ...]
    confirm: bool = True
    started_by: Starter = Starter.PERSON

    def field(self, name: str) -> Field | None:
        """The field called `name`, if the form has one."""
        return next((f for f in self.fields if f.name == name), None)
