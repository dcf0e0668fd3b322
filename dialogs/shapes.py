"""Shapes of inbound JSON: the keys a channel (or its SDK) reads, and the type each must have.

Pure checks, like the rest of the engine's handling of what arrives from outside (`cleaning`).

Platforms add keys freely, so keys a shape does not name pass unchecked. A key it names must have
its type when present (and be present when required), so that nothing downstream meets a string
where it indexes an object, or an id longer than the column that keeps it. `problem` names the
first path that does not fit, for a 400 and the log.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

MAX_ITEMS = 100
# No stored string may hold a NUL (PostgreSQL refuses it) or half of a UTF-16 pair (it cannot be
# encoded); neither is ever in text a person typed.
UNKEEPABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True)
class Text:
    """A string of at most `max_length` characters, matching `pattern` when one is given."""

    max_length: int = 40_000
    pattern: re.Pattern[str] | None = None

    def problem(self, value: object, path: str) -> str | None:
        if not isinstance(value, str):
            return f"{path} is not a string"
        if UNKEEPABLE.search(value):
            return f"{path} holds a character that is not text"
        if len(value) > self.max_length:
            return f"{path} is longer than {self.max_length} characters"
        if self.pattern is not None and not self.pattern.fullmatch(value):
            return f"{path} is not in the expected form"
        return None


@dataclass(frozen=True)
class Integer:
    """A whole number (not a boolean) between `minimum` and `maximum`."""

    minimum: int = -(2**53)
    maximum: int = 2**53

    def problem(self, value: object, path: str) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{path} is not a whole number"
        if not self.minimum <= value <= self.maximum:
            return f"{path} is out of range"
        return None


@dataclass(frozen=True)
class Boolean:
    """true or false."""

    def problem(self, value: object, path: str) -> str | None:
        return None if isinstance(value, bool) else f"{path} is not true or false"


@dataclass(frozen=True)
class Nullable:
    """`inner`, or null."""

    inner: Shape

    def problem(self, value: object, path: str) -> str | None:
        return None if value is None else self.inner.problem(value, path)


@dataclass(frozen=True)
class Either:
    """Any one of `options` (Slack sends some keys as an id or as an object)."""

    options: tuple[Shape, ...]

    def problem(self, value: object, path: str) -> str | None:
        problems = [option.problem(value, path) for option in self.options]
        return None if None in problems else problems[-1]


@dataclass(frozen=True)
class ListOf:
    """A list of at most `max_items` items, each of shape `item`."""

    item: Shape
    max_items: int = MAX_ITEMS
    min_items: int = 0

    def problem(self, value: object, path: str) -> str | None:
        if not isinstance(value, list):
            return f"{path} is not a list"
        if not self.min_items <= len(value) <= self.max_items:
            return f"{path} has {len(value)} items"
        for index, item in enumerate(value):
            found = self.item.problem(item, f"{path}[{index}]")
            if found:
                return found
        return None


@dataclass(frozen=True)
class MapOf:
    """An object whose keys are free (ids chosen by the platform) and whose values are `value`."""

    value: Shape
    max_items: int = MAX_ITEMS

    def problem(self, value: object, path: str) -> str | None:
        if not isinstance(value, dict):
            return f"{path} is not an object"
        if len(value) > self.max_items:
            return f"{path} has {len(value)} keys"
        for key, item in value.items():
            found = self.value.problem(item, f"{path}.{key}")
            if found:
                return found
        return None


@dataclass(frozen=True)
class Obj:
    """An object: the named `fields` have their shapes, the `required` ones are present.

    Each key in `nested` holds an object of this same shape again, and each key in
    `nested_lists` a list of them (SDKs look for ids recursively, through events, messages and
    their previous versions).
    """

    fields: Mapping[str, Shape] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    nested: frozenset[str] = frozenset()
    nested_lists: frozenset[str] = frozenset()

    def problem(self, value: object, path: str) -> str | None:
        if not isinstance(value, dict):
            return f"{path} is not an object"
        missing = sorted(self.required - value.keys())
        if missing:
            return f"{path}.{missing[0]} is missing"
        for name, shape in self.fields.items():
            if name in value:
                found = shape.problem(value[name], f"{path}.{name}")
                if found:
                    return found
        for name in sorted(self.nested & value.keys()):
            found = self.problem(value[name], f"{path}.{name}")
            if found:
                return found
        for name in sorted(self.nested_lists & value.keys()):
            found = ListOf(self).problem(value[name], f"{path}.{name}")
            if found:
                return found
        return None


Shape = Text | Integer | Boolean | Nullable | Either | ListOf | MapOf | Obj


def obj(*required: str, **fields: Shape) -> Obj:
    """An `Obj` with these fields, the names in `required` being required."""
    return Obj(fields, frozenset(required))


def problem(shape: Shape, value: object, path: str = "body") -> str | None:
    """The first part of `value` that does not fit `shape`, in words; None when it fits."""
    try:
        return shape.problem(value, path)
    except RecursionError:
        return f"{path} is nested too deeply"
