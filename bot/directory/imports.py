"""CSV imports for the directory and the recommendations register.

A file is checked whole before anything is written: every problem is reported with its line
number, and either every row is applied or none is. Re-importing a file updates rows by their
key (email, partner code, agreement reference, recommendation reference); it never duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bot.core.csv_import import ImportReport, RefusedImport, parse_date, read_csv, split
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from bot.recommendations.forms import add as recommendation_add
from bot.recommendations.items import RecommendationStatus, replan
from storage import directory, records
from storage.models import Partner, Person, PersonRole, Recommendation, SharingAgreement

ROLES = frozenset(role.value for role in Role)
STATUSES = frozenset(status.value for status in RecommendationStatus)
THEMES = frozenset(theme.value for theme in recommendation_add.THEMES)

PEOPLE = (
    "email",
    "name",
    "organisation",
    "department",
    "position",
    "roles",
    "deputy_email",
    "slack_user_id",
    "teams_aad_id",
)
PARTNERS = ("code", "name", "data_categories", "requires_authoriser")
AGREEMENTS = (
    "reference",
    "title",
    "parties",
    "purposes",
    "lawful_bases",
    "review_date",
    "owner_email",
)
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
REQUIRED = {
    "people": ("email", "name", "organisation"),
    "partners": ("code", "name"),
    "agreements": ("reference", "title", "parties", "review_date"),
    "recommendations": ("reference", "title", "source", "owner_email", "status"),
}


def detect_kind(header: Iterable[str]) -> str | None:
    """Which directory file this is, from its header."""
    columns = set(header)
    if {"email", "name", "organisation"} <= columns:
        return "people"
    if {"reference", "parties"} <= columns:
        return "agreements"
    if {"code", "name"} <= columns:
        return "partners"
    if {"reference", "owner_email"} <= columns:
        return "recommendations"
    return None


async def import_file(uow: UnitOfWork, path: Path, expected: str | None = None) -> ImportReport:
    """Import one CSV file (people, partners, agreements or recommendations), all or nothing."""
    header, rows = read_csv(path)
    kind = detect_kind(header)
    if expected == "recommendations" and kind != "recommendations":
        kind = None
    if kind is None and len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        separator = "semicolons" if ";" in header[0] else "tabs"
        raise RefusedImport(
            [f"line 1: the columns are separated by {separator}; save the file as CSV (commas)"]
        )
    if kind is None:
        raise RefusedImport(
            [
                f"{path.name}: the header does not match a known file. Expected one of:",
                "  people: " + ",".join(PEOPLE),
                "  partners: " + ",".join(PARTNERS),
                "  agreements: " + ",".join(AGREEMENTS),
                "  recommendations: " + ",".join(RECOMMENDATIONS),
            ]
        )
    missing = [c for c in REQUIRED[kind] if c not in header]
    if missing:
        raise RefusedImport([f"line 1: missing column(s): {', '.join(missing)}"])
    importer: Callable[[UnitOfWork, list[tuple[int, dict[str, str]]]], Awaitable[ImportReport]] = {
        "people": _people,
        "partners": _partners,
        "agreements": _agreements,
        "recommendations": _recommendations,
    }[kind]
    return await importer(uow, rows)


def _duplicates(rows: list[tuple[int, dict[str, str]]], key: str) -> list[str]:
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


def _blank(line: int, row: dict[str, str], columns: Iterable[str]) -> list[str]:
    return [f"line {line}: {c} is empty" for c in columns if not row.get(c)]


async def _partners(uow: UnitOfWork, rows: list[tuple[int, dict[str, str]]]) -> ImportReport:
    problems = _duplicates(rows, "code")
    for line, row in rows:
        problems += _blank(line, row, REQUIRED["partners"])
    if problems:
        raise RefusedImport(problems)
    report = ImportReport("partners")
    for _line, row in rows:
        partner = await directory.partner_by_code(uow.session, row["code"])
        if partner is None:
            partner = Partner(code=row["code"].upper())
            uow.session.add(partner)
            report.added += 1
        else:
            report.updated += 1
        partner.name = row["name"]
        partner.data_categories = split(row.get("data_categories", ""))
        partner.requires_authoriser = row.get("requires_authoriser", "").lower() in (
            "yes",
            "true",
            "1",
        )
    await uow.session.flush()
    await uow.audit(
        None, "directory.import", "", kind="partners", added=report.added, updated=report.updated
    )
    return report


async def _people(uow: UnitOfWork, rows: list[tuple[int, dict[str, str]]]) -> ImportReport:
    problems = _duplicates(rows, "email")
    emails = {row["email"].lower() for _, row in rows}
    partners = {p.code.upper(): p for p in await directory.partners(uow.session)}
    for line, row in rows:
        problems += _blank(line, row, REQUIRED["people"])
        if row.get("email") and "@" not in row["email"]:
            problems.append(f"line {line}: '{row['email']}' is not an email address")
        if row.get("organisation") and row["organisation"].upper() not in partners:
            problems.append(
                f"line {line}: unknown organisation '{row['organisation']}' (import partners first)"
            )
        unknown = [r for r in split(row.get("roles", "")) if r not in ROLES]
        if unknown:
            problems.append(
                f"line {line}: unknown role(s) {', '.join(unknown)}; roles are {', '.join(sorted(ROLES))}"
            )
        deputy = row.get("deputy_email", "").lower()
        if (
            deputy
            and deputy not in emails
            and await directory.person_by_email(uow.session, deputy) is None
        ):
            problems.append(f"line {line}: deputy '{deputy}' is not in the directory")
    if problems:
        raise RefusedImport(problems)
    report = ImportReport("people")
    people: dict[str, Person] = {}
    for _line, row in rows:
        partner = partners[row["organisation"].upper()]
        person = await directory.person_by_email(uow.session, row["email"])
        if person is None:
            person = Person(email=row["email"].lower(), roles=[])
            uow.session.add(person)
            report.added += 1
        else:
            report.updated += 1
        person.name = row["name"]
        person.partner_id = partner.id
        person.department = row.get("department", "")
        person.position = row.get("position", "")
        person.in_directory = True
        person.slack_user_id = row.get("slack_user_id") or person.slack_user_id
        person.teams_aad_id = row.get("teams_aad_id") or person.teams_aad_id
        wanted = {
            (role, partner.id if role == Role.DATA_OWNER else None)
            for role in {*split(row.get("roles", "")), Role.STAFF.value}
        }
        current = {(r.role, r.partner_id): r for r in person.roles}
        person.roles = [
            current.get(key) or PersonRole(role=key[0], partner_id=key[1])
            for key in sorted(wanted, key=str)
        ]
        people[person.email] = person
    await uow.session.flush()
    for _line, row in rows:
        deputy = row.get("deputy_email", "").lower()
        if deputy:
            found = people.get(deputy) or await directory.person_by_email(uow.session, deputy)
            people[row["email"].lower()].deputy_id = found.id if found else None
    await uow.session.flush()
    await uow.audit(
        None, "directory.import", "", kind="people", added=report.added, updated=report.updated
    )
    return report


async def _agreements(uow: UnitOfWork, rows: list[tuple[int, dict[str, str]]]) -> ImportReport:
    problems = _duplicates(rows, "reference")
    parsed: dict[int, date] = {}
    for line, row in rows:
        problems += _blank(line, row, REQUIRED["agreements"])
        try:
            parsed[line] = parse_date(row.get("review_date", ""))
        except ValueError as error:
            problems.append(f"line {line}: review_date {error}")
    if problems:
        raise RefusedImport(problems)
    report = ImportReport("agreements")
    for line, row in rows:
        email = row.get("owner_email", "")
        owner = await directory.person_by_email(uow.session, email) if email else None
        agreement = await uow.session.scalar(
            select(SharingAgreement).where(SharingAgreement.reference == row["reference"])
        )
        if agreement is None:
            agreement = SharingAgreement(reference=row["reference"])
            uow.session.add(agreement)
            report.added += 1
        else:
            report.updated += 1
        agreement.title = row["title"]
        agreement.parties = [p.upper() for p in split(row["parties"])]
        agreement.purposes = split(row.get("purposes", ""))
        agreement.lawful_bases = row.get("lawful_bases", "")
        agreement.review_date = parsed[line]
        agreement.owner_id = owner.id if owner else None
    await uow.session.flush()
    await uow.audit(
        None, "directory.import", "", kind="agreements", added=report.added, updated=report.updated
    )
    return report


LIMITS = {"reference": 20, "title": 300, "source": 200, "owning_service": 200, "grade": 20}
REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]*$")


def _code(raw: str) -> str:
    """A status or theme as people write it ("In progress") as its code ("in_progress")."""
    return "_".join(raw.lower().replace("-", " ").split())


async def _recommendations(uow: UnitOfWork, rows: list[tuple[int, dict[str, str]]]) -> ImportReport:
    """The register, checked whole: every problem with its line, owners never created on the fly.

    Each imported item's next nudge is planned at once; an item whose owner changes starts afresh
    with the new owner, and a changed due date counts as a move of the date.
    """
    problems = _duplicates(rows, "reference")
    owners: dict[str, Person] = {}
    unknown: dict[str, int] = {}
    dues: dict[int, date | None] = {}
    for line, row in rows:
        problems += _blank(line, row, REQUIRED["recommendations"])
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
        if row.get("status") and _code(row["status"]) not in STATUSES:
            problems.append(
                f"line {line}: unknown status '{row['status'][:40]}'; use one of {', '.join(sorted(STATUSES))}"
            )
        if row.get("theme") and _code(row["theme"]) not in THEMES:
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
    if problems:
        raise RefusedImport(problems)
    report = ImportReport("recommendations")
    for line, row in rows:
        rec = await records.recommendation_by_reference(uow.session, row["reference"])
        if rec is None:
            rec = Recommendation(
                reference=row["reference"].upper(),
                status=_code(row["status"]),
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
        rec.theme = _code(row.get("theme") or "process")
        rec.owner_id = owner.id
        rec.owning_service = row.get("owning_service", "")
        rec.grade = row.get("grade", "")
        rec.due_date = dues[line]
        rec.status = _code(row["status"])
        replan(uow, rec)
    await uow.session.flush()
    await uow.audit(None, "recommendations.import", "", added=report.added, updated=report.updated)
    return report
