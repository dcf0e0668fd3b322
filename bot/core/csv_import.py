"""Reading CSV files people export from spreadsheets: rows with line numbers, UK dates, lists.

A refused file names every problem with its line number; the importers that use this write
nothing unless the whole file is good.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path


class RefusedImport(ValueError):
    """The file was refused; `problems` lists each with its line number. Nothing was written."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    """What an import did."""

    kind: str
    added: int = 0
    updated: int = 0
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.kind}: {self.added} added, {self.updated} updated"


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; refuses files that are not readable CSV text."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise RefusedImport([f"{path.name}: not a CSV text file (it is not UTF-8 text)"]) from error
    except OSError as error:
        raise RefusedImport([f"{path.name}: cannot be read ({error.strerror})"]) from error
    if "\x00" in text or not text.strip():
        raise RefusedImport([f"{path.name}: not a CSV file (empty or binary)"])
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = []
    extra: list[str] = []
    try:
        for row in reader:
            surplus = row.get(None)
            if isinstance(surplus, list) and any(value.strip() for value in surplus):
                extra.append(
                    f"line {reader.line_num}: {len(surplus)} more value(s) than the header has "
                    "columns (a comma inside a title needs the title in double quotes)"
                )
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}))
    except csv.Error as error:
        raise RefusedImport([f"line {reader.line_num}: {error}"]) from error
    if extra:
        raise RefusedImport(extra)
    return header, rows


DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d/%m/%y",
    "%d %B %Y",
    "%d %b %Y",
)


def parse_date(raw: str) -> date:
    """A date as people type it in the UK: ISO (2026-03-31), 31/03/2026, 31.03.2026, 31 March 2026.

    Anything else is refused with the reason, including US month-first dates (03/31/2026) and the
    day numbers a spreadsheet shows for unformatted date cells (46112): neither is guessed.
    """
    text = " ".join(raw.split())
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    hint = ""
    if text.isdecimal() and 20000 < int(text) < 80000:
        hint = "; it looks like a spreadsheet day number: format the column as a date"
    elif _month_first(text):
        hint = "; it looks like month/day/year: write the day first"
    raise ValueError(f"'{raw[:40]}' is not a date (use 2026-03-31 or 31/03/2026{hint})")


def _month_first(text: str) -> bool:
    try:
        datetime.strptime(text, "%m/%d/%Y")
    except ValueError:
        return False
    return True


def split(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace(",", ";").split(";") if part.strip()]
