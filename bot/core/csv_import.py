"""Reading CSV files people export from spreadsheets: rows with line numbers, UK dates, lists.

A domain registers each kind of file it imports (`CsvKind`); a file is recognised by its header
and handed to its importer. A refused file names every problem with its line number; the
importers write nothing unless the whole file is good, and a re-import updates rather than
duplicates.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from bot.core.unit import UnitOfWork


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


Rows = list[tuple[int, dict[str, str]]]
"""A file's rows, each with its line number."""


@dataclass(frozen=True)
class CsvKind:
    """A kind of file a domain imports: the columns that identify it, all its columns, those
    that must be present, and what importing it does."""

    name: str
    signature: frozenset[str]
    columns: tuple[str, ...]
    required: tuple[str, ...]
    run: Callable[[UnitOfWork, Rows], Awaitable[ImportReport]]


def detect_kind(header: Iterable[str], kinds: Sequence[CsvKind]) -> CsvKind | None:
    """The kind whose identifying columns the header has; of several, the one sharing the most
    columns with it (an agreements file also has the register's `reference` and `owner_email`)."""
    columns = set(header)
    matching = [kind for kind in kinds if kind.signature <= columns]
    return max(matching, key=lambda kind: len(columns & set(kind.columns)), default=None)


async def import_file(
    uow: UnitOfWork, path: Path, kinds: Sequence[CsvKind], expected: str | None = None
) -> ImportReport:
    """Import one CSV file of any registered kind (or only of `expected`), all or nothing."""
    header, rows = read_csv(path)
    kind = checked_kind(header, kinds, expected, path.name)
    return await kind.run(uow, rows)


def checked_kind(
    header: list[str], kinds: Sequence[CsvKind], expected: str | None, name: str
) -> CsvKind:
    """The kind of file `header` (of the file called `name`) starts, with every column it
    requires; refused, saying what was expected, when none (or not `expected`)."""
    kind = detect_kind(header, kinds)
    if expected and (kind is None or kind.name != expected):
        kind = None
    if kind is None and len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "semicolons" if ";" in header[0] else "tabs"
        raise RefusedImport(
            [f"line 1: the columns are separated by {separator}; save the file as CSV (commas)"]
        )
    if kind is None:
        raise RefusedImport(
            [
                f"{name}: the header does not match a known file. Expected one of:",
                *(f"  {k.name}: " + ",".join(k.columns) for k in kinds),
            ]
        )
    missing = [c for c in kind.required if c not in header]
    if missing:
        raise RefusedImport([f"line 1: missing column(s): {', '.join(missing)}"])
    return kind


def duplicates(rows: Rows, key: str) -> list[str]:
    """A problem for each row repeating an earlier row's `key` (case-insensitively)."""
    seen: dict[str, int] = {}
    problems = []
    for line, row in rows:
        value = row.get(key, "").lower()
        if value in seen:
            problems.append(
                f"line {line}: {key} '{row[key]}' already appears on line {seen[value]}"
            )
        seen.setdefault(value, line)
    return problems


def blank(line: int, row: dict[str, str], columns: Iterable[str]) -> list[str]:
    """A problem for each of `columns` left empty in `row`."""
    return [f"line {line}: {c} is empty" for c in columns if not row.get(c)]


def csv_text(path: Path) -> str:
    """A CSV file's text; refused, naming the file, when it is not readable UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RefusedImport([f"{path.name}: cannot be read ({error.strerror})"]) from error
    return decoded(data, path.name)


def decoded(data: bytes, name: str) -> str:
    """The text of a CSV file's bytes (an upload's, say), its line ends made "\\n" as reading
    a file in text mode makes them; refused, naming the file, when they are not UTF-8 text."""
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        raise RefusedImport([f"{name}: not a CSV text file (it is not UTF-8 text)"]) from error
    if "\x00" in text or not text.strip():
        raise RefusedImport([f"{name}: not a CSV file (empty or binary)"])
    return text


def read_csv(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header and (line number, row) pairs; refuses files that are not readable CSV text."""
    return parse_csv(csv_text(path))


def parse_csv(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """A CSV text's header and (line number, row) pairs; refuses malformed rows by line."""
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
