"""The data catalogue import: all or nothing with line numbers; a partner's rows are its whole
catalogue, so a re-import updates, adds and removes without duplicating."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.csv_import import RefusedImport
from storage import directory
from storage.models import AuditEntry, CatalogueEntry

HEADER = "partner_code,category,description,examples\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "catalogue.csv"
    path.write_text(text)
    return path


async def held(hub, code: str) -> dict[str, tuple[str, str]]:
    async with hub.database.transaction() as session:
        partner = await directory.partner_by_code(session, code)
        entries = (await directory.catalogue(session)).get(partner.id, [])
    return {e.category: (e.description, e.examples) for e in entries}


async def count(hub) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(CatalogueEntry))


async def test_the_sample_catalogue_is_loaded_for_every_sample_partner(sample_hub):
    async with sample_hub.database.transaction() as session:
        partners = await directory.partners(session)
        catalogue = await directory.catalogue(session)
    assert all(catalogue.get(p.id) for p in partners)
    assert (await held(sample_hub, "CITYPOL"))["incident logs"] == (
        "Calls to the police and incidents recorded, with what was done",
        "date, time, type and summary of calls and crimes recorded; attending officer; "
        "incident number",
    )


async def test_a_reimport_is_the_partners_whole_catalogue(sample_hub, tmp_path):
    before = await held(sample_hub, "HOUSING")
    others = await count(sample_hub) - len(before)
    path = write(
        tmp_path,
        HEADER + "housing,Tenancy records,Council tenancies,address; start date\n"
        "HOUSING,garage lettings,Garages let to residents,\n",
    )
    [report] = await sample_hub.import_files([path])
    assert (report.kind, report.added, report.updated) == ("catalogue", 1, 1)
    assert len(report.notes) == len(before) - 1  # the categories left out are removed
    assert await held(sample_hub, "HOUSING") == {
        "Tenancy records": ("Council tenancies", "address; start date"),
        "garage lettings": ("Garages let to residents", ""),
    }
    [again] = await sample_hub.import_files([path])
    assert (again.added, again.updated, again.notes) == (0, 2, [])
    assert await count(sample_hub) == others + 2  # other partners untouched
    async with sample_hub.database.transaction() as session:
        audit = await session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "directory.import")
            .order_by(AuditEntry.id.desc())
        )
    assert audit.summary["kind"] == "catalogue"


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            HEADER + "NOPE,incident logs,Calls,\nCITYPOL,,Calls,\n",
            [
                "line 2: unknown partner code 'NOPE' (import partners first)",
                "line 3: category is empty",
            ],
        ),
        (
            HEADER + "CITYPOL,incident logs,,\n",
            ["line 2: description is empty"],
        ),
        (
            HEADER + "CITYPOL,Incident logs,Calls,\nCITYPOL,incident logs,Calls again,\n",
            ["line 3: CITYPOL 'incident logs' already appears on line 2"],
        ),
        (
            HEADER + f"CITYPOL,{'x' * 121},Calls,\n",
            ["line 2: category is longer than 120 characters"],
        ),
        (
            "partner_code,category,examples,owner\nCITYPOL,incident logs,,\n",
            ["line 1: missing column(s): description"],
        ),
    ],
)
async def test_a_bad_file_is_refused_whole_with_line_numbers(sample_hub, tmp_path, text, problems):
    before = await count(sample_hub)
    good_row = "HOUSING,garage lettings,Garages let to residents,\n"
    with pytest.raises(RefusedImport) as refused:
        await sample_hub.import_files([write(tmp_path, text + good_row)])
    for problem in problems:
        assert any(problem in line for line in refused.value.problems), refused.value.problems
    assert await count(sample_hub) == before
    assert "garage lettings" not in await held(sample_hub, "HOUSING")
