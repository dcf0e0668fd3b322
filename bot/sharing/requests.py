"""Submitting information requests: deadlines in working days and a notice to the data owner."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.roles import Role
from bot.core.unit import ServiceError, UnitOfWork
from bot.sharing.deadlines import start_stage
from bot.sharing.forms import FORM, PURPOSES, RequestAnswers
from bot.sharing.lawful_basis import suggest_basis
from bot.sharing.lifecycle import Party, RequestStatus, notice_actions
from dialogs.messages import Completed, JsonValue, Notice, Option, Outbound
from dialogs.parsing import display_answer
from storage import directory, records
from storage.models import InformationRequest, Partner, Person, RequestEvent, SharingAgreement

PREFIX = "IR"
PURPOSE_LABELS = {o.value: o.label for o in PURPOSES}


class UnknownPartner(ValueError):
    """The partner chosen in the form is no longer in the directory."""


async def record_request(
    uow: UnitOfWork, requester: Person, asked: RequestAnswers
) -> InformationRequest:
    """Store a confirmed request as `submitted` and tell the partner's liaison officers."""
    partner = await directory.partner_by_code(uow.session, asked.partner)
    if partner is None:
        raise UnknownPartner(asked.partner)
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
        status=RequestStatus.SUBMITTED.value,
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
    )
    notice = request_notice(request, requester)
    for officer in await directory.people_with_role(uow.session, Role.DATA_OWNER, partner.id):
        await uow.notify(officer, notice, dedupe_key=f"request-new:{reference}:{officer.id}")
    return request


OWN_LINES = frozenset({"risk_to_life", "purpose_type", "partner", "declaration"})
"""Answers the owner's notice shows in its opening lines, or (risk to life, the declaration)
not at all: a request in the hub was never a risk to life, and every request was declared."""


def request_lines(request: InformationRequest, requester: Person) -> tuple[str, ...]:
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
        elif field.name not in OWN_LINES and field.name in answers:
            value = answers[field.name]
            shown = "none given" if value is None else display_answer(field, value, ())
            lines.append(f"{field.label}: {shown}")
    return tuple(lines)


def _basis_lines(request: InformationRequest) -> list[str]:
    """The basis the requester relies on, and the helper's suggestion where they changed it."""
    lines = [f"Lawful basis the requester relies on: {request.lawful_basis}"]
    suggested = suggest_basis(request.answers)
    if suggested and suggested.strip() != request.lawful_basis.strip():
        lines.append(f"The helper suggested: {suggested}")
    return lines


def _agreement_line(request: InformationRequest) -> str:
    agreement = request.agreement
    if agreement is None:
        return "Sharing agreement: none (one-off sharing: record the decision; consider a DPIA)"
    return f"Sharing agreement: {agreement.reference} {agreement.title}"


def request_notice(request: InformationRequest, requester: Person) -> Notice:
    """What the data owner's liaison officers see: everything they decide on, sent to them alone."""
    return Notice(
        kind="information_request",
        title=f"Information request {request.reference}",
        lines=(
            *request_lines(request, requester),
            f"Decision due by: {request.decide_by:%d %b %Y}",
        ),
        reference=request.reference,
        actions=notice_actions(
            request.reference, RequestStatus(request.status), frozenset({Party.OWNER})
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
    options["agreements"] = tuple(
        Option(
            a.reference, f"{a.title} (covers this purpose)" if purpose in a.purposes else a.title
        )
        for a in covering
    )
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
    return [
        Completed(
            request.reference,
            f"Your request is sent to {request.partner.name} as {request.reference}. They should "
            f"acknowledge it by {request.acknowledge_by:%d %b} and decide by "
            f"{request.decide_by:%d %b %Y}. The data owner decides whether to share.",
        )
    ]
