"""The directory as the administrator keeps it: who is who, the Prevent managers' rota, leavers.

A leaver is made inactive: they cannot sign in to the web hub and nothing is sent to them. What
they still hold (concerns assigned to them, requests they made, recommendations they own) is
listed on their page and told to the coordinators and Prevent managers, to hand to someone else.
Only an administrator may change any of it; every change and every refusal is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.checks import Allowed, Check, Refused
from bot.core.roles import Role
from bot.core.unit import UnitOfWork
from dialogs.messages import Notice
from storage import directory, outbox
from storage.models import Person

CONCERNS_OPEN = frozenset({"new", "acknowledged"})
"""A concern's statuses while it is open (the prevent domain's lifecycle.OPEN)."""
REQUESTS_DONE = frozenset({"closed", "withdrawn", "expired", "not_authorised"})
"""An information request's final statuses (the sharing domain's lifecycle.FINAL)."""
RECOMMENDATIONS_DONE = frozenset({"closed_verified", "handed_to_service", "withdrawn"})
"""A recommendation's closed statuses (the recommendations domain's items.CLOSED)."""

ADMIN_ONLY = "Only the hub's administrator can change the directory. Nothing was changed."
NO_SUCH_PERSON = "There is no such person in the directory. Nothing was changed."
NOT_YOURSELF = (
    "You cannot mark yourself as a leaver: you would lose access to the hub. "
    "Ask another administrator."
)
NOT_ON_ROTA = "Only Prevent managers are on the duty rota. Nothing was changed."
LEAVER_OFF_ROTA = "A leaver cannot be put on duty. Reactivate them first."
LEAVER_NOTICE = "directory.leaver"
EMAIL_FAILING = "directory.email_failing"


class Change(StrEnum):
    """What the administrator did to a person in the directory; the audited action."""

    LEAVER = "directory.leaver"
    REACTIVATED = "directory.reactivated"
    ON_DUTY = "directory.on_duty"
    OFF_DUTY = "directory.off_duty"
    EMAIL_CLEARED = "directory.email_cleared"


@dataclass(frozen=True)
class PersonLine:
    """One person as the directory lists them."""

    id: int
    name: str
    email: str
    organisation: str
    organisation_code: str
    department: str
    position: str
    roles: tuple[str, ...]
    deputy: str
    active: bool
    on_duty: bool
    preferred_channel: str
    """slack, teams or email; "" for the first chat address known, then email."""
    digests_by_email: bool
    email_failing_since: datetime | None
    email_failing_reason: str

    @property
    def on_rota(self) -> bool:
        """Whether they are on the Prevent managers' duty rota."""
        return Role.PREVENT_MANAGER in self.roles


@dataclass(frozen=True)
class PartnerLine:
    """One partner organisation as the directory lists it."""

    code: str
    name: str
    requires_authoriser: bool
    data_categories: tuple[str, ...]


class Held(StrEnum):
    """How a person holds an open record."""

    CONCERN = "Concern assigned to them"
    REQUEST = "Information request they made"
    RECOMMENDATION = "Recommendation they own"


@dataclass(frozen=True)
class HeldItem:
    """An open record a person holds, which someone else must take on if they leave."""

    reference: str
    how: Held
    what: str
    status: str


@dataclass(frozen=True)
class PersonPage:
    """One person in full: their line in the directory and what they still hold."""

    person: PersonLine
    held: tuple[HeldItem, ...]


def is_admin(person: Person) -> bool:
    return person.has_role(Role.ADMIN)


def _line(person: Person, deputy: str) -> PersonLine:
    return PersonLine(
        person.id,
        person.name,
        person.email,
        person.partner.name if person.partner else "",
        person.partner.code if person.partner else "",
        person.department,
        person.position,
        tuple(sorted({r.role for r in person.roles})),
        deputy,
        person.active,
        person.on_duty,
        person.preferred_channel,
        person.digests_by_email,
        person.email_failing_since,
        person.email_failing_reason,
    )


async def people(uow: UnitOfWork, actor: Person) -> tuple[PersonLine, ...]:
    """Everyone in the directory, by name, with their organisation, roles and deputy."""
    everyone = await directory.everyone(uow.session)
    names = {p.id: p.name for p in everyone}
    return tuple(_line(p, names.get(p.deputy_id or 0, "")) for p in everyone)


async def partners(uow: UnitOfWork, actor: Person) -> tuple[PartnerLine, ...]:
    """Every partner organisation, by name."""
    return tuple(
        PartnerLine(p.code, p.name, p.requires_authoriser, tuple(p.data_categories))
        for p in await directory.partners(uow.session)
    )


async def held(uow: UnitOfWork, person: Person) -> tuple[HeldItem, ...]:
    """The open records `person` holds: concerns assigned to them, requests they made,
    recommendations they own."""
    concerns, requests, recommendations = await directory.held_by(
        uow.session,
        person.id,
        concerns_open=CONCERNS_OPEN,
        requests_done=REQUESTS_DONE,
        recommendations_done=RECOMMENDATIONS_DONE,
    )
    return (
        *(HeldItem(c.reference, Held.CONCERN, "", _words(c.status)) for c in concerns),
        *(
            HeldItem(r.reference, Held.REQUEST, f"To {r.partner.name}", _words(r.status))
            for r in requests
        ),
        *(
            HeldItem(r.reference, Held.RECOMMENDATION, r.title, _words(r.status))
            for r in recommendations
        ),
    )


def _words(status: str) -> str:
    return status.replace("_", " ")


async def person_page(uow: UnitOfWork, actor: Person, person_id: int) -> PersonPage | None:
    """One person and what they still hold, or None when there is no such person."""
    person = await directory.person_by_id(uow.session, person_id)
    if person is None:
        return None
    deputy = (
        await directory.person_by_id(uow.session, person.deputy_id)
        if person.deputy_id is not None
        else None
    )
    return PersonPage(_line(person, deputy.name if deputy else ""), await held(uow, person))


async def _target(uow: UnitOfWork, actor: Person, change: Change, person_id: int) -> Check[Person]:
    """The person an administrator's change is about; refused (and audited) for anyone else."""
    if not is_admin(actor):
        return await _refuse(uow, actor, change, person_id, Refused(ADMIN_ONLY))
    person = await directory.person_by_id(uow.session, person_id)
    if person is None:
        return await _refuse(uow, actor, change, person_id, Refused(NO_SUCH_PERSON))
    return Allowed(person)


async def _refuse(
    uow: UnitOfWork, actor: Person, change: Change, person_id: int, refusal: Refused
) -> Refused:
    await uow.audit(
        actor,
        "action.refused",
        "",
        refused_action=change.value,
        person=person_id,
        reason=refusal.reason,
    )
    return refusal


async def mark_leaver(uow: UnitOfWork, actor: Person, person_id: int) -> Check[Person]:
    """Make a person inactive (and off duty): they cannot sign in and nothing is sent to them,
    not even what was waiting in the outbox. The coordinators and Prevent managers are told
    what they still hold."""
    found = await _target(uow, actor, Change.LEAVER, person_id)
    if isinstance(found, Refused):
        return found
    person = found.value
    if person.id == actor.id:
        return await _refuse(uow, actor, Change.LEAVER, person_id, Refused(NOT_YOURSELF))
    if not person.active:
        return found
    person.active, person.on_duty = False, False
    items = await held(uow, person)
    dropped = await outbox.cancel_for(uow.session, person.id, "the recipient has left")
    await uow.audit(
        actor,
        Change.LEAVER,
        "",
        person=person.email,
        open_items=len(items),
        unsent_dropped=dropped,
    )
    if items:
        await _tell_about(uow, person, items)
    return found


async def _tell_about(uow: UnitOfWork, leaver: Person, items: tuple[HeldItem, ...]) -> None:
    """Tell the coordinators (and, for concerns, the Prevent managers) what needs a new owner."""
    notice = Notice(
        LEAVER_NOTICE,
        f"{leaver.name} has left: {len(items)} open item(s) need someone else",
        tuple(f"{item.reference}: {item.how.value.lower()} ({item.status})" for item in items),
    )
    told = list(await directory.people_with_role(uow.session, Role.COORDINATOR))
    if any(item.how is Held.CONCERN for item in items):
        told += await directory.people_with_role(uow.session, Role.PREVENT_MANAGER)
    for person in {p.id: p for p in told if p.id != leaver.id}.values():
        await uow.notify(
            person, notice, dedupe_key=f"leaver:{leaver.id}:{person.id}:{uow.now.isoformat()}"
        )


async def mark_email_failing(uow: UnitOfWork, person_id: int, reason: str) -> None:
    """A mail server refused this person's address for good: stop emailing it, audit that,
    and tell the administrators (by their own channel), so nobody waits silently."""
    person = await uow.session.get(Person, person_id)
    if person is None or person.email_failing_since is not None:
        return
    person.email_failing_since = uow.now
    person.email_failing_reason = reason[:200]
    await uow.audit(None, EMAIL_FAILING, "", person=person.email)
    notice = Notice(
        EMAIL_FAILING,
        f"Email to {person.name} is failing",
        (
            f"The mail server refused {person.email}: {person.email_failing_reason}",
            "Nothing more is emailed to them until the address is corrected in the directory.",
        ),
    )
    for admin in await directory.people_with_role(uow.session, Role.ADMIN):
        if admin.id != person.id:
            await uow.notify(admin, notice, dedupe_key=f"email-failing:{person.id}:{admin.id}")


async def clear_email_failing(uow: UnitOfWork, actor: Person, person_id: int) -> Check[Person]:
    """The administrator says a refused address works again (corrected, or the mailbox is
    back): it is emailed again."""
    found = await _target(uow, actor, Change.EMAIL_CLEARED, person_id)
    if isinstance(found, Refused) or found.value.email_failing_since is None:
        return found
    person = found.value
    person.email_failing_since, person.email_failing_reason = None, ""
    await uow.audit(actor, Change.EMAIL_CLEARED, "", person=person.email)
    return found


async def reactivate(uow: UnitOfWork, actor: Person, person_id: int) -> Check[Person]:
    """Make a leaver active again: they may sign in and are sent notices again."""
    found = await _target(uow, actor, Change.REACTIVATED, person_id)
    if isinstance(found, Refused) or found.value.active:
        return found
    found.value.active = True
    await uow.audit(actor, Change.REACTIVATED, "", person=found.value.email)
    return found


async def set_on_duty(
    uow: UnitOfWork, actor: Person, person_id: int, on_duty: bool
) -> Check[Person]:
    """Put a Prevent manager on or off the duty rota (on-duty managers receive the alerts)."""
    change = Change.ON_DUTY if on_duty else Change.OFF_DUTY
    found = await _target(uow, actor, change, person_id)
    if isinstance(found, Refused):
        return found
    person = found.value
    if not person.has_role(Role.PREVENT_MANAGER):
        return await _refuse(uow, actor, change, person_id, Refused(NOT_ON_ROTA))
    if on_duty and not person.active:
        return await _refuse(uow, actor, change, person_id, Refused(LEAVER_OFF_ROTA))
    if person.on_duty != on_duty:
        person.on_duty = on_duty
        await uow.audit(actor, change, "", person=person.email)
    return found
