"""The register's forms' answers, typed: each form's answers are read in one place.

A choice the form no longer offers, or a change missing what it needs (its new owner, date or
rating), is refused rather than taken for something else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.core.unit import ServiceError
from bot.recommendations.forms.manage import DERIVED, Change
from bot.recommendations.forms.update import UpdateKind
from bot.recommendations.items import Rag
from dialogs.messages import JsonValue

UNKNOWN_ANSWER = "That answer is not one I can record (the form has changed); nothing was changed."


@dataclass(frozen=True)
class UpdateAnswers:
    """An owner's confirmed update: which item, what news, the note, and the rating or date."""

    recommendation: str
    kind: UpdateKind
    note: str
    rating: Rag | None
    new_due: date | None


@dataclass(frozen=True)
class ChangeAnswers:
    """A coordinator's confirmed change: which item, which change, why, and the new owner (an
    email), date or rating; `rating` None with the RAG change clears the override."""

    recommendation: str
    change: Change
    reason: str
    new_owner: str
    new_due: date | None
    rating: Rag | None


@dataclass(frozen=True)
class AddAnswers:
    """A coordinator's confirmed new item: its reference (upper case), what it is, its owner's
    email, and its due date if it has one."""

    reference: str
    title: str
    source: str
    owner: str
    theme: str
    owning_service: str
    due_date: date | None


def update_answers(answers: Mapping[str, JsonValue]) -> UpdateAnswers:
    """The update form's answers, typed."""
    rating, new_due = answers.get("rag"), answers.get("new_due")
    try:
        return UpdateAnswers(
            recommendation=str(answers.get("recommendation") or ""),
            kind=UpdateKind(str(answers.get("action"))),
            note=str(answers.get("note") or ""),
            rating=Rag(str(rating)) if rating else None,
            new_due=_day(new_due),
        )
    except ValueError as error:
        raise ServiceError(UNKNOWN_ANSWER) from error


def change_answers(answers: Mapping[str, JsonValue]) -> ChangeAnswers:
    """The change form's answers, typed."""
    rating = answers.get("rag")
    try:
        typed = ChangeAnswers(
            recommendation=str(answers.get("recommendation") or ""),
            change=Change(str(answers.get("change"))),
            reason=str(answers.get("reason") or ""),
            new_owner=str(answers.get("new_owner") or ""),
            new_due=_day(answers.get("new_due")),
            rating=Rag(str(rating)) if rating and rating != DERIVED else None,
        )
    except ValueError as error:
        raise ServiceError(UNKNOWN_ANSWER) from error
    missing = {
        Change.REASSIGN: not typed.new_owner,
        Change.DUE_DATE: typed.new_due is None,
        Change.RAG: not rating,
    }
    if missing.get(typed.change, False):
        raise ServiceError(UNKNOWN_ANSWER)
    return typed


def add_answers(answers: Mapping[str, JsonValue]) -> AddAnswers:
    """The new-item form's answers, typed."""
    return AddAnswers(
        reference=str(answers.get("reference") or "").strip().upper(),
        title=str(answers["title"]),
        source=str(answers["source"]),
        owner=str(answers["owner"]),
        theme=str(answers["theme"]),
        owning_service=str(answers.get("owning_service") or ""),
        due_date=_day(answers.get("due_date")),
    )


def _day(value: JsonValue) -> date | None:
    return date.fromisoformat(str(value)) if value else None
