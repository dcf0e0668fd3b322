"""What each party is shown about an information request: notices and status, with buttons.

Every view is built from the request as it stands, and its buttons come straight from the
life-cycle table for that party, so a notice never offers what the hub would refuse.
"""

from __future__ import annotations

from bot.core.unit import UnitOfWork
from bot.sharing import action_forms as forms
from bot.sharing.case import Case, Visibility, guards, standing
from bot.sharing.lifecycle import ChallengeLevel, Party, RequestStatus, notice_actions
from bot.sharing.requests import (
    AUTHORISER_KIND,
    PURPOSE_LABELS,
    authoriser_notice,
    basis_reasoning,
    request_lines,
    request_notice,
)
from dialogs.messages import Notice, NoticeAction
from storage.models import InformationRequest, Person, RequestDecision

OWNER_KIND = "information_request"
REQUESTER_KIND = "request_update"
REVIEWER_KIND = "request_challenge"
STATUS_KIND = "status"

DECLINE_LABELS = {o.value: o.label for o in forms.DECLINE_REASONS}
ROUTE_LABELS = {o.value: o.label for o in forms.ROUTES}
OUTCOME_WORDS = {forms.UPHELD: "upheld", forms.REJECTED: "rejected"}


def buttons(uow: UnitOfWork, case: Case, parties: frozenset[Party]) -> tuple[NoticeAction, ...]:
    """The buttons these parties get now, straight from the life-cycle table."""
    return notice_actions(case.reference, case.status, parties, guards(uow, case))


def _clarification_lines(request: InformationRequest) -> list[str]:
    lines = []
    for item in request.answers.get("clarifications") or []:
        if isinstance(item, dict):
            lines.append(f"Question from the data owner: {item.get('question', '')}")
            if item.get("answer"):
                lines.append(f"Answer: {item['answer']}")
    return lines


WAITING_FOR: dict[RequestStatus, str] = {
    RequestStatus.AWAITING_AUTHORISATION: "the authoriser to authorise it",
    RequestStatus.SUBMITTED: "the data owner to acknowledge it",
    RequestStatus.ACKNOWLEDGED: "the data owner's decision",
    RequestStatus.UNDER_REVIEW: "the data owner's decision",
    RequestStatus.MORE_INFO_NEEDED: "the requester's answer (the decision clock is paused)",
    RequestStatus.APPROVED: "the data owner to send it and mark it fulfilled",
    RequestStatus.PARTIALLY_APPROVED: "the data owner to send it and mark it fulfilled",
    RequestStatus.CHALLENGE_UPHELD: "the data owner's new decision",
    RequestStatus.CHALLENGED: "the answer to the challenge",
    RequestStatus.DECLINED: "a challenge, if any (it closes after that)",
    RequestStatus.CHALLENGE_REJECTED: "a further challenge, if any (it closes after that)",
    RequestStatus.FULFILLED: "closing",
}


def is_overdue(uow: UnitOfWork, request: InformationRequest) -> bool:
    """Whether the request is past the deadline of its current stage (closing is never late)."""
    what = WAITING_FOR.get(RequestStatus(request.status))
    due = request.stage_due_on
    return what not in (None, "closing") and due is not None and due < uow.today


def waiting(uow: UnitOfWork, request: InformationRequest) -> str:
    """What the request waits for and by when ("" in a status with no deadline)."""
    what = WAITING_FOR.get(RequestStatus(request.status))
    if what is None or request.stage_due_on is None:
        return ""
    overdue = " (overdue)" if is_overdue(uow, request) else ""
    return f"waiting for {what}, by {request.stage_due_on:%d %b %Y}{overdue}"


def _waiting_line(uow: UnitOfWork, case: Case) -> list[str]:
    line = waiting(uow, case.request)
    return [line[0].upper() + line[1:]] if line else []


def decision_word(decision: RequestDecision) -> str:
    """A decision in the words of the status it gives the request: approved, approved in part,
    declined."""
    try:
        return RequestStatus(decision.decision).label
    except ValueError:
        return decision.decision.replace("_", " ")


def _decided(uow: UnitOfWork, case: Case, decision: RequestDecision) -> str:
    who = case.name_of(decision.decided_by_id)
    position = f", {decision.position}" if decision.position else ""
    when = uow.calendar.local(decision.decided_at)
    return f"{decision_word(decision)} by {who}{position} on {when:%d %b %Y}"


def _earlier_lines(uow: UnitOfWork, case: Case) -> list[str]:
    """The decisions no longer in force, newest first, each noted as superseded."""
    lines = []
    for decision in reversed(case.earlier):
        reason = DECLINE_LABELS.get(decision.decline_reason, decision.decline_reason)
        lines.append(
            f"Earlier decision: {_decided(uow, case, decision)}"
            + (f" ({reason.lower()})" if reason else "")
            + ", superseded after the challenge was upheld"
        )
    return lines


def _fulfilment_lines(uow: UnitOfWork, case: Case) -> list[str]:
    decision = case.decision
    if decision is None or decision.fulfilled_at is None:
        return []
    when = f" on {decision.sent_on:%d %b %Y}" if decision.sent_on else ""
    route = f" by {decision.sent_route}" if decision.sent_route else ""
    who = case.name_of(decision.fulfilled_by_id)
    return [f"Shared{route}{when} (recorded by {who}): {decision.sent_description}"]


def _decision_lines(uow: UnitOfWork, case: Case) -> list[str]:
    decision = case.decision
    if decision is None:
        return []
    lines = [f"Decision: {_decided(uow, case, decision)}"]
    if decision.decline_reason:
        lines.append(
            f"Reason: {DECLINE_LABELS.get(decision.decline_reason, decision.decline_reason)}"
        )
    if decision.reasons:
        lines.append(f"Explanation: {decision.reasons}")
    if decision.lawful_basis:
        lines.append(f"Lawful basis relied on: {decision.lawful_basis}")
    if decision.shared_description:
        lines.append(f"What is shared: {decision.shared_description}")
    if decision.withheld:
        lines.append(f"Withheld: {decision.withheld}")
    if decision.redactions:
        lines.append(f"Redactions: {decision.redactions}")
    if decision.security:
        lines.append(f"Delivery route: {decision.security}")
    if decision.retention:
        lines.append(f"Retention: {decision.retention}")
    return [*lines, *_fulfilment_lines(uow, case), *_earlier_lines(uow, case)]


def _challenge_lines(uow: UnitOfWork, case: Case) -> list[str]:
    lines = []
    for challenge in case.challenges:
        level = ChallengeLevel(challenge.level).label
        lines.append(
            f"Challenge to {level}, raised {uow.calendar.local(challenge.raised_at):%d %b %Y}: {challenge.reasons}"
        )
        if challenge.outcome:
            word = OUTCOME_WORDS.get(challenge.outcome, challenge.outcome)
            lines.append(f"  {word.capitalize()}: {challenge.note}")
        else:
            lines.append(f"  Answer due by {challenge.due_on:%d %b %Y}")
    return lines


def _progress(uow: UnitOfWork, case: Case, full: bool) -> list[str]:
    return [
        f"Status: {case.status.label}",
        *_waiting_line(uow, case),
        *(_clarification_lines(case.request) if full else []),
        *_decision_lines(uow, case),
        *_challenge_lines(uow, case),
    ]


def owner_view(uow: UnitOfWork, case: Case, headline: str = "", actions: bool = True) -> Notice:
    """The liaison officers' notice: the whole request, where it stands, and their buttons."""
    base = request_notice(case.request, case.requester, case.authoriser)
    return Notice(
        kind=OWNER_KIND,
        title=f"Information request {case.reference}: {case.status.label}",
        lines=(*([headline] if headline else []), *base.lines, *_progress(uow, case, True)),
        reference=case.reference,
        actions=buttons(uow, case, frozenset({Party.OWNER})) if actions else (),
    )


def requester_view(uow: UnitOfWork, case: Case, headline: str = "") -> Notice:
    """The requester's notice: where their request stands and what they can do next."""
    request = case.request
    return Notice(
        kind=REQUESTER_KIND,
        title=f"Your information request {case.reference}: {case.status.label}",
        lines=(
            *([headline] if headline else []),
            f"To: {request.partner.name}",
            f"Purpose: {PURPOSE_LABELS.get(request.purpose_type, request.purpose_type)}",
            *_progress(uow, case, True),
        ),
        reference=case.reference,
        actions=buttons(uow, case, frozenset({Party.REQUESTER})),
    )


def reviewer_view(uow: UnitOfWork, case: Case, headline: str = "") -> Notice:
    """The challenge reviewer's notice: the decision trail without the subject's details."""
    request = case.request
    organisation = case.requester.partner.name if case.requester.partner else "organisation unknown"
    return Notice(
        kind=REVIEWER_KIND,
        title=f"Challenge to information request {case.reference}",
        lines=(
            *([headline] if headline else []),
            f"From: {case.requester.name} ({organisation})",
            f"Data owner: {request.partner.name}",
            f"Purpose: {PURPOSE_LABELS.get(request.purpose_type, request.purpose_type)}",
            f"Suggested lawful basis: {request.lawful_basis}",
            *_progress(uow, case, False),
        ),
        reference=case.reference,
        actions=buttons(uow, case, frozenset({Party.REVIEWER})),
    )


def authoriser_view(uow: UnitOfWork, case: Case, headline: str = "") -> Notice:
    """The authoriser's notice: the whole request they vouch for, and Authorise / Refuse."""
    base = authoriser_notice(case.request, case.requester, case.authoriser)
    return Notice(
        kind=AUTHORISER_KIND,
        title=f"Information request {case.reference} to authorise: {case.status.label}",
        lines=(*([headline] if headline else []), *base.lines, *_progress(uow, case, True)),
        reference=case.reference,
        actions=buttons(uow, case, frozenset({Party.AUTHORISER})),
    )


def status_view(uow: UnitOfWork, case: Case, actor: Person) -> Notice | None:
    """What `status IR-...` shows this actor (None when they may not see the request)."""
    who = standing(case, actor)
    request = case.request
    if who.visibility is Visibility.NONE:
        return None
    if who.visibility is Visibility.FULL:
        lines = (
            *request_lines(request, case.requester, case.authoriser),
            *basis_reasoning(request),
        )
    else:
        lines = (
            f"To: {request.partner.name}",
            f"Purpose: {PURPOSE_LABELS.get(request.purpose_type, request.purpose_type)}",
        )
    return Notice(
        kind=STATUS_KIND,
        title=f"{case.reference}: {case.status.label}",
        lines=(
            *lines,
            f"Submitted: {uow.calendar.local(request.submitted_at):%d %b %Y}",
            *_progress(uow, case, who.visibility is Visibility.FULL),
        ),
        reference=case.reference,
        actions=buttons(uow, case, who.parties),
    )


def view_for(uow: UnitOfWork, case: Case, party: Party, headline: str = "") -> Notice:
    """The notice a party gets about the request now."""
    if party is Party.OWNER:
        return owner_view(uow, case, headline)
    if party is Party.REVIEWER:
        return reviewer_view(uow, case, headline)
    if party is Party.AUTHORISER:
        return authoriser_view(uow, case, headline)
    return requester_view(uow, case, headline)


KINDS: dict[Party, str] = {
    Party.OWNER: OWNER_KIND,
    Party.REQUESTER: REQUESTER_KIND,
    Party.REVIEWER: REVIEWER_KIND,
    Party.AUTHORISER: AUTHORISER_KIND,
}
