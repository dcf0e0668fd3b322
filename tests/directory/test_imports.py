"""CSV imports: all or nothing, every problem with its line number, re-imports update."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.csv_import import RefusedImport
from storage.models import Person as PersonModel
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


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "reference;title;source;owner_email;status\nX-1;T;S;jo@example.org;in_progress\n",
            ["line 1: the columns are separated by semicolons; save the file as CSV (commas)"],
        ),
        (
            HEADER + "X-1,Title, with a comma,,S,process,jo@example.org,,,,in_progress\n",
            ["line 2: 1 more value(s) than the header has columns (a comma inside a title"],
        ),
        (
            HEADER + "X-1,T,,S,process,jo@example.org,,,03/31/2027,in_progress\n",
            ["line 2: due_date '03/31/2027' is not a date", "looks like month/day/year"],
        ),
        (
            HEADER + "X-1,T,,S,process,jo@example.org,,,46112,in_progress\n",
            ["line 2: due_date '46112' is not a date", "spreadsheet day number"],
        ),
        (
            HEADER + "VUL 01,T,,S,process,jo@example.org,,,,in_progress\n",
            ["line 2: reference 'VUL 01' may contain only letters, digits and - _ . /"],
        ),
        (
            HEADER + "X-1," + "T" * 301 + ",,S,process,jo@example.org,,,,in_progress\n",
            ["line 2: title is longer than 300 characters"],
        ),
        (
            HEADER
            + "X-1,T,,S,process,ghost@example.org,,,,in_progress\n"
            + "X-2,T,,S,process,ghost@example.org,,,,in_progress\n"
            + "X-3,T,,S,process,nobody@example.org,,,,in_progress\n",
            [
                "line 3: owner 'ghost@example.org' is not in the directory",
                "2 unknown owner(s), not created by an import (add them with 'saferhub "
                "directory import' first): ghost@example.org, nobody@example.org",
            ],
        ),
    ],
)
async def test_more_bad_files_are_refused_whole_with_line_numbers(
    sample_hub, tmp_path, text, problems
):
    before = (await count(sample_hub), await people(sample_hub))
    with pytest.raises(RefusedImport) as refused:
        await sample_hub.import_files([write(tmp_path, text)], "recommendations")
    for problem in problems:
        assert any(problem in line for line in refused.value.problems), refused.value.problems
    # Nothing applied, and unknown owners are listed, never created.
    assert (await count(sample_hub), await people(sample_hub)) == before


async def people(hub) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(PersonModel))


async def test_dates_and_labels_as_people_write_them_and_the_first_nudge_is_planned(
    sample_hub, tmp_path
):
    text = (
        HEADER
        + 'NEW-1,"Training, refreshed",,Review 2027,Training,pat@example.org,,,31 March 2027,In progress\n'
        + "NEW-2,Second,,Review 2027,process,pat@example.org,,,31.03.2027,closed-verified\n"
    )
    [report] = await sample_hub.import_files([write(tmp_path, text)], "recommendations")
    assert (report.added, report.updated) == (2, 0)
    async with sample_hub.database.transaction() as session:
        rows = {
            r.reference: r
            for r in await session.scalars(
                select(Recommendation).where(Recommendation.source == "Review 2027")
            )
        }
    first, second = rows["NEW-1"], rows["NEW-2"]
    assert (first.title, first.theme, first.status) == (
        "Training, refreshed",
        "training",
        "in_progress",
    )
    assert first.due_date.isoformat() == second.due_date.isoformat() == "2027-03-31"
    assert first.next_nudge_at is not None  # asked for a first update at the next sweep
    assert second.status == "closed_verified" and second.next_nudge_at is None


async def test_reimporting_with_a_new_owner_or_date_starts_the_chase_afresh(sample_hub, tmp_path):
    async with sample_hub.database.transaction() as session:
        rec = await session.scalar(
            select(Recommendation).where(Recommendation.reference == "DV-02")
        )
        rec.unanswered_nudges, rec.snoozes = 3, 2
    text = (
        HEADER
        + "DV-02,Domestic abuse awareness for housing officers,,Domestic violence workshop 2017-03,"
        + "training,kim@example.org,City Police,,2027-02-26,in_progress\n"
    )
    await sample_hub.import_files([write(tmp_path, text)], "recommendations")
    async with sample_hub.database.transaction() as session:
        rec = await session.scalar(
            select(Recommendation).where(Recommendation.reference == "DV-02")
        )
    assert rec.owner.email == "kim@example.org"
    assert (rec.unanswered_nudges, rec.snoozes, rec.due_date_changes) == (0, 0, 1)


PEOPLE = "email,name,organisation,department,position,roles,preferred_channel,digests_by_email\n"


async def person(hub, email: str) -> PersonModel:
    async with hub.database.transaction() as session:
        found = await session.scalar(select(PersonModel).where(PersonModel.email == email))
    assert found is not None
    return found


async def test_a_person_may_prefer_email_and_take_their_digests_by_email(sample_hub, tmp_path):
    path = write(
        tmp_path,
        PEOPLE + "nia@example.org,Nia Newcomer,CITYPOL,,Analyst,staff,EMAIL,yes\n",
        "people.csv",
    )
    [report] = await sample_hub.import_files([path], "people")
    nia = await person(sample_hub, "nia@example.org")
    assert (report.added, nia.preferred_channel, nia.digests_by_email) == (1, "email", True)


async def test_an_old_people_file_without_the_new_columns_keeps_what_is_set(sample_hub, tmp_path):
    first = PEOPLE + "nia@example.org,Nia Newcomer,CITYPOL,,Analyst,staff,teams,yes\n"
    await sample_hub.import_files([write(tmp_path, first, "people.csv")], "people")
    async with sample_hub.unit() as uow:
        nia = await uow.session.scalar(
            select(PersonModel).where(PersonModel.email == "nia@example.org")
        )
        nia.email_failing_since = sample_hub.clock.now()
        nia.email_failing_reason = "550 no such user"
    old = "email,name,organisation,position\nnia@example.org,Nia Newcomer,CITYPOL,Senior Analyst\n"
    [report] = await sample_hub.import_files([write(tmp_path, old, "old.csv")], "people")
    blanks = PEOPLE + "nia@example.org,Nia Newcomer,CITYPOL,,Senior Analyst,staff,,\n"
    await sample_hub.import_files([write(tmp_path, blanks, "blanks.csv")], "people")
    nia = await person(sample_hub, "nia@example.org")
    assert report.updated == 1 and nia.position == "Senior Analyst"
    assert (nia.preferred_channel, nia.digests_by_email) == ("teams", True)
    assert nia.email_failing_reason == "550 no such user"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (
            "nia@@example.org,Nia,CITYPOL,,,staff,,",
            "line 3: 'nia@@example.org' is not an email address",
        ),
        ("nia@localhost,Nia,CITYPOL,,,staff,,", "line 3: 'nia@localhost' is not an email address"),
        (
            'nia@example.org,"Nia\nBcc: everyone@example.org",CITYPOL,,,staff,,',
            "name contains a line break or control character",
        ),
        (
            "nia@example.org,Nia,CITYPOL,,Analyst\x07,staff,,",
            "line 3: position contains a line break or control character",
        ),
        (
            "nia@example.org,Nia,CITYPOL,,,staff,pigeon,",
            "line 3: unknown preferred_channel 'pigeon'; it is one of slack, teams, email or blank",
        ),
        (
            "nia@example.org,Nia,CITYPOL,,,staff,,sometimes",
            "line 3: digests_by_email 'sometimes' is not yes or no",
        ),
    ],
)
async def test_a_people_file_that_could_break_an_email_is_refused_whole(
    sample_hub, tmp_path, row, problem
):
    before = await people(sample_hub)
    path = write(tmp_path, PEOPLE + "ok@example.org,Fine Person,CST,,,staff,,\n" + row + "\n")
    with pytest.raises(RefusedImport) as refused:
        await sample_hub.import_files([path], "people")
    assert any(problem in line for line in refused.value.problems), refused.value.problems
    assert await people(sample_hub) == before


async def test_a_partner_name_that_could_break_an_email_is_refused(sample_hub, tmp_path):
    path = write(tmp_path, 'code,name\nNEW,"New\r\nBcc: x@example.org"\n', "partners.csv")
    with pytest.raises(RefusedImport) as refused:
        await sample_hub.import_files([path], "partners")
    assert refused.value.problems == ["line 3: name contains a line break or control character"]
