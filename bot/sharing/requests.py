"""Submitting information requests: deadlines in working days and a notice to the data owner.

Where the data owner requires an authoriser, the request waits for the authoriser the requester
named (someone of their own organisation holding the authoriser role), and the data owner hears
of it only once it is authorised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.roles import Role
from bot.core.unit import ServiceError, UnitOfWork
from bot.sharing.deadlines import start_stage
from bot.sharing.forms import (
    AUTHORISERS,
    NO_AGREEMENT_VALUE,
    NO_AUTHORISER,
    PURPOSES,
    URGENT,
    RequestAnswers,
)
from bot.sharing.lifecycle import Party, RequestStatus, notice_actions
from dialogs.messages import Completed, JsonValue, Notice, Option, Outbound
from storage import directory, records
from storage.models import InformationRequest, Partner, Person, RequestEvent, SharingAgreement

PREFIX = "IR"
PURPOSE_LABELS = {o.value: o.label for o in PURPOSES}
AUTHORISER_KIND = "request_authorisation"
NO_AUTHORISER_SET_UP = (
    "{partner} needs each request authorised by someone in your own organisation, and nobody "
    "in your organisation is set up as an authoriser yet, so nothing was sent. Please ask the "
    "partnership coordinator to set one up."
)
NOT_AN_AUTHORISER = (
    "The authoriser you chose is not someone in your organisation who can authorise requests "
    "(perhaps their role changed), so nothing was sent. Please start the request again and "
    "choose from the list."
)


class UnknownPartner(ValueError):
    """The partner chosen in the form is no longer in the directory."""


class NoAuthoriser(ValueError):
    """The partner needs an authoriser and the one chosen (if any) cannot authorise it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def authorisers_for(session: AsyncSession, requester: Person) -> list[Person]:
    """Who may authorise `requester`'s requests: authorisers of their own organisation, in the
    directory, never the requester themselves."""
    if requester.partner_id is None:
        return []
    people = await directory.people_with_role(session, Role.AUTHORISER, requester.partner_id)
    return [
        p
        for p in people
        if p.partner_id == requester.partner_id and p.in_directory and p.id != requester.id
    ]


async def chosen_authoriser(
    session: AsyncSession, requester: Person, partner: Partner, chosen: str | None
) -> Person | None:
    """The authoriser for a request to `partner` (None when the partner needs none).

    Raises NoAuthoriser when the partner needs one and the choice is missing or is not one of
    the requester's organisation's authorisers (a stale or forged choice).
    """
    if not partner.requires_authoriser:
        return None
    allowed = await authorisers_for(session, requester)
    if not allowed:
        raise NoAuthoriser(NO_AUTHORISER_SET_UP.format(partner=partner.name))
    found = next((p for p in allowed if str(p.id) == chosen), None)
    if found is None:
        raise NoAuthoriser(NOT_AN_AUTHORISER)
    return found


async def record_request(
    uow: UnitOfWork, requester: Person, asked: RequestAnswers
) -> InformationRequest:
    """Store a confirmed request and tell its first holder: the partner's liaison officers
    (`submitted`), or the authoriser the requester chose (`awaiting_authorisation`)."""
    partner = await directory.partner_by_code(uow.session, asked.partner)
    if partner is None:
        raise UnknownPartner(asked.partner)
    authoriser = await chosen_authoriser(uow.session, requester, partner, asked.authoriser)
    agreement = None
    if asked.agreement is not None:
        agreement = await uow.session.scalar(
            select(SharingAgreement.id).where(SharingAgreement.reference == asked.agreement)
        )
    deadlines = uow.settings.deadlines
    decide_days = deadlines.decide_urgent_days if asked.urgent else deadlines.decide_days
    reference = await records.next_reference(uow.session, PREFIX, uow.local_now.year)
    request = InformationRequest(
        reference=reference,
        requester_id=requester.id,
        partner=partner,
        agreement_id=agreement,
        purpose_type=asked.purpose_type,
        urgency=asked.urgency,
        lawful_basis=asked.lawful_basis,
        answers=asked.given,
        status=(
            RequestStatus.SUBMITTED if authoriser is None else RequestStatus.AWAITING_AUTHORISATION
        ).value,
        authoriser_id=authoriser.id if authoriser else None,
        submitted_at=uow.now,
        acknowledge_by=uow.calendar.add_working_days(uow.today, deadlines.acknowledge_days),
        decide_by=uow.calendar.add_working_days(uow.today, decide_days),
        needed_by=asked.needed_by,
    )
    uow.session.add(request)
    await uow.session.flush()
    uow.session.add(
        RequestEvent(
            request_id=request.id,
            actor_id=requester.id,
            from_status="",
            to_status=request.status,
            note={},
            at=uow.now,
        )
    )
    start_stage(uow, request)
    await uow.audit(
        requester,
        "request.submitted",
        reference,
        partner=partner.code,
        purpose_type=request.purpose_type,
        urgency=request.urgency,
        lawful_basis=request.lawful_basis,
        decide_by=request.decide_by.isoformat(),
        authoriser=authoriser.email if authoriser else "",
    )
    if authoriser is not None:
        notice = authoriser_notice(request, requester, partner.name)
        await uow.notify(authoriser, notice, dedupe_key=f"request-authorise:{reference}")
        return request
    notice = request_notice(request, requester, partner.name)
    for officer in await directory.people_with_role(uow.session, Role.DATA_OWNER, partner.id):
        await uow.notify(officer, notice, dedupe_key=f"request-new:{reference}:{officer.id}")
    return request


def request_notice(request: InformationRequest, requester: Person, partner_name: str) -> Notice:
    """What the data owner's liaison officer sees: enough to decide, sent to them alone."""
    answers = request.answers
    agreement = answers.get("agreement")
    lines = (
        f"From: {requester.name} ({requester.partner.name if requester.partner else 'organisation unknown'})",
        f"To: {partner_name}",
        f"Purpose: {PURPOSE_LABELS.get(request.purpose_type, request.purpose_type)}",
        f"Details: {answers.get('purpose', '')}",
        f"Information wanted: {answers.get('data_wanted', '')} ({answers.get('date_range', '')})",
        f"Suggested lawful basis: {request.lawful_basis}",
        f"Sharing agreement: {agreement if agreement not in (None, NO_AGREEMENT_VALUE) else 'none (one-off)'}",
        f"Urgency: {'urgent safeguarding' if request.urgency == URGENT else 'routine'}",
        f"Decision due by: {request.decide_by:%d %b %Y}",
    )
    return Notice(
        kind="information_request",
        title=f"Information request {request.reference}",
        lines=lines,
        reference=request.reference,
        actions=notice_actions(
            request.reference, RequestStatus(request.status), frozenset({Party.OWNER})
        ),
    )


def authoriser_notice(request: InformationRequest, requester: Person, partner_name: str) -> Notice:
    """What the authoriser sees: the whole request (they vouch for it) and Authorise / Refuse."""
    base = request_notice(request, requester, partner_name)
    return Notice(
        kind=AUTHORISER_KIND,
        title=f"Please authorise information request {request.reference}",
        lines=(
            f"{requester.name} asks you to authorise this request before it goes to "
            f"{partner_name}.",
            *base.lines[:-1],
        ),
        reference=request.reference,
        actions=notice_actions(
            request.reference, RequestStatus(request.status), frozenset({Party.AUTHORISER})
        ),
    )


def rank_partners(partners: list[Partner], data_wanted: str) -> tuple[Option, ...]:
    """Partners whose data categories match the data wanted come first, marked as suggested."""
    words = set(re.findall(r"[a-z]+", data_wanted.lower()))

    def score(partner: Partner) -> int:
        return sum(
            1 for category in partner.data_categories if set(category.lower().split()) & words
        )

    ranked = sorted(partners, key=lambda p: (-score(p), p.name))
    return tuple(Option(p.code, f"{p.name} (suggested)" if score(p) else p.name) for p in ranked)


async def request_options(
    session: AsyncSession, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """The request form's partners (suggested first) and the agreements with the chosen one."""
    partners = list(await directory.partners(session))
    options: dict[str, tuple[Option, ...]] = {
        "partners": rank_partners(partners, str(answers.get("data_wanted") or ""))
    }
    chosen = answers.get("partner")
    agreements = await directory.agreements_for(session, str(chosen)) if chosen else []
    purpose = str(answers.get("purpose_type") or "")
    covering = sorted(agreements, key=lambda a: (purpose not in a.purposes, a.title))
    options["agreements"] = (
        *(
            Option(
                a.reference,
                f"{a.title} (covers this purpose)" if purpose in a.purposes else a.title,
            )
            for a in covering
        ),
        Option(NO_AGREEMENT_VALUE, "No agreement covers it (one-off sharing)"),
    )
    partner = next((p for p in partners if p.code == chosen), None)
    needed = partner is not None and partner.requires_authoriser
    authorisers = await authorisers_for(session, actor) if needed else []
    options[AUTHORISERS] = tuple(
        Option(str(p.id), f"{p.name}, {p.position}" if p.position else p.name) for p in authorisers
    )
    missing = partner is not None and needed and not authorisers
    options[NO_AUTHORISER] = (Option(partner.code, partner.name),) if missing and partner else ()
    return options


async def submit_request(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Send an information request to the partner and tell the requester the deadlines."""
    try:
        request = await record_request(uow, actor, RequestAnswers.read(answers))
    except UnknownPartner as error:
        raise ServiceError(
            "That partner is no longer in the directory; please start again."
        ) from error
    except NoAuthoriser as error:
        raise ServiceError(error.reason) from error
    if request.status == RequestStatus.AWAITING_AUTHORISATION:
        authoriser = await uow.session.get(Person, request.authoriser_id)
        name = authoriser.name if authoriser else "your authoriser"
        return [
            Completed(
                request.reference,
                f"Your request {request.reference} is with {name} to authorise. Once they "
                f"do, it goes to {request.partner.name}; you will hear either way.",
            )
        ]
    return [
        Completed(
            request.reference,
            f"Your request is sent to {request.partner.name} as {request.reference}. They should "
            f"acknowledge it by {request.acknowledge_by:%d %b} and decide by "
            f"{request.decide_by:%d %b %Y}. The data owner decides whether to share.",
        )
    ]
