"""A subject access request answered: everything held about someone, written to a folder.

Only an admin may run it, and each run is audited by who asked, the operating-system user who ran
it and how much was found, never by what was found. The folder holds `held.json` (every row, with
its record reference and why it is included) and `summary.txt` (the same in plain words, with who
each record reached), readable only by the user who wrote them.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.core.checks import Allowed, Refused, refused
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from storage import directory
from storage.models import Person
from storage.subject_access import Held, Seen, held_about_person, held_naming, seen_by

NOT_ADMIN = "Only an admin can answer a subject access request."
NO_SUCH_PERSON = "There is nobody with that email address in the directory."


@dataclass(frozen=True)
class Answered:
    """Where the answer was written and how much it holds."""

    folder: Path
    rows: int
    records: int


async def answer(
    uow: UnitOfWork,
    admin: Person | None,
    *,
    operator: str,
    folder: Path,
    email: str = "",
    words: str = "",
) -> Allowed[Answered] | Refused:
    """Write everything held about the person with `email`, or naming `words`, into `folder`."""
    if admin is None:
        return Refused(NOT_ADMIN)
    if not admin.has_role(Role.ADMIN):
        return Refused(await refused(uow, admin, "subject_access", "", Refused(NOT_ADMIN)))
    if email:
        person = await directory.person_by_email(uow.session, email)
        if person is None:
            return Refused(NO_SUCH_PERSON)
        held = await held_about_person(uow.session, person)
        about = f"{person.name} <{person.email}>"
    else:
        held = await held_naming(uow.session, words)
        about = f"anyone named {words!r}"
    references = sorted({h.reference for h in held})
    seen = await seen_by(uow.session, references)
    _write(folder, about, admin, uow, held, seen)
    await uow.audit(
        admin,
        "subject_access.answered",
        "",
        by_directory_person=bool(email),
        person=email,
        operator=operator,
        rows=len(held),
        records=len(references),
    )
    return Allowed(Answered(folder, len(held), len(references)))


def _write(
    folder: Path, about: str, admin: Person, uow: UnitOfWork, held: list[Held], seen: list[Seen]
) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    made = f"{uow.local_now:%d %B %Y %H:%M} by {admin.email}"
    document = {
        "about": about,
        "made": made,
        "held": [asdict(h) for h in held],
        "seen_by": [asdict(s) for s in seen],
    }
    _private(folder / "held.json", json.dumps(document, indent=2, default=str))
    lines = [f"Saferhub subject access: {about}", f"Made {made}.", ""]
    if not held:
        lines.append("Nothing is held.")
    for reference in sorted({h.reference for h in held}):
        rows = [h for h in held if h.reference == reference]
        lines.append(f"{reference}: " + "; ".join(sorted({f"{h.table} ({h.why})" for h in rows})))
        for s in (s for s in seen if s.reference == reference):
            when = f"{uow.calendar.local(s.at):%d %b %Y %H:%M}" if s.at else "not yet"
            lines.append(f"  {s.who}: {s.what.replace('_', ' ')}, {when}")
    _private(folder / "summary.txt", "\n".join(lines) + "\n")


def _private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable and writable by its owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
