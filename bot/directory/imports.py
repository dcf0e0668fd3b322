"""CSV imports for the directory: people, partners, sharing agreements and the data catalogue.

A file is checked whole before anything is written: every problem is reported with its line
number, and either every row is applied or none is. Re-importing a file updates rows by their
key (email, partner code, agreement reference); it never duplicates, and a blank optional cell
(a chat id, the preferred channel, digests by email) keeps what the directory already holds. A
catalogue file is each named partner's whole catalogue: a category left out of it is removed
from that partner.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from bot.core.csv_import import (
    CsvKind,
    ImportReport,
    RefusedImport,
    Rows,
    blank,
    duplicates,
    parse_date,
    split,
)
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from storage import directory
from storage.models import CatalogueEntry, Partner, Person, PersonRole, SharingAgreement

ROLES = frozenset(role.value for role in Role)
PER_PARTNER = frozenset({Role.DATA_OWNER, Role.PREVENT_LEAD, Role.AUTHORISER})
"""Roles held for the person's own organisation: its data, its Prevent lead, its authorisers."""

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
    "preferred_channel",
    "digests_by_email",
)
CHANNELS = ("slack", "teams", "email")
"""The channels a person may prefer; blank for the first chat address known, then email."""
YES = ("yes", "true", "1")
NO = ("no", "false", "0")
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
CATALOGUE = ("partner_code", "category", "description", "examples")
CATEGORY_LENGTH = 120
REQUIRED = {
    "people": ("email", "name", "organisation"),
    "partners": ("code", "name"),
    "agreements": ("reference", "title", "parties", "review_date"),
    "catalogue": ("partner_code", "category", "description"),
}


async def _partners(uow: UnitOfWork, rows: Rows) -> ImportReport:
    problems = duplicates(rows, "code")
    for line, row in rows:
        problems += blank(line, row, REQUIRED["partners"])
        if _controlled(row.get("name", "")):  # an email names the organisation
            problems.append(f"line {line}: name contains a line break or control character")
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


def _controlled(text: str) -> bool:
    """Whether `text` holds a line break or another control character (it would reach an
    email's headers)."""
    return any(unicodedata.category(character) == "Cc" for character in text)


def _email_problem(line: int, email: str) -> list[str]:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        return [f"line {line}: '{email}' is not an email address ({error})"]
    return []


def _person_problems(line: int, row: dict[str, str]) -> list[str]:
    """What is wrong with one person's row on its own: addresses, control characters, the
    channel and the digests answer."""
    problems: list[str] = []
    for column in ("email", "deputy_email"):
        if row.get(column):
            problems += _email_problem(line, row[column])
    for column in ("name", "department", "position"):
        if _controlled(row.get(column, "")):
            problems.append(f"line {line}: {column} contains a line break or control character")
    channel = row.get("preferred_channel", "").lower()
    if channel and channel not in CHANNELS:
        problems.append(
            f"line {line}: unknown preferred_channel '{row['preferred_channel']}'; "
            f"it is one of {', '.join(CHANNELS)} or blank"
        )
    digests = row.get("digests_by_email", "").lower()
    if digests and digests not in YES + NO:
        problems.append(
            f"line {line}: digests_by_email '{row['digests_by_email']}' is not yes or no"
        )
    return problems


async def _people(uow: UnitOfWork, rows: Rows) -> ImportReport:
    problems = duplicates(rows, "email")
    emails = {row["email"].lower() for _, row in rows}
    partners = {p.code.upper(): p for p in await directory.partners(uow.session)}
    for line, row in rows:
        problems += blank(line, row, REQUIRED["people"])
        problems += _person_problems(line, row)
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
        person.preferred_channel = row.get("preferred_channel", "").lower() or (
            person.preferred_channel
        )
        if row.get("digests_by_email"):
            person.digests_by_email = row["digests_by_email"].lower() in YES
        wanted = {
            (role, partner.id if role in PER_PARTNER else None)
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


async def _agreements(uow: UnitOfWork, rows: Rows) -> ImportReport:
    problems = duplicates(rows, "reference")
    parsed: dict[int, date] = {}
    for line, row in rows:
        problems += blank(line, row, REQUIRED["agreements"])
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


async def _catalogue(uow: UnitOfWork, rows: Rows) -> ImportReport:
    partners = {p.code.upper(): p for p in await directory.partners(uow.session)}
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        problems += blank(line, row, REQUIRED["catalogue"])
        code, category = row.get("partner_code", "").upper(), row.get("category", "")
        if code and code not in partners:
            problems.append(
                f"line {line}: unknown partner code '{row['partner_code']}' (import partners first)"
            )
        if len(category) > CATEGORY_LENGTH:
            problems.append(f"line {line}: category is longer than {CATEGORY_LENGTH} characters")
        key = (code, category.lower())
        if category and key in seen:
            problems.append(
                f"line {line}: {row['partner_code']} '{category}' already appears on line {seen[key]}"
            )
        seen.setdefault(key, line)
    if problems:
        raise RefusedImport(problems)
    report = ImportReport("catalogue")
    existing = await directory.catalogue(uow.session)
    for code in sorted({row["partner_code"].upper() for _, row in rows}):
        partner = partners[code]
        held = {entry.category.lower(): entry for entry in existing.get(partner.id, [])}
        wanted = [row for _, row in rows if row["partner_code"].upper() == code]
        for row in wanted:
            entry = held.pop(row["category"].lower(), None)
            if entry is None:
                entry = CatalogueEntry(partner_id=partner.id)
                uow.session.add(entry)
                report.added += 1
            else:
                report.updated += 1
            entry.category = row["category"]
            entry.description = row["description"]
            entry.examples = row.get("examples", "")
        for gone in held.values():
            await uow.session.delete(gone)
            report.notes.append(f"{code}: '{gone.category}' removed")
    await uow.session.flush()
    await uow.audit(
        None,
        "directory.import",
        "",
        kind="catalogue",
        added=report.added,
        updated=report.updated,
        removed=len(report.notes),
    )
    return report


KINDS = (
    CsvKind(
        "people", frozenset({"email", "name", "organisation"}), PEOPLE, REQUIRED["people"], _people
    ),
    CsvKind("partners", frozenset({"code", "name"}), PARTNERS, REQUIRED["partners"], _partners),
    CsvKind(
        "agreements",
        frozenset({"reference", "parties"}),
        AGREEMENTS,
        REQUIRED["agreements"],
        _agreements,
    ),
    CsvKind(
        "catalogue",
        frozenset({"partner_code", "category"}),
        CATALOGUE,
        REQUIRED["catalogue"],
        _catalogue,
    ),
)
"""The directory's files, in the order a header is tried against them."""
