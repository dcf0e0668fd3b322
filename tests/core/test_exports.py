"""The one way every export is written: formula starts quoted, numbers kept, a BOM for Excel."""

from __future__ import annotations

import csv
import io

import pytest

from bot.core.exports import ExportFormat, Table, neutralised, save
from tests.spreadsheets import HOSTILE, quoted, read_back


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_every_formula_start_is_quoted_and_our_numbers_stay_numbers(tmp_path, fmt):
    table = Table("Test", ("text", "count"), tuple((text, -2) for text in HOSTILE))
    path = tmp_path / f"table.{fmt}"
    save(table.rendered(fmt), path, fmt)
    rows = read_back(path, fmt)
    assert [row["text"] for row in rows] == [quoted(text, fmt) for text in HOSTILE]
    assert {row["count"] for row in rows} == {"-2" if fmt == "csv" else -2}


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_ordinary_text_is_left_as_it_is(tmp_path, fmt):
    texts = ("Cheapside", "O'Brien", "a = b", "Café on Rue de l'Église, £5")
    path = tmp_path / f"table.{fmt}"
    save(Table("Test", ("text",), tuple((text,) for text in texts)).rendered(fmt), path, fmt)
    assert [row["text"] for row in read_back(path, fmt)] == list(texts)
    assert [neutralised(value) for value in (3, 2.5, None, -1)] == [3, 2.5, None, -1]


def test_a_csv_file_starts_with_the_bom_and_other_text_does_not(tmp_path):
    save("a,b\r\n£,é\r\n", tmp_path / "t.csv", ExportFormat.CSV)
    save('{"a": "£"}\n', tmp_path / "t.json", "json")
    assert (tmp_path / "t.csv").read_bytes() == "\ufeffa,b\r\n£,é\r\n".encode()
    assert (tmp_path / "t.json").read_bytes() == '{"a": "£"}\n'.encode()


def test_a_carriage_return_inside_a_cell_keeps_the_row_whole():
    text = Table("Test", ("text", "n"), (("before\rafter", 1), ("next", 2))).csv_text()
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["text", "n"],
        ["before\rafter", "1"],
        ["next", "2"],
    ]


def test_control_characters_a_workbook_cannot_hold_are_dropped(tmp_path):
    path = tmp_path / "t.xlsx"
    save(Table("Test", ("text",), (("bell\x07 and\x1b escape",),)).rendered("xlsx"), path, "xlsx")
    assert read_back(path, "xlsx") == [{"text": "bell and escape"}]
