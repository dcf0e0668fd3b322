"""CSV imports: all or nothing, every problem with its line number, re-imports update."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.services.imports import RefusedImport
from storage.models import Recommendation

HEADER = "reference,title,detail,source,theme,owner_email,owning_service,grade,due_date,status\n"


def write(tmp_path: Path, text: str, name: str = "recs.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


async def count(hub) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Recommendation))


async def test_reimporting_the_same_file_updates_and_never_duplicates(sample_hub, tmp_path):
    before = await count(sample_hub)
    path = write(
        tmp_path,
        HEADER
        + "VUL-01,A better title,,Vulnerability workshop 2016-12,process,jo@example.org,BID,,31/03/2027,in_progress\n",
    )
    [report] = await sample_hub.import_files([path], "recommendations")
    [again] = await sample_hub.import_files([path], "recommendations")
    assert (report.added, report.updated, again.updated) == (0, 1, 1)
    assert await count(sample_hub) == before
    async with sample_hub.database.transaction() as session:
        rec = await session.scalar(
            select(Recommendation).where(Recommendation.reference == "VUL-01")
        )
    assert rec.title == "A better title" and rec.due_date.isoformat() == "2027-03-31"


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("reference,title\nX-1,Thing\n", ["the header does not match a known file"]),
        (
            "reference,title,owner_email\nX-1,Thing,jo@example.org\n",
            ["line 1: missing column(s): source, status"],
        ),
        (
            HEADER
            + "X-1,T,,S,process,ghost@example.org,,,,in_progress\nX-2,T,,S,process,nobody@example.org,,,,in_progress\n",
            [
                "line 2: owner 'ghost@example.org' is not in the directory",
                "line 3: owner 'nobody@example.org' is not in the directory",
            ],
        ),
        (
            HEADER + "X-1,T,,S,process,jo@example.org,,,March 2027,in_progress\n",
            ["line 2: due_date 'March 2027' is not a date"],
        ),
        (
            HEADER
            + "X-1,T,,S,process,jo@example.org,,,,in_progress\nx-1,T,,S,process,jo@example.org,,,,done\n",
            ["line 3: reference 'x-1' already appears on line 2", "line 3: unknown status 'done'"],
        ),
        (HEADER + "X-1,,,S,process,jo@example.org,,,,in_progress\n", ["line 2: title is empty"]),
    ],
)
async def test_bad_files_are_refused_whole_with_line_numbers(sample_hub, tmp_path, text, problems):
    before = await count(sample_hub)
    path = write(tmp_path, text)
    with pytest.raises(RefusedImport) as refused:
        await sample_hub.import_files([path], "recommendations")
    for problem in problems:
        assert any(problem in line for line in refused.value.problems), refused.value.problems
    assert await count(sample_hub) == before


async def test_a_file_that_is_not_csv(sample_hub, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(RefusedImport, match="not a CSV"):
        await sample_hub.import_files([path], "recommendations")


async def test_a_good_row_is_not_applied_when_another_row_is_bad(sample_hub, tmp_path):
    before = await count(sample_hub)
    text = (
        HEADER
        + "NEW-1,Fine,,S,process,jo@example.org,,,,in_progress\nNEW-2,Bad,,S,process,ghost@example.org,,,,in_progress\n"
    )
    with pytest.raises(RefusedImport):
        await sample_hub.import_files([write(tmp_path, text)], "recommendations")
    assert await count(sample_hub) == before
