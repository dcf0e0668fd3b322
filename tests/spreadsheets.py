"""Reading an export back as a spreadsheet would, and the typed texts every export is tested with.

HOSTILE holds each start the OWASP CSV-injection guidance lists (a formula, a plus, a minus, an at,
a tab, a carriage return); an export must give each back as text behind a single quote.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from openpyxl import load_workbook

HOSTILE = ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tTabbed", "\rReturned")


def quoted(text: str, fmt: str) -> str:
    """`text` as an export gives it back: behind a quote; an XLSX's XML reads a CR as a line feed."""
    shown = "'" + text
    return shown.replace("\r", "\n") if fmt == "xlsx" else shown


def read_back(path: Path, fmt: str) -> list[dict[str, object]]:
    """The rows of a CSV (which must start with the UTF-8 BOM) or of an XLSX (with no formula)."""
    if fmt == "csv":
        raw = path.read_bytes()
        assert raw.startswith(codecs.BOM_UTF8), raw[:20]
        return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    sheet = load_workbook(path).active
    cells = [list(row) for row in sheet.iter_rows()]
    formulas = [cell.coordinate for row in cells for cell in row if cell.data_type == "f"]
    assert not formulas, f"formulas in {formulas}"
    header = [str(cell.value) for cell in cells[0]]
    return [dict(zip(header, (cell.value for cell in row), strict=True)) for row in cells[1:]]
