"""Seals of the audit chain kept outside the database: one line each, appended to a file.

A seal file is read back by `saferhub audit verify --seal FILE`; any row up to a seal that was
later removed, edited or re-chained then fails the check (storage/audit.py says why seals are
needed on top of the keyed chain).
"""

from __future__ import annotations

from pathlib import Path

from bot.core.unit import UnitOfWork
from storage.audit import Seal, seal


def append_seal(path: Path, stamp: Seal) -> None:
    """Add `stamp` as the last line of `path`, creating the file if needed."""
    with path.open("a", encoding="utf-8") as file:
        file.write(stamp.line() + "\n")


def read_seals(path: Path) -> list[Seal]:
    """Every seal in `path`; ValueError naming the first line that is not one."""
    stamps = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            stamps.append(Seal.parse(line))
        except ValueError as error:
            raise ValueError(f"{path.name} line {number}: {error}") from error
    return stamps


async def seal_once_a_day(uow: UnitOfWork, path: Path) -> Seal | None:
    """Append a seal to `path` unless it already holds one from today; the seal, or None."""
    today = uow.today
    if path.exists():
        zone = uow.settings.timezone
        if any(s.at.astimezone(zone).date() == today for s in read_seals(path)):
            return None
    stamp = await seal(uow.session, uow.now)
    append_seal(path, stamp)
    return stamp
