"""Whom a person can consult: their own organisation's information-governance and Prevent
leads from the directory, else the partnership's, named with their email.

Help, the lawful-basis helper and the Prevent signposting all name the same people, so they are
found here once; so is how a digest reaches someone who takes their digests by email.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.roles import Role
from dialogs.messages import Option
from storage import directory
from storage.models import Person


async def governance_leads(session: AsyncSession, person: Person) -> list[Person]:
    """The information-governance leads of the person's organisation; else the partnership
    coordinators, who keep the sharing protocol and its agreements."""
    held = await directory.people_with_role(session, Role.INFORMATION_GOVERNANCE)
    own = [p for p in held if p.partner_id is not None and p.partner_id == person.partner_id]
    if current := [p for p in own if p.in_directory]:
        return current
    coordinators = await directory.people_with_role(session, Role.COORDINATOR)
    return [p for p in coordinators if p.in_directory]


async def prevent_leads(session: AsyncSession, person: Person) -> list[Person]:
    """The Prevent leads of the person's organisation; else the partnership's Prevent managers."""
    leads: Sequence[Person] = []
    if person.partner_id is not None:
        leads = await directory.people_with_role(session, Role.PREVENT_LEAD, person.partner_id)
    if not [p for p in leads if p.in_directory]:
        leads = await directory.people_with_role(session, Role.PREVENT_MANAGER)
    return [p for p in leads if p.in_directory]


def contact(person: Person) -> str:
    """A person as someone to contact: "Name (position, organisation, email)"."""
    where = ", ".join(
        part for part in (person.position, person.partner and person.partner.name) if part
    )
    return (
        f"{person.name} ({where}, {person.email})" if where else f"{person.name} ({person.email})"
    )


def contact_options(people: Sequence[Person]) -> tuple[Option, ...]:
    """People to contact as a run-time list a question or its advice names."""
    return tuple(Option(p.email, contact(p)) for p in people)


def digest_via(person: Person) -> str:
    """The only platform a digest to `person` goes by: "email" when they take their digests by
    email and their address is not failing; "" (their usual channel) otherwise."""
    return "email" if person.digests_by_email and person.email_failing_since is None else ""
