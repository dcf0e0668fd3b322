"""Importing the recommendations register from CSV: checked whole, then every item replanned.

Re-importing a file updates items by their reference; it never duplicates, and never creates an
owner on the fly (owners come from the directory import first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.core.csv_import import (
    CsvKind,
    ImportReport,
    RefusedImport,
    Rows,
    blank,
    duplicates,
    parse_date,
)
from bot.core.unit import UnitOfWork
from bot.recommendations.forms import add as recommendation_add
from bot.recommendations.items import RecommendationStatus, replan
from storage import directory, records
from storage.models import Person, Recommendation

STATUSES = frozenset(status.value for status in RecommendationStatus)
THEMES = frozenset(theme.value for theme in recommendation_add.THEMES)

RECOMMENDATIONS = (
    "reference",
    "title",
    "detail",
    "source",
    "theme",
    "owner_email",
    "owning_service",
    "grade",
    "due_date",
    "status",
)
REQUIRED = ("reference", "title", "source", "owner_email", "status")
LIMITS = {"reference": 20, "title": 300, "source": 200, "owning_service": 200, "grade": 20}
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")


def code_of(raw: str) -> str:
    """A status or theme as people write it ("In progress") as its code ("in_progress")."""
    return "_".join(raw.lower().replace("-", " ").split())


@dataclass(frozen=True)
class CheckedRows:
    """A register file checked whole, writing nothing: every problem with its line, else each
    row's owner and due date (by line) ready to apply."""

    problems: tuple[str, ...]
    owners: dict[str, Person]
    dues: dict[int, date | None]


async def import_register(uow: UnitOfWork, rows: Rows) -> ImportReport:
    """The register, checked whole: every problem with its line, owners never created on the fly."""
    return await apply_rows(uow, None, rows)


async def apply_rows(uow: UnitOfWork, actor: Person | None, rows: Rows) -> ImportReport:
    """Check the rows whole, then apply them all (or refuse them all), audited as `actor`'s.

    Each imported item's next nudge is planned at once; an item whose owner changes starts afresh
    with the new owner, and a changed due date counts as a move of the date.
    """
    checked = await check_rows(uow, rows)
    if checked.problems:
        raise RefusedImport(list(checked.problems))
    owners, dues = checked.owners, checked.dues
    report = ImportReport("recommendations")
    for line, row in rows:
        rec = await records.recommendation_by_reference(uow.session, row["reference"])
        if rec is None:
            rec = Recommendation(
                reference=row["reference"].upper(),
                status=code_of(row["status"]),
                due_date_changes=0,
                unanswered_nudges=0,
                snoozes=0,
                escalation_level=0,
            )
            uow.session.add(rec)
            report.added += 1
        else:
            report.updated += 1
        owner = owners[row["owner_email"].lower()]
        if rec.owner_id is not None and rec.owner_id != owner.id:
            rec.snoozes = rec.unanswered_nudges = 0
            rec.snoozed_until = rec.last_nudged_at = rec.owner_rag = None
        if rec.id is not None and rec.due_date != dues[line]:
            rec.due_date_changes += 1
            rec.escalation_level = 0
        rec.title = row["title"]
        rec.detail = row.get("detail", "")
        rec.source = row["source"]
        rec.theme = code_of(row.get("theme") or "process")
        rec.owner_id = owner.id
        rec.owning_service = row.get("owning_service", "")
        rec.grade = row.get("grade", "")
        rec.due_date = dues[line]
        rec.status = code_of(row["status"])
        replan(uow, rec)
    await uow.session.flush()
    await uow.audit(actor, "recommendations.import", "", added=report.added, updated=report.updated)
    return report


async def check_rows(uow: UnitOfWork, rows: Rows) -> CheckedRows:
    """Check a register file's rows whole without writing: the dry run of an import."""
    problems = duplicates(rows, "reference")
    owners: dict[str, Person] = {}
    unknown: dict[str, int] = {}
    dues: dict[int, date | None] = {}
    for line, row in rows:
        problems += blank(line, row, REQUIRED)
        for column, limit in LIMITS.items():
            if len(row.get(column, "")) > limit:
                problems.append(f"line {line}: {column} is longer than {limit} characters")
        reference = row.get("reference", "")
        if (
            reference
            and len(reference) <= LIMITS["reference"]
            and not REFERENCE_PATTERN.match(reference)
        ):
            problems.append(
                f"line {line}: reference '{reference}' may contain only letters, digits and - _ . /"
            )
        email = row.get("owner_email", "").lower()
        if email and email not in owners:
            owner = await directory.person_by_email(uow.session, email)
            if owner is None:
                problems.append(f"line {line}: owner '{email[:80]}' is not in the directory")
                unknown.setdefault(email[:80], line)
            else:
                owners[email] = owner
        if row.get("status") and code_of(row["status"]) not in STATUSES:
            problems.append(
                f"line {line}: unknown status '{row['status'][:40]}'; use one of {', '.join(sorted(STATUSES))}"
            )
        if row.get("theme") and code_of(row["theme"]) not in THEMES:
            problems.append(
                f"line {line}: unknown theme '{row['theme'][:40]}'; use one of {', '.join(sorted(THEMES))}"
            )
        try:
            dues[line] = parse_date(row["due_date"]) if row.get("due_date") else None
        except ValueError as error:
            problems.append(f"line {line}: due_date {error}")
    if unknown:
        problems.append(
            f"{len(unknown)} unknown owner(s), not created by an import (add them with "
            f"'saferhub directory import' first): {', '.join(unknown)}"
        )
    return CheckedRows(tuple(problems), owners, dues)


KIND = CsvKind(
    "recommendations",
    frozenset({"reference", "owner_email"}),
    RECOMMENDATIONS,
    REQUIRED,
    import_register,
)
