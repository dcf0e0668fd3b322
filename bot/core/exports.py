"""Tables people export and open in Excel: CSV (UTF-8 with a BOM in a file) or XLSX.

Every text cell a spreadsheet would take for a formula is neutralised with a leading single quote
(the OWASP CSV-injection guidance), so a location typed as `=HYPERLINK(...)` stays text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NEEDS_A_FILE = "An XLSX export is written to a file: give {option} FILE.xlsx."

Cell = str | int | float | None


class ExportFormat(StrEnum):
    """The spreadsheet formats every export can be written in."""

    CSV = "csv"
    XLSX = "xlsx"


def neutralised(value: Cell) -> Cell:
    """`value`, quoted if it is text a spreadsheet would run; our own numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Table:
    """One export: the sheet's name, the header row and the rows, in either format."""

    sheet: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def csv_text(self) -> str:
        """The table as CSV; CRLF line ends (RFC 4180), so a CR inside a cell is quoted too."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.header)
        writer.writerows(tuple(neutralised(value) for value in row) for row in self.rows)
        return buffer.getvalue()

    def xlsx_bytes(self) -> bytes:
        """The table as an XLSX workbook of one sheet, its text cells neutralised as in CSV."""
        # Imported here: openpyxl takes a quarter of a second to load, and only exports need it.
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(self.sheet)
        sheet.append(self.header)
        for row in self.rows:
            sheet.append(
                [
                    ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell
                    for cell in map(neutralised, row)
                ]
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()

    def rendered(self, fmt: str) -> str | bytes:
        """The table in `fmt` (an ExportFormat): CSV text, or the bytes of an XLSX workbook."""
        return self.xlsx_bytes() if fmt == ExportFormat.XLSX else self.csv_text()


def save(content: str | bytes, path: Path, fmt: str) -> None:
    """Write an export to `path`: bytes as they are, CSV as UTF-8 with a BOM (so Excel reads
    accents and £), any other text as UTF-8."""
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif fmt == ExportFormat.CSV:
        path.write_text(content, encoding="utf-8-sig", newline="")
    else:
        path.write_text(content, encoding="utf-8")
