"""A record's reference as people type it: CN-2026-0001, IR-2026-0007, VUL-18.

Concerns and information requests are numbered by year (PREFIX-YYYY-NNNN); register items by a
short code and a number (VUL-18). Anything else shaped like a reference may be kept in an audit
row; nothing else is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dialogs.parsing import ascii_digits

RECORD = re.compile(r"\b([A-Z]{2,3})-(\d{4})-(\d{4,6})\b", re.IGNORECASE)
ITEM = re.compile(r"\b[A-Z]{2,5}-\d{1,3}\b", re.IGNORECASE)
SHAPE = re.compile(r"^[A-Z][A-Z0-9]{0,7}(?:-[A-Z0-9]{1,8}){1,3}$")
NOT_FOUND = "I can't find a record with that reference that you can see."
"""The answer for a record that is missing and for one the person may not see, alike."""


@dataclass(frozen=True)
class Reference:
    """One reference, upper-cased: `prefix` says which kind of record it names."""

    text: str

    @property
    def prefix(self) -> str:
        """The letters before the first dash: CN for CN-2026-0001."""
        return self.text.split("-")[0].upper()

    @classmethod
    def find(cls, text: str) -> Reference | None:
        """The first record reference (CN-2026-0001) in `text`, its digits read as ASCII."""
        found = RECORD.search(text)
        return cls(ascii_digits(found.group(0)).upper()) if found else None

    @classmethod
    def find_item(cls, text: str) -> Reference | None:
        """The first register item reference (VUL-18) in `text`, its digits read as ASCII."""
        found = ITEM.search(text)
        return cls(ascii_digits(found.group(0)).upper()) if found else None

    @classmethod
    def parse(cls, text: str) -> Reference | None:
        """`text` when it is one record reference and nothing else, digits kept as typed."""
        return cls(text.upper()) if RECORD.fullmatch(text) else None

    @classmethod
    def parse_item(cls, text: str) -> Reference | None:
        """`text` when it is one register item reference (VUL-18) and nothing else."""
        return cls(ascii_digits(text).upper()) if ITEM.fullmatch(text) else None

    @classmethod
    def shaped(cls, text: str) -> Reference | None:
        """`text` trimmed and upper-cased when it has the shape of a reference of any kind."""
        candidate = text.strip().upper()
        return cls(candidate) if SHAPE.match(candidate) else None
