"""Which sharing agreements a request may cite: one the data owner is a party to, that covers
the request's purpose and whose review date has not passed.

The request form offers only those and says why any other agreement with the owner is not
offered; confirming a request checks the cited agreement again, because the partner may have
been changed after the agreement was picked, or the agreement may have lapsed meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.sharing.forms import PURPOSES
from storage import directory
from storage.models import SharingAgreement

PURPOSE_NAMES = {o.value: o.label.lower() for o in PURPOSES}
PICK_ANOTHER = "Pick another agreement, or record one-off sharing."


def problem(
    agreement: SharingAgreement | None, partner_code: str, purpose: str, today: date
) -> str:
    """Why `agreement` cannot be cited for this request ("" when it can)."""
    if agreement is None:
        return "is not a sharing agreement in the directory"
    if partner_code.upper() not in (p.upper() for p in agreement.parties):
        return "does not name the data owner as a party"
    if purpose not in agreement.purposes:
        return f"does not cover {PURPOSE_NAMES.get(purpose, purpose)}"
    if agreement.review_date < today:
        return f"has lapsed: its review date, {agreement.review_date:%d %b %Y}, has passed"
    return ""


async def usable(
    session: AsyncSession, partner_code: str, purpose: str, today: date
) -> tuple[list[SharingAgreement], list[str]]:
    """The owner's agreements this request may cite, and a line for each one it may not."""
    offered: list[SharingAgreement] = []
    refused: list[str] = []
    for agreement in await directory.agreements_for(session, partner_code):
        why = problem(agreement, partner_code, purpose, today)
        if why:
            refused.append(f"{agreement.reference} {agreement.title} {why}")
        else:
            offered.append(agreement)
    return offered, refused


def not_offered(refused: Sequence[str]) -> str:
    """What the agreement question says about the owner's agreements it does not offer."""
    if not refused:
        return ""
    return "\n".join(("Not offered:", *(f"- {line}" for line in refused)))


async def citation_problem(
    session: AsyncSession, reference: str, partner_code: str, purpose: str, today: date
) -> str:
    """Why a confirmed request may not cite `reference`, in a sentence ("" when it may)."""
    agreement = await directory.agreement_by_reference(session, reference)
    why = problem(agreement, partner_code, purpose, today)
    return f"Sharing agreement {reference} {why}. {PICK_ANOTHER}" if why else ""
