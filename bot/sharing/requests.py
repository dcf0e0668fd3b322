"""Submitting information requests: deadlines in working days and a notice to the data owner.

Where the data owner requires an authoriser, the request waits for the authoriser the requester
named (someone of their own organisation holding the authoriser role), and the data owner hears
of it only once it is authorised.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import contacts
from bot.core.contacts import contact_options
from bot.core.roles import Role
from bot.core.unit import ServiceError, UnitOfWork
from bot.sharing import agreements, owners
from bot.sharing.deadlines import start_stage
from bot.sharing.forms import (
    AGREEMENT_NOTES,
    AUTHORISERS,
    FORM,
    HOLDINGS,
    NO_AUTHORISER,
    PURPOSES,
    RequestAnswers,
)
from bot.sharing.lawful_basis import (
    GOVERNANCE_LEAD,
    OWNER_DECIDES,
    PREVENT_LEAD,
    basis_for,
    suggest_basis,
)
from bot.sharing.lifecycle import Party, RequestStatus, notice_actions
from dialogs.messages import Completed, JsonValue, Notice, Option, Outbound
from dialogs.parsing import display_answer
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
            select(SharingAgreement).where(SharingAgreement.reference == asked.agreement)
        )
    deadlines = uow.settings.deadlines
    decide_days = deadlines.decide_urgent_days if asked.urgent else deadlines.decide_days
    reference = await records.next_reference(uow.session, PREFIX, uow.local_now.year)
    request = InformationRequest(
        reference=reference,
        requester_id=requester.id,
        partner=partner,
        agreement=agreement,
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
        delete_by=asked.delete_by,
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
        notice = authoriser_notice(request, requester, authoriser)
        await uow.notify(authoriser, notice, dedupe_key=f"request-authorise:{reference}")
        return request
    notice = request_notice(request, requester, authoriser)
    for officer in await directory.people_with_role(uow.session, Role.DATA_OWNER, partner.id):
        await uow.notify(officer, notice, dedupe_key=f"request-new:{reference}:{officer.id}")
    return request


OWN_LINES = frozenset({"risk_to_life", "purpose_type", "partner", "declaration"})
"""Answers the owner's notice shows in its opening lines, or (risk to life, the declaration)
not at all: a request in the hub was never a risk to life, and every request was declared."""


def request_lines(
    request: InformationRequest, requester: Person, authoriser: Person | None
) -> tuple[str, ...]:
    """Every answer a data owner decides on (DOMAIN.md section 3), in the form's order.

    Built from the form definition, so a question added to the form is shown here too.
    """
    answers = request.answers
    organisation = requester.partner.name if requester.partner else "organisation unknown"
    position = f", {requester.position}" if requester.position else ""
    lines = [
        f"From: {requester.name}{position} ({organisation})",
        f"To: {request.partner.name}",
        f"Purpose: {PURPOSE_LABELS.get(request.purpose_type, request.purpose_type)}",
    ]
    for field in FORM.fields:
        if field.name == "lawful_basis":
            lines.extend(_basis_lines(request))
        elif field.name == "agreement":
            lines.append(_agreement_line(request))
        elif field.name == "authoriser":
            if authoriser is not None:
                lines.append(_authoriser_line(request, authoriser))
        elif field.name not in OWN_LINES and field.name in answers:
            value = answers[field.name]
            shown = "none given" if value is None else display_answer(field, value, ())
            lines.append(f"{field.label}: {shown}")
    return tuple(lines)


def _basis_lines(request: InformationRequest) -> list[str]:
    """The basis the requester relies on, and the helper's suggestion where they changed it."""
    lines = [f"Lawful basis the requester relies on: {request.lawful_basis}"]
    suggested = suggest_basis(request.answers)
    if suggested and suggested.answer.strip() != request.lawful_basis.strip():
        lines.append(f"The helper suggested: {suggested.answer}")
    return lines


def basis_reasoning(request: InformationRequest) -> tuple[str, ...]:
    """The helper's reasoning for the basis it suggests from the answers: what it means in plain
    words and when it applies, with the reminder that the data owner decides."""
    basis = basis_for(request.answers)
    if basis is None:
        return ()
    return (
        f"Suggested basis in plain words: {basis.meaning}",
        f"When the suggested basis applies: {basis.applies}",
        OWNER_DECIDES,
    )


def _authoriser_line(request: InformationRequest, authoriser: Person) -> str:
    position = f", {authoriser.position}" if authoriser.position else ""
    done = "authorised it" if request.authorised_at else "asked to authorise it"
    return f"Authoriser: {authoriser.name}{position} ({done})"


def _agreement_line(request: InformationRequest) -> str:
    agreement = request.agreement
    if agreement is None:
        return "Sharing agreement: none (one-off sharing: record the decision; consider a DPIA)"
    return f"Sharing agreement: {agreement.reference} {agreement.title}"


def request_notice(
    request: InformationRequest, requester: Person, authoriser: Person | None
) -> Notice:
    """What the data owner's liaison officers see: everything they decide on, sent to them alone."""
    return Notice(
        kind="information_request",
        title=f"Information request {request.reference}",
        lines=(
            *request_lines(request, requester, authoriser),
            f"Decision due by: {request.decide_by:%d %b %Y}",
        ),
        reference=request.reference,
        actions=notice_actions(
            request.reference, RequestStatus(request.status), frozenset({Party.OWNER})
        ),
    )


def authoriser_notice(
    request: InformationRequest, requester: Person, authoriser: Person | None
) -> Notice:
    """What the authoriser sees: the whole request (they vouch for it) and Authorise / Refuse."""
    base = request_notice(request, requester, authoriser)
    return Notice(
        kind=AUTHORISER_KIND,
        title=f"Please authorise information request {request.reference}",
        lines=(
            f"{requester.name} asks you to authorise this request before it goes to "
            f"{request.partner.name}.",
            *base.lines[:-1],
        ),
        reference=request.reference,
        actions=notice_actions(
            request.reference, RequestStatus(request.status), frozenset({Party.AUTHORISER})
        ),
    )


async def request_options(
    uow: UnitOfWork, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """The request form's run-time lists: partners (suggested from their data catalogue first)
    and what the suggested ones hold; the agreements the chosen partner may be asked under and
    why any other is not offered; the requester's own information-governance and Prevent leads."""
    session = uow.session
    wanted = str(answers.get("data_wanted") or "")
    catalogue = await directory.catalogue(session) if wanted else {}
    partners = list(await directory.partners(session))
    ranking = owners.rank(partners, catalogue, wanted)
    options: dict[str, tuple[Option, ...]] = {
        "partners": owners.partner_options(ranking),
        HOLDINGS: _text(_below(owners.holdings_text(ranking, wanted))),
        GOVERNANCE_LEAD: contact_options(await contacts.governance_leads(session, actor)),
        PREVENT_LEAD: contact_options(await contacts.prevent_leads(session, actor)),
    }
    chosen, purpose = str(answers.get("partner") or ""), str(answers.get("purpose_type") or "")
    offered, refused = (
        await agreements.usable(session, chosen, purpose, uow.today) if chosen else ([], [])
    )
    options["agreements"] = tuple(
        Option(a.reference, f"{a.title} (covers this purpose)") for a in offered
    )
    options[AGREEMENT_NOTES] = _text(_below(agreements.not_offered(refused)))
    partner = next((p for p in partners if p.code == chosen), None)
    needed = partner is not None and partner.requires_authoriser
    authorisers = await authorisers_for(session, actor) if needed else []
    options[AUTHORISERS] = tuple(
        Option(str(p.id), f"{p.name}, {p.position}" if p.position else p.name) for p in authorisers
    )
    missing = partner is not None and needed and not authorisers
    options[NO_AUTHORISER] = (Option(partner.code, partner.name),) if missing and partner else ()
    return options


def _below(text: str) -> str:
    """`text` on lines of its own under the question, if there is any."""
    return f"\n{text}" if text else ""


def _text(text: str) -> tuple[Option, ...]:
    """Words a question shows (`{name}` in its prompt), as the run-time list the engine fills
    them from; none when there is nothing to say."""
    return (Option("text", text),) if text else ()


async def submit_request(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Send an information request to the partner and tell the requester the deadlines."""
    asked = RequestAnswers.read(answers)
    if asked.agreement is not None:
        problem = await agreements.citation_problem(
            uow.session, asked.agreement, asked.partner, asked.purpose_type, uow.today
        )
        if problem:
            raise ServiceError(f"Nothing was sent. {problem} Please start the request again.")
    try:
        request = await record_request(uow, actor, asked)
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
