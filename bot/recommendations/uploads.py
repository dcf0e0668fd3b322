"""A register file a coordinator uploads at the hub: previewed whole, then applied all or nothing.

The file is read and checked by the same importer as `saferhub recommendations import`. The
preview writes nothing; applying checks the whole file again in the transaction that writes it,
so a file that went wrong since its preview is refused whole. Only coordinators (and admins) may
do either; anyone else is refused and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.checks import Refused, refused
from bot.core.csv_import import RefusedImport, Rows, checked_kind, decoded, parse_csv
from bot.core.unit import UnitOfWork
from bot.recommendations.imports import KIND, apply_rows, check_rows, code_of
from bot.recommendations.items import STATUS_LABELS, is_coordinator
from storage import records
from storage.models import Person

MAX_UPLOAD_BYTES = 512 * 1024
"""The largest register file the hub accepts (a register of thousands of items is far smaller)."""
IMPORT_ACTION = "recommendations.import"
NOT_A_COORDINATOR = "Only a partnership coordinator can import the register; nothing was changed."
TOO_BIG = f"The file is larger than {MAX_UPLOAD_BYTES // 1024} KB; nothing was imported."


@dataclass(frozen=True)
class PreviewRow:
    """One row of the file as it would be imported; `new` when its reference is not yet in the
    register (otherwise the item is updated)."""

    line: int
    reference: str
    title: str
    owner: str
    source: str
    status: str
    due: str
    new: bool


@dataclass(frozen=True)
class UploadPreview:
    """What importing the file would do, or why it cannot: every problem with its line number,
    or `refused` when the person may not import at all."""

    rows: tuple[PreviewRow, ...] = ()
    problems: tuple[str, ...] = ()
    refused: str = ""

    @property
    def ready(self) -> bool:
        """Whether the file can be applied as it is."""
        return bool(self.rows) and not self.problems and not self.refused


@dataclass(frozen=True)
class UploadOutcome:
    """What applying the file did: the items added and updated, or why nothing was written."""

    added: int = 0
    updated: int = 0
    problems: tuple[str, ...] = ()
    refused: str = ""


def _rows(name: str, data: bytes) -> Rows:
    """The file's rows, once it is read as a register file; RefusedImport says why not."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise RefusedImport([TOO_BIG])
    header, rows = parse_csv(decoded(data, name))
    checked_kind(header, (KIND,), KIND.name, name)
    return rows


async def _refusal(uow: UnitOfWork, actor: Person) -> str:
    """Why `actor` may not import (audited), or "" for a coordinator."""
    if is_coordinator(actor):
        return ""
    return await refused(uow, actor, IMPORT_ACTION, "", Refused(NOT_A_COORDINATOR))


async def preview_upload(uow: UnitOfWork, actor: Person, name: str, data: bytes) -> UploadPreview:
    """Read and check the uploaded file without writing anything: the dry run of the import."""
    refusal = await _refusal(uow, actor)
    if refusal:
        return UploadPreview(refused=refusal)
    try:
        rows = _rows(name, data)
    except RefusedImport as refusal_of_file:
        return UploadPreview(problems=tuple(refusal_of_file.problems))
    checked = await check_rows(uow, rows)
    preview = []
    for line, row in rows:
        existing = await records.recommendation_by_reference(uow.session, row.get("reference", ""))
        due = checked.dues.get(line)
        status = code_of(row.get("status", ""))
        preview.append(
            PreviewRow(
                line=line,
                reference=row.get("reference", "").upper(),
                title=row.get("title", ""),
                owner=row.get("owner_email", "").lower(),
                source=row.get("source", ""),
                status=STATUS_LABELS.get(status, row.get("status", "")),
                due=f"{due:%d %b %Y}" if isinstance(due, date) else "",
                new=existing is None,
            )
        )
    return UploadPreview(tuple(preview), checked.problems)


async def apply_upload(uow: UnitOfWork, actor: Person, name: str, data: bytes) -> UploadOutcome:
    """Import the file all or nothing as `actor` (audited as theirs)."""
    refusal = await _refusal(uow, actor)
    if refusal:
        return UploadOutcome(refused=refusal)
    try:
        report = await apply_rows(uow, actor, _rows(name, data))
    except RefusedImport as refusal_of_file:
        return UploadOutcome(problems=tuple(refusal_of_file.problems))
    return UploadOutcome(report.added, report.updated)
