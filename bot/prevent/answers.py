"""Each Prevent form's confirmed answers as a typed value, read from the engine's answers once.

The engine has already checked every answer against its field; reading them again here turns
the loose dict into types the submitters can trust, and refuses (never passes on) an answer that
is missing or not one of the choices, such as a forged or stale form.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from bot.core.checks import Allowed, Check, Refused
from bot.prevent.action_forms import Referral, Remover
from bot.prevent.forms import CATEGORIES, LOCATION_TYPES, MARKINGS, threat_answers, without_gps
from bot.prevent.triage import Priority
from dialogs.messages import JsonValue

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)
Answers = Mapping[str, JsonValue]
CATEGORY_VALUES = frozenset(o.value for o in CATEGORIES)
LOCATION_TYPE_VALUES = frozenset(o.value for o in LOCATION_TYPES)
MARKING_VALUES = frozenset(o.value for o in MARKINGS)


class _Unusable(Exception):
    """An answer that is missing, of the wrong shape, or not one of its field's choices."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _read(build: Callable[[], T]) -> Check[T]:
    try:
        return Allowed(build())
    except _Unusable as unusable:
        return Refused(f"I can't use the answer for {unusable.name!r}; nothing was changed.")


def _text(answers: Answers, name: str) -> str:
    value = answers.get(name)
    if value is None or isinstance(value, dict | list):
        raise _Unusable(name)
    return str(value)


def _optional_text(answers: Answers, name: str) -> str | None:
    return None if answers.get(name) is None else _text(answers, name)


def _one_of(answers: Answers, name: str, values: Collection[str]) -> str:
    value = _text(answers, name)
    if value not in values:
        raise _Unusable(name)
    return value


def _member(answers: Answers, name: str, kind: type[E]) -> E:
    try:
        return kind(_text(answers, name))
    except ValueError:
        raise _Unusable(name) from None


def _marking(answers: Answers) -> str:
    """The handling marking; OFFICIAL when the answers carry none (the field's default)."""
    marking = answers.get("marking") or "official"
    if marking not in MARKING_VALUES:
        raise _Unusable("marking")
    return str(marking)


def _moment(answers: Answers, name: str) -> datetime:
    try:
        return datetime.fromisoformat(_text(answers, name))
    except ValueError:
        raise _Unusable(name) from None


def _mapping(answers: Answers, name: str) -> Mapping[str, JsonValue]:
    value = answers.get(name)
    if not isinstance(value, dict):
        raise _Unusable(name)
    return value


def _reference(answers: Answers) -> str:
    """The concern a locked field names (empty when absent: no concern has that reference)."""
    return str(answers.get("reference") or "")


@dataclass(frozen=True)
class Photo:
    """A photo attached to a report, as the channel stored it."""

    file_id: str
    name: str
    size: int
    mime_type: str
    sha256: str


def _photos(answers: Answers) -> tuple[Photo, ...]:
    value = answers.get("photos")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(p, dict) for p in value):
        raise _Unusable("photos")
    try:
        return tuple(
            Photo(
                str(p["file_id"]),
                str(p["name"]),
                int(str(p["size"])),
                str(p["mime_type"]),
                str(p["sha256"]),
            )
            for p in value
            if isinstance(p, dict)
        )
    except (KeyError, ValueError):
        raise _Unusable("photos") from None


@dataclass(frozen=True)
class ConcernReport:
    """A visual-audit concern as reported; `answers` keeps every answer for triage and storage."""

    answers: Answers
    category: str
    description: str
    location: Mapping[str, JsonValue]
    location_type: str
    seen_at: datetime
    marking: str
    photos: tuple[Photo, ...]

    @classmethod
    def read(cls, answers: Answers) -> Check[ConcernReport]:
        """The report, with the threat question's picks as the three answers triage reads, and
        without the GPS the photos carried (kept only as the location, if the reporter chose)."""
        answers = {**without_gps(answers), **threat_answers(answers)}
        return _read(
            lambda: cls(
                answers,
                _one_of(answers, "category", CATEGORY_VALUES),
                _text(answers, "description"),
                _mapping(answers, "location"),
                _one_of(answers, "location_type", LOCATION_TYPE_VALUES),
                _moment(answers, "seen_at"),
                _marking(answers),
                _photos(answers),
            )
        )


@dataclass(frozen=True)
class AssignAnswers:
    """Assign a concern to a colleague (by their directory email)."""

    reference: str
    assignee: str

    @classmethod
    def read(cls, answers: Answers) -> Check[AssignAnswers]:
        return _read(lambda: cls(_reference(answers), _text(answers, "assignee")))


@dataclass(frozen=True)
class DuplicateAnswers:
    """Mark a concern as a duplicate of an earlier one (`original`, normalised)."""

    reference: str
    original: str

    @classmethod
    def read(cls, answers: Answers) -> Check[DuplicateAnswers]:
        return _read(lambda: cls(_reference(answers), _text(answers, "original").strip().upper()))


@dataclass(frozen=True)
class ReferAnswers:
    """Record a referral made elsewhere, with that agency's reference if given."""

    reference: str
    referred_to: Referral
    their_reference: str | None

    @classmethod
    def read(cls, answers: Answers) -> Check[ReferAnswers]:
        return _read(
            lambda: cls(
                _reference(answers),
                _member(answers, "referred_to", Referral),
                _optional_text(answers, "referral_reference"),
            )
        )


@dataclass(frozen=True)
class RemovalAnswers:
    """Ask a team to remove what was reported, with an optional note ('' when none)."""

    reference: str
    remover: Remover
    note: str

    @classmethod
    def read(cls, answers: Answers) -> Check[RemovalAnswers]:
        return _read(
            lambda: cls(
                _reference(answers),
                _member(answers, "remover", Remover),
                _optional_text(answers, "note") or "",
            )
        )


@dataclass(frozen=True)
class RemovedAnswers:
    """The remover says it is removed, with an optional note ('' when none)."""

    reference: str
    note: str

    @classmethod
    def read(cls, answers: Answers) -> Check[RemovedAnswers]:
        return _read(lambda: cls(_reference(answers), _optional_text(answers, "note") or ""))


@dataclass(frozen=True)
class CannotRemoveAnswers:
    """The remover says it cannot be removed, and why."""

    reference: str
    reason: str

    @classmethod
    def read(cls, answers: Answers) -> Check[CannotRemoveAnswers]:
        return _read(lambda: cls(_reference(answers), _text(answers, "reason")))


@dataclass(frozen=True)
class NotOursAnswers:
    """The remover says it is not theirs, and which remover it should go to."""

    reference: str
    remover: Remover

    @classmethod
    def read(cls, answers: Answers) -> Check[NotOursAnswers]:
        return _read(lambda: cls(_reference(answers), _member(answers, "remover", Remover)))


@dataclass(frozen=True)
class PriorityAnswers:
    """Override the triage's priority, with the reason that is audited."""

    reference: str
    priority: Priority
    reason: str

    @classmethod
    def read(cls, answers: Answers) -> Check[PriorityAnswers]:
        def build() -> PriorityAnswers:
            label = _text(answers, "priority")
            if label not in Priority.__members__:
                raise _Unusable("priority")
            return cls(_reference(answers), Priority[label], _text(answers, "reason"))

        return _read(build)


@dataclass(frozen=True)
class CloseAnswers:
    """Close a concern with its outcome."""

    reference: str
    outcome: str

    @classmethod
    def read(cls, answers: Answers) -> Check[CloseAnswers]:
        return _read(lambda: cls(_reference(answers), _text(answers, "outcome")))


@dataclass(frozen=True)
class TensionAnswers:
    """Mark an area (a parsed location) as elevated tension for some days."""

    area: Mapping[str, JsonValue]
    days: int
    reason: str

    @classmethod
    def read(cls, answers: Answers) -> Check[TensionAnswers]:
        def build() -> TensionAnswers:
            try:
                days = int(_text(answers, "days"))
            except ValueError:
                raise _Unusable("days") from None
            return cls(_mapping(answers, "area"), days, _text(answers, "reason"))

        return _read(build)


@dataclass(frozen=True)
class TriggerAnswers:
    """Record a trigger event and when it happened."""

    description: str
    occurred_at: datetime

    @classmethod
    def read(cls, answers: Answers) -> Check[TriggerAnswers]:
        return _read(lambda: cls(_text(answers, "description"), _moment(answers, "occurred_at")))


@dataclass(frozen=True)
class AskAnswers:
    """A manager's question to the reporter of a concern."""

    reference: str
    question: str

    @classmethod
    def read(cls, answers: Answers) -> Check[AskAnswers]:
        return _read(lambda: cls(_reference(answers), _text(answers, "question")))


@dataclass(frozen=True)
class ReporterAnswers:
    """The reporter's answer to the question that waits on their concern."""

    reference: str
    answer: str

    @classmethod
    def read(cls, answers: Answers) -> Check[ReporterAnswers]:
        return _read(lambda: cls(_reference(answers), _text(answers, "answer")))
