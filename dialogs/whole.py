"""A form shown whole (a Slack modal, a Teams card) rather than asked a field at a time.

Which fields can be shown for the answers so far, and whether an answer ends the form: what a
channel needs to lay out a whole form, decided by the form's own rules.
"""

from __future__ import annotations

from collections.abc import Mapping

from dialogs.engine import visible_fields
from dialogs.form import Condition, Eq, Field, FormDefinition, In, Not, Offered
from dialogs.messages import JsonValue


def decided(condition: Condition | None, answers: Mapping[str, JsonValue]) -> bool:
    """Whether every field `condition` looks at has been answered (so it can be shown)."""
    if condition is None or isinstance(condition, Offered):
        return True  # run-time options are known whenever the form is shown
    if isinstance(condition, Eq | In):
        return answers.get(condition.field) not in (None, "", [])
    if isinstance(condition, Not):
        return decided(condition.condition, answers)
    return all(decided(c, answers) for c in condition.conditions)


def stopping_advice(spec: Field, answers: Mapping[str, JsonValue]) -> str:
    """The advice that ends the form after `spec`, when the answers trigger it."""
    return next((a.text for a in spec.advice if a.ends_form and a.when.holds(answers)), "")


def form_stop(form: FormDefinition, answers: Mapping[str, JsonValue]) -> str:
    """The advice that ends the form, if the answers given reached one."""
    for spec in visible_fields(form, answers):
        advice = stopping_advice(spec, answers) if spec.name in answers else ""
        if advice:
            return advice
    return ""
