"""The organisation question: someone outside the directory says, once, whom they work for."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from bot.core.unit import ServiceError, UnitOfWork
from bot.directory import forms as organisation
from dialogs.messages import JsonValue, Option, Outbound, Say
from storage import directory
from storage.models import AuditEntry, Person

ORGANISATION_ANSWERED = "person.organisation"
ORGANISATION_KNOWN = (
    "Your organisation is already on record, so nothing was changed. The partnership "
    "coordinator can correct it in the directory."
)


def is_newcomer(person: Person) -> bool:
    """Whether the organisation question is due: outside the directory, never asked, no partner."""
    return not person.in_directory and not person.organisation_asked and person.partner_id is None


def note_asked(person: Person) -> None:
    """Asked once only, even if the person drops the question."""
    person.organisation_asked = True


async def organisation_options(
    uow: UnitOfWork, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """Every partner in the directory, then "another organisation"."""
    session = uow.session
    partners = list(await directory.partners(session))
    return {
        "organisations": (
            *(Option(p.code, p.name) for p in partners),
            Option(organisation.OTHER, "Another organisation"),
        )
    }


async def submit_organisation(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Record which organisation someone outside the directory works for, once.

    Checked again at confirm: someone in the directory has their organisation from it, and an
    answer already given stands, so nobody can move themselves to another partner (and into
    its roles, such as reviewing its refusals).
    """
    answered = await uow.session.scalar(
        select(AuditEntry.id)
        .where(AuditEntry.actor == actor.email, AuditEntry.action == ORGANISATION_ANSWERED)
        .limit(1)
    )
    if actor.in_directory or actor.partner_id is not None or answered is not None:
        raise ServiceError(ORGANISATION_KNOWN)
    code = str(answers["organisation"])
    partner = (
        None if code == organisation.OTHER else await directory.partner_by_code(uow.session, code)
    )
    actor.partner_id = partner.id if partner else None
    await uow.audit(actor, ORGANISATION_ANSWERED, "", organisation=code)
    return [Say(f"Thanks, noted: {partner.name if partner else 'another organisation'}.")]
