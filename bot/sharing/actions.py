"""The information-sharing life cycle as domain actions: data owners decide, requesters follow up.

Every step goes through one path: find the request, work out the part the actor plays in it
(requester, data owner's liaison officer or deputy, challenge reviewer, or the hub's clock), ask
the life-cycle table (`lifecycle.check`), and only then change anything. A refused step says why,
changes nothing and is audited. An allowed step writes a RequestEvent and an audit row, starts
the next deadline, replaces every earlier notice about the request (so no stale button can be
pressed) and tells whoever needs to know, all in the caller's transaction.

Who plays which part and who sees what is in `case`; what each party is shown, in `views`;
deadlines in `deadlines`; the life-cycle table itself in `lifecycle`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from bot.core.checks import Allowed, Refused, refused
from bot.core.unit import ActionHandler, ActionOutcome, Submitter, UnitOfWork
from bot.sharing import action_forms as forms
from bot.sharing.action_forms import (
    AnswerAnswers,
    ChallengeAnswers,
    DecisionAnswers,
    DeclineAnswers,
    FulfilAnswers,
    QuestionAnswers,
    ReasonAnswers,
    RedirectAnswers,
    ReviewAnswers,
    StepAnswers,
)
from bot.sharing.case import (
    Case,
    Visibility,
    challenge_level,
    guards,
    holders,
    load_case,
    reviewers_at,
    standing,
)
from bot.sharing.deadlines import start_stage
from bot.sharing.forms import URGENT
from bot.sharing.lifecycle import (
    ACTION_PREFIX,
    FINAL,
    TRANSITIONS,
    ChallengeLevel,
    Party,
    RequestAction,
    RequestStatus,
    Transition,
    action_name,
    check,
)
from bot.sharing.views import (
    DECLINE_LABELS,
    KINDS,
    OUTCOME_WORDS,
    ROUTE_LABELS,
    decision_word,
    status_view,
    view_for,
)
from dialogs.messages import ActionInput, Completed, JsonValue, Notice, Option, Outbound, Say
from storage import directory, records
from storage.models import (
    Challenge,
    InformationRequest,
    Partner,
    Person,
    RequestDecision,
    RequestEvent,
)
from storage.outbox import Recipients

NOT_FOUND = "I can't find a record with that reference that you can see."
NO_REVIEWER = (
    "Nobody is set up to review this challenge yet; please ask the partnership coordinator. "
    "Nothing was changed."
)
SAME_PARTNER = "Choose a different partner from the list; nothing was changed."

FORM_FOR: dict[RequestAction, str] = {
    RequestAction.ASK: forms.QUESTION,
    RequestAction.ANSWER: forms.ANSWER,
    RequestAction.APPROVE: forms.DECISION,
    RequestAction.APPROVE_IN_PART: forms.DECISION,
    RequestAction.DECLINE: forms.DECLINE,
    RequestAction.REDIRECT: forms.REDIRECT,
    RequestAction.CHALLENGE: forms.CHALLENGE,
    RequestAction.ESCALATE: forms.CHALLENGE,
    RequestAction.UPHOLD: forms.REVIEW,
    RequestAction.REJECT: forms.REVIEW,
    RequestAction.WITHDRAW: forms.WITHDRAW,
    RequestAction.REFUSE: forms.REFUSE_AUTHORISATION,
    RequestAction.FULFIL: forms.FULFIL,
}
IMMEDIATE = (RequestAction.ACKNOWLEDGE, RequestAction.CLOSE, RequestAction.AUTHORISE)
SHORT_NAMES: dict[str, RequestAction] = {
    "uphold": RequestAction.UPHOLD,
    "reject": RequestAction.REJECT,
}
"""Short words that name an action when typed with a reference ('uphold IR-2026-0001')."""


async def request_status(uow: UnitOfWork, actor: Person, reference: str) -> Outbound:
    """The answer to `status IR-...`: the same for a hidden request as for a missing one."""
    request = await records.request_by_reference(uow.session, reference.strip().upper()[:20])
    if request is None:
        return Say(NOT_FOUND)
    view = status_view(uow, await load_case(uow, request), actor)
    return view if view is not None else Say(NOT_FOUND)


async def publish(
    uow: UnitOfWork,
    actor: Person | None,
    request: InformationRequest,
    transition: Transition,
    event: RequestEvent,
    headline: str,
) -> None:
    """Bring every earlier notice up to date, then tell who needs to know (not the actor).

    Each event reaches each person once: someone told of it gets one new notice (or, if an
    earlier one is still waiting to be delivered, that one carries the news instead), and their
    delivered copies are pointed to it, without buttons, rather than repeating the news.
    """
    case = await load_case(uow, request)
    for party, kind in KINDS.items():
        fresh = view_for(uow, case, party, headline)
        told = [
            p
            for p in (holders(case, party) if party in transition.tell else [])
            if actor is None or p.id != actor.id
        ]
        told_ids = frozenset(p.id for p in told)
        await uow.refresh_notices(fresh, kind, Recipients(besides=told_ids))
        if not told:
            continue
        those = Recipients(only=told_ids)
        waiting = await uow.refresh_notices(fresh, kind, those, delivered=moved_on(fresh))
        await uow.retire_notices(case.reference, kind, those, delivered_only=True)
        for person in told:
            if person.id in waiting:
                continue
            await uow.notify(
                person,
                fresh,
                dedupe_key=f"request:{case.reference}:{event.id}:{party.value}:{person.id}",
            )


def moved_on(fresh: Notice) -> Notice:
    """What an earlier copy becomes once a newer notice about the request is sent below it."""
    return Notice(
        fresh.kind,
        f"{fresh.reference}: see the newer message below",
        ("This request has moved on; the newest message about it is below.",),
        fresh.reference,
    )


async def hand_over(uow: UnitOfWork, case: Case, party: Party, headline: str) -> None:
    """Give the people who held the request a final, button-free notice, and stop updating them.

    Used when a request moves to another data owner or a challenge to the next level: those who
    held it before must not keep live buttons, nor receive later (possibly personal) updates.
    """
    kind = KINDS[party]
    final = view_for(uow, case, party, headline)
    await uow.refresh_notices(Notice(kind, final.title, final.lines, final.reference), kind)
    await uow.retire_notices(case.reference, kind)


async def move(
    uow: UnitOfWork,
    actor: Person | None,
    request: InformationRequest,
    transition: Transition,
    *,
    headline: str,
    note: dict[str, JsonValue] | None = None,
    audit: dict[str, Any] | None = None,
) -> RequestEvent:
    """Make an allowed transition: status, step, audit row, next deadline, notices."""
    before = request.status
    request.status = transition.target.value
    if transition.target in FINAL:
        request.closed_at = uow.now
    event = RequestEvent(
        request_id=request.id,
        actor_id=actor.id if actor else None,
        from_status=before,
        to_status=request.status,
        note=note or {},
        at=uow.now,
    )
    uow.session.add(event)
    await uow.session.flush()
    await uow.audit(
        actor,
        f"request.{transition.action.value}",
        request.reference,
        from_status=before,
        to_status=request.status,
        **(audit or {}),
    )
    start_stage(uow, request)
    await publish(uow, actor, request, transition, event, headline)
    return event


async def allowed(
    uow: UnitOfWork, actor: Person | None, action: RequestAction, reference: str
) -> Allowed[tuple[Case, Transition]] | Refused:
    """The case and the table's transition, or why the actor may not act (not audited here)."""
    request = await records.request_by_reference(uow.session, reference.strip().upper()[:20])
    if request is None:
        return Refused(NOT_FOUND)
    case = await load_case(uow, request)
    who = standing(case, actor)
    if not who.parties and who.visibility is Visibility.NONE:
        return Refused(NOT_FOUND)
    verdict = check(case.reference, case.status, action, who.parties, guards(uow, case))
    if isinstance(verdict, Refused):
        return _answered(uow, case, action) or verdict
    return Allowed((case, verdict.value))


def _answered(uow: UnitOfWork, case: Case, action: RequestAction) -> Refused | None:
    """Answering a challenge that was already answered, or fulfilling a request whose upheld
    challenge reopened its decision: say why, plainly."""
    if case.status is RequestStatus.CHALLENGE_UPHELD and action is RequestAction.FULFIL:
        return Refused(
            f"The challenge to {case.reference} was upheld, so the data owner records a new "
            "decision first (approve, or approve in part); it can be marked fulfilled after that. "
            "Nothing was changed."
        )
    challenge = case.challenge
    if (
        action not in (RequestAction.UPHOLD, RequestAction.REJECT)
        or case.status in (RequestStatus.CHALLENGED, *FINAL)
        or challenge is None
        or challenge.decided_at is None
    ):
        return None
    word = OUTCOME_WORDS.get(challenge.outcome, challenge.outcome)
    return Refused(
        f"The challenge to {case.reference} was already {word} on "
        f"{uow.calendar.local(challenge.decided_at):%d %b %Y}; nothing was changed."
    )


async def _refusal(
    uow: UnitOfWork, actor: Person, action: RequestAction, reference: str, refusal: Refused
) -> list[Outbound]:
    """Audit the refusal of `action` on the request and tell the actor why."""
    said = await refused(uow, actor, action_name(action), reference.strip()[:20], refusal)
    return [Say(said)]


def _handler(action: RequestAction) -> ActionHandler:
    async def handle(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
        found = await allowed(uow, actor, action, pressed.reference)
        if isinstance(found, Refused):
            return ActionOutcome(await _refusal(uow, actor, action, pressed.reference, found))
        case, transition = found.value
        if action in IMMEDIATE:
            return ActionOutcome(await _immediate(uow, actor, case, transition))
        return ActionOutcome(
            _intro(uow, case, action),
            start_form=FORM_FOR[action],
            prefill=_prefill(uow, case, action, actor),
        )

    handle.__doc__ = f"The {action.value} button on an information request."
    return handle


def _intro(uow: UnitOfWork, case: Case, action: RequestAction) -> list[Outbound]:
    request = case.request
    if action is RequestAction.ANSWER:
        return [Say(f"{request.partner.name} asks: {request.more_info_question}")]
    if action in (RequestAction.CHALLENGE, RequestAction.ESCALATE):
        days = uow.settings.deadlines.review_days
        level = challenge_level(case)
        who = level.label if level else "the next reviewer"
        return [Say(f"Your challenge goes to {who}, who should answer within {days} working days.")]
    if case.status is RequestStatus.CHALLENGE_UPHELD and case.decision is not None:
        return [
            Say(
                f"The challenge was upheld, so your new decision replaces the earlier one "
                f"({decision_word(case.decision)}), which stays on the record."
            )
        ]
    return []


def _prefill(
    uow: UnitOfWork, case: Case, action: RequestAction, actor: Person
) -> dict[str, JsonValue]:
    answers = case.request.answers
    prefill: dict[str, JsonValue] = {"reference": case.reference}
    if action in (RequestAction.APPROVE, RequestAction.APPROVE_IN_PART):
        retention = answers.get("retention")  # requests made before delete_by was kept apart
        delete_by = case.request.delete_by or (
            date.fromisoformat(str(retention)) if retention else None
        )
        prefill |= {
            "decision": forms.APPROVED
            if action is RequestAction.APPROVE
            else forms.PARTIALLY_APPROVED,
            "lawful_basis": case.request.lawful_basis,
            "retention": f"Delete by {delete_by:%d %b %Y}" if delete_by else "",
            "route": str(
                answers.get("delivery") or (forms.ROUTES[0].value if forms.ROUTES else "")
            ),
            "position": actor.position,
        }
    elif action is RequestAction.DECLINE:
        prefill["position"] = actor.position
    elif action in (RequestAction.UPHOLD, RequestAction.REJECT):
        prefill["outcome"] = forms.UPHELD if action is RequestAction.UPHOLD else forms.REJECTED
    elif action is RequestAction.FULFIL and case.decision is not None:
        routes = {label: value for value, label in ROUTE_LABELS.items()}
        route = routes.get(case.decision.security) or str(answers.get("delivery") or "")
        prefill |= {
            "approved": case.decision.shared_description,
            "route": route or (forms.ROUTES[0].value if forms.ROUTES else ""),
            "sent_on": uow.today.isoformat(),
        }
    return prefill


async def _immediate(
    uow: UnitOfWork, actor: Person, case: Case, transition: Transition
) -> list[Outbound]:
    request = case.request
    if transition.action is RequestAction.ACKNOWLEDGE:
        request.holder_id = actor.id
        await move(
            uow,
            actor,
            request,
            transition,
            headline=f"{actor.name} ({request.partner.name}) acknowledged it.",
        )
        return [
            Say(
                f"{case.reference} acknowledged; {case.requester.name} has been told. "
                f"Your decision is due by {request.decide_by:%d %b %Y}."
            )
        ]
    if transition.action is RequestAction.AUTHORISE:
        return await _authorise(uow, actor, case, transition)
    await move(uow, actor, request, transition, headline=f"{actor.name} closed it.")
    return [Say(f"{case.reference} is closed.")]


async def _authorise(
    uow: UnitOfWork, actor: Person, case: Case, transition: Transition
) -> list[Outbound]:
    """The authoriser vouches for the request: it goes to the data owner, whose acknowledge and
    decide deadlines start now. The authoriser's notice keeps its last, button-free state and
    gets no later (possibly personal) updates."""
    request = case.request
    request.authorised_at = uow.now
    deadlines = uow.settings.deadlines
    urgent = request.urgency == URGENT
    request.acknowledge_by = uow.calendar.add_working_days(uow.today, deadlines.acknowledge_days)
    request.decide_by = uow.calendar.add_working_days(
        uow.today, deadlines.decide_urgent_days if urgent else deadlines.decide_days
    )
    position = f", {actor.position}" if actor.position else ""
    await move(
        uow,
        actor,
        request,
        transition,
        headline=f"{actor.name}{position} authorised it.",
        audit={"authorised_by": actor.email, "decide_by": request.decide_by.isoformat()},
    )
    await uow.retire_notices(case.reference, KINDS[Party.AUTHORISER])
    return [
        Say(
            f"{case.reference} is authorised and now with {request.partner.name}, who should "
            f"decide by {request.decide_by:%d %b %Y}. {case.requester.name} has been told."
        )
    ]


async def _refuse(
    uow: UnitOfWork, actor: Person, answers: ReasonAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """The authoriser does not vouch for the request: it ends, and the data owner never hears."""
    await move(
        uow,
        actor,
        case.request,
        transition,
        headline=f"{actor.name} did not authorise it: {answers.reason}",
        note={"reason": answers.reason},
        audit={"refused_by": actor.email},
    )
    return [
        Completed(
            case.reference,
            f"{case.reference} is not authorised; {case.requester.name} has been told why. "
            f"{case.request.partner.name} was never told of it.",
        )
    ]


A = TypeVar("A", bound=StepAnswers)


def _submitter(
    read: Callable[[Mapping[str, JsonValue]], A],
    action: RequestAction | Callable[[UnitOfWork, A], Awaitable[RequestAction]],
    step: Callable[[UnitOfWork, Person, A, Case, Transition], Awaitable[list[Outbound]]],
) -> Submitter:
    """A request form's confirm: read its answers, check the actor's part and the request's state
    again (the request may have moved on while the form was open), then take `step`."""

    async def submit(
        uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
    ) -> list[Outbound]:
        given = read(answers)
        chosen = action if isinstance(action, RequestAction) else await action(uow, given)
        found = await allowed(uow, actor, chosen, given.reference)
        if isinstance(found, Refused):
            return await _refusal(uow, actor, chosen, given.reference, found)
        case, transition = found.value
        return await step(uow, actor, given, case, transition)

    submit.__doc__ = step.__doc__
    return submit


async def _question(
    uow: UnitOfWork, actor: Person, answers: QuestionAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """Ask the requester for more information; the decision clock pauses until they answer."""
    request = case.request
    question = answers.question
    request.more_info_question = question
    request.paused_at = uow.now
    request.holder_id = request.holder_id or actor.id
    clarifications = list(request.answers.get("clarifications") or [])
    clarifications.append({"question": question, "asked_at": uow.now.isoformat()})
    request.answers = {**request.answers, "clarifications": clarifications}
    await move(
        uow,
        actor,
        request,
        transition,
        headline=f"{actor.name} asked for more information.",
        note={"question": question},
    )
    days = uow.settings.deadlines.answer_days
    return [
        Completed(
            case.reference,
            f"Your question is with {case.requester.name}. The decision deadline is paused until "
            f"they answer; without an answer in {days} working days the request expires.",
        )
    ]


async def _answer(
    uow: UnitOfWork, actor: Person, answers: AnswerAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """The requester's answer: the clock restarts, extended by the working days it was paused."""
    request = case.request
    answer = answers.answer
    paused = 0
    if request.paused_at is not None:
        asked_on = uow.calendar.local(request.paused_at).date()
        paused = max(0, uow.calendar.working_days_between(asked_on, uow.today))
    request.paused_working_days += paused
    request.decide_by = uow.calendar.add_working_days(request.decide_by, paused)
    request.paused_at = None
    request.more_info_question = ""
    clarifications = list(request.answers.get("clarifications") or [])
    if clarifications and isinstance(clarifications[-1], dict):
        clarifications[-1] = {
            **clarifications[-1],
            "answer": answer,
            "answered_at": uow.now.isoformat(),
        }
    request.answers = {**request.answers, "clarifications": clarifications}
    await move(
        uow,
        actor,
        request,
        transition,
        headline=f"{actor.name} answered the question.",
        note={"answer": answer, "paused_working_days": paused},
        audit={"paused_working_days": paused, "decide_by": request.decide_by.isoformat()},
    )
    return [
        Completed(
            case.reference,
            f"Thanks: your answer is with {request.partner.name}. Their decision is now due by "
            f"{request.decide_by:%d %b %Y}.",
        )
    ]


async def _decision(
    uow: UnitOfWork, actor: Person, answers: DecisionAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """Approve, or approve in part, with the decision record; after an upheld challenge the new
    record supersedes the one in force, which is kept."""
    partial = transition.action is RequestAction.APPROVE_IN_PART
    request = case.request
    route = answers.route
    earlier = case.decision if case.status is RequestStatus.CHALLENGE_UPHELD else None
    decision = RequestDecision(
        request_id=request.id,
        decision=transition.target.value,
        lawful_basis=answers.lawful_basis or request.lawful_basis,
        reasons=answers.reasons,
        shared_description=answers.shared,
        withheld=answers.withheld if partial else "",
        redactions=answers.redactions,
        decided_by_id=actor.id,
        position=answers.position,
        retention=answers.retention,
        security=ROUTE_LABELS.get(route, route),
        decided_at=uow.now,
        supersedes_id=earlier.id if earlier else None,
    )
    uow.session.add(decision)
    request.decided_at = request.decided_at or uow.now  # the first decision: its timeliness
    request.holder_id = request.holder_id or actor.id
    replaces = f" ({decision_word(earlier)})" if earlier else ""
    await move(
        uow,
        actor,
        request,
        transition,
        headline=f"{actor.name} approved it{' in part' if partial else ''}."
        + (f" This replaces the earlier decision{replaces}." if earlier else ""),
        audit={
            "decision": decision.decision,
            "decided_by": actor.email,
            "position": decision.position,
            "lawful_basis": decision.lawful_basis,
            "delivery_route": decision.security,
            **({"supersedes": earlier.decision} if earlier else {}),
        },
    )
    days = uow.settings.deadlines.fulfil_days
    recorded = (
        f"Your new decision on {case.reference} is recorded, replacing the earlier one{replaces}"
        if earlier
        else f"Your decision on {case.reference} is recorded"
    )
    return [
        Completed(
            case.reference,
            f"{recorded}, and {case.requester.name} has been told. Send the information by "
            f"{decision.security or 'the approved secure route'} within {days} working days, "
            "then mark it fulfilled.",
        )
    ]


async def _fulfil(
    uow: UnitOfWork, actor: Person, answers: FulfilAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """Mark the request fulfilled, recording on the decision in force what was sent (described,
    never the data), by which route and on which day."""
    decision = case.decision
    assert decision is not None  # only an approved request can be fulfilled
    route = ROUTE_LABELS.get(answers.route, answers.route)
    sent_on = answers.sent_on or uow.today
    decision.sent_description = answers.shared
    decision.sent_route = route
    decision.sent_on = sent_on
    decision.fulfilled_by_id = actor.id
    decision.fulfilled_at = uow.now
    await move(
        uow,
        actor,
        case.request,
        transition,
        headline=f"{actor.name} marked it fulfilled: sent by {route} on {sent_on:%d %b %Y}.",
        audit={"route": route, "sent_on": sent_on.isoformat()},
    )
    return [
        Completed(
            case.reference,
            f"{case.reference} is marked fulfilled: sent by {route} on {sent_on:%d %b %Y}.",
        )
    ]


async def _decline(
    uow: UnitOfWork, actor: Person, answers: DeclineAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """Decline with a reason from the list and an explanation the requester can challenge."""
    request = case.request
    reason = answers.reason
    decision = RequestDecision(
        request_id=request.id,
        decision=RequestStatus.DECLINED.value,
        decline_reason=reason,
        reasons=answers.details,
        decided_by_id=actor.id,
        position=answers.position,
        decided_at=uow.now,
    )
    uow.session.add(decision)
    request.decided_at = uow.now
    request.holder_id = request.holder_id or actor.id
    label = DECLINE_LABELS.get(reason, reason)
    await move(
        uow,
        actor,
        request,
        transition,
        headline=f"{actor.name} declined it: {label.lower()}.",
        audit={"decision": "declined", "reason": reason, "decided_by": actor.email},
    )
    days = uow.settings.deadlines.challenge_days
    return [
        Completed(
            case.reference,
            f"{case.reference} is declined ({label.lower()}); {case.requester.name} has been told "
            f"and may challenge it within {days} working days.",
        )
    ]


async def _redirect(
    uow: UnitOfWork, actor: Person, answers: RedirectAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """Send the request to the partner who holds the information, as a new request to them."""
    request = case.request
    target = await _redirect_target(uow, request, answers.partner)
    if isinstance(target, Refused):
        return await _refusal(uow, actor, transition.action, case.reference, target)
    partner = target.value
    old = request.partner
    headline = f"{actor.name} redirected it from {old.name} to {partner.name}."
    await hand_over(uow, case, Party.OWNER, headline)
    request.partner = partner
    request.partner_id = partner.id
    request.holder_id = None
    request.answers = {**request.answers, "partner": partner.code}
    deadlines = uow.settings.deadlines
    urgent = request.urgency == "urgent_safeguarding"
    request.acknowledge_by = uow.calendar.add_working_days(uow.today, deadlines.acknowledge_days)
    request.decide_by = uow.calendar.add_working_days(
        uow.today, deadlines.decide_urgent_days if urgent else deadlines.decide_days
    )
    await move(
        uow,
        actor,
        request,
        transition,
        headline=headline,
        note={"from_partner": old.code, "to_partner": partner.code, "note": answers.note},
        audit={"from_partner": old.code, "to_partner": partner.code},
    )
    return [
        Completed(
            case.reference,
            f"{case.reference} is now with {partner.name}, who should decide by "
            f"{request.decide_by:%d %b %Y}. {case.requester.name} has been told.",
        )
    ]


async def _redirect_target(
    uow: UnitOfWork, request: InformationRequest, code: str
) -> Allowed[Partner] | Refused:
    """The partner a request can be redirected to: one in the directory, not its current one."""
    partner = await directory.partner_by_code(uow.session, code)
    if partner is None or partner.id == request.partner_id:
        return Refused(SAME_PARTNER)
    return Allowed(partner)


async def _review_level(uow: UnitOfWork, case: Case) -> Allowed[ChallengeLevel] | Refused:
    """The level a new challenge goes to (`challenge_level`), skipping levels nobody is set up to
    review."""
    level = challenge_level(case)
    while level is not None and not await reviewers_at(uow.session, case, level):
        level = level.next()
    return Refused(NO_REVIEWER) if level is None else Allowed(level)


async def _challenge(
    uow: UnitOfWork, actor: Person, answers: ChallengeAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """Challenge a refusal, or take a rejected challenge to the next level."""
    previous = case.challenge
    reviewed = await _review_level(uow, case)
    if isinstance(reviewed, Refused):
        return await _refusal(uow, actor, transition.action, case.reference, reviewed)
    level = reviewed.value
    if previous is not None:
        taken = (
            "It was taken further"
            if transition.action is RequestAction.ESCALATE
            else "The new decision was challenged"
        )
        await hand_over(uow, case, Party.REVIEWER, f"{taken}, to {level.label}.")
    due = uow.calendar.add_working_days(uow.today, uow.settings.deadlines.review_days)
    uow.session.add(
        Challenge(
            request_id=case.request.id,
            level=level.value,
            raised_by_id=actor.id,
            reasons=answers.reasons,
            raised_at=uow.now,
            due_on=due,
        )
    )
    await uow.session.flush()
    await move(
        uow,
        actor,
        case.request,
        transition,
        headline=f"{actor.name} challenged the decision; {level.label} answers by {due:%d %b %Y}.",
        note={"level": level.value},
        audit={"level": level.value, "due_on": due.isoformat()},
    )
    return [
        Completed(
            case.reference,
            f"Your challenge to {case.reference} is with {level.label}, who should answer by "
            f"{due:%d %b %Y}.",
        )
    ]


async def _review(
    uow: UnitOfWork, actor: Person, answers: ReviewAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """A reviewer's answer to a challenge: upheld (share it) or rejected (the decision stands)."""
    upheld = transition.action is RequestAction.UPHOLD
    challenge = case.challenge
    assert challenge is not None
    level = ChallengeLevel(challenge.level)
    challenge.outcome = forms.UPHELD if upheld else forms.REJECTED
    challenge.decided_by_id = actor.id
    challenge.decided_at = uow.now
    challenge.note = answers.note
    word = OUTCOME_WORDS[challenge.outcome]
    await move(
        uow,
        actor,
        case.request,
        transition,
        headline=f"{level.label.capitalize()} {word} the challenge.",
        note={"level": level.value, "outcome": challenge.outcome},
        audit={"level": level.value, "outcome": challenge.outcome},
    )
    follow = (
        f"{case.request.partner.name} now records a new decision (approve, or approve in part), "
        "which replaces the earlier one."
        if upheld
        else "The requester can take it further or accept it."
    )
    return [Completed(case.reference, f"The challenge to {case.reference} is {word}. {follow}")]


async def _withdraw(
    uow: UnitOfWork, actor: Person, answers: ReasonAnswers, case: Case, transition: Transition
) -> list[Outbound]:
    """The requester no longer needs the information."""
    await move(
        uow,
        actor,
        case.request,
        transition,
        headline=f"{actor.name} withdrew it.",
        note={"reason": answers.reason},
    )
    told = (
        "the data owner has been told."
        if case.reached_owner
        else f"{case.request.partner.name} was never told of it."
    )
    return [Completed(case.reference, f"{case.reference} is withdrawn; {told}")]


async def lapse(uow: UnitOfWork, request: InformationRequest, action: RequestAction) -> bool:
    """The hub's own step when a window ends (expire, close); False when the table refuses it."""
    found = await allowed(uow, None, action, request.reference)
    if isinstance(found, Refused):
        return False
    case, transition = found.value
    headline = {
        RequestAction.EXPIRE: "It expired: the question was not answered in time.",
        RequestAction.CLOSE: "It closed at the end of its window.",
    }.get(action, "")
    await move(uow, None, case.request, transition, headline=headline)
    return True


async def redirect_options(
    uow: UnitOfWork, form_id: str, answers: Mapping[str, JsonValue], actor: Person
) -> dict[str, tuple[Option, ...]]:
    """Partners a request can be redirected to: every partner but its current one."""
    session = uow.session
    reference = str(answers.get("reference") or "")
    request = await records.request_by_reference(session, reference.strip().upper()[:20])
    current = request.partner_id if request else None
    partners = await directory.partners(session)
    return {"redirect_partners": tuple(Option(p.code, p.name) for p in partners if p.id != current)}


ACTIONS: dict[str, ActionHandler] = {
    **{
        f"{ACTION_PREFIX}{'_'.join(t.label.lower().split())}": _handler(t.action)
        for t in TRANSITIONS
        if t.parties - {Party.SYSTEM}
    },
    **{action_name(action): _handler(action) for action in (*IMMEDIATE, *FORM_FOR)},
    **{f"{ACTION_PREFIX}{word}": _handler(action) for word, action in SHORT_NAMES.items()},
}
"""Every button by its action name, by its label and by a short word too, so that typing a
button's label and the reference ('approve in part IR-2026-0001', 'uphold IR-2026-0001') works
where buttons cannot be pressed."""


async def _decision_action(uow: UnitOfWork, answers: DecisionAnswers) -> RequestAction:
    return RequestAction.APPROVE_IN_PART if answers.partial else RequestAction.APPROVE


async def _challenge_action(uow: UnitOfWork, answers: ChallengeAnswers) -> RequestAction:
    """A first challenge, or taking a rejected one to the next level."""
    reference = answers.reference.upper()[:20]
    request = await records.request_by_reference(uow.session, reference)
    escalating = request is not None and request.status == RequestStatus.CHALLENGE_REJECTED
    return RequestAction.ESCALATE if escalating else RequestAction.CHALLENGE


async def _review_action(uow: UnitOfWork, answers: ReviewAnswers) -> RequestAction:
    return RequestAction.UPHOLD if answers.upheld else RequestAction.REJECT


SUBMITTERS: dict[str, Submitter] = {
    forms.QUESTION: _submitter(QuestionAnswers.read, RequestAction.ASK, _question),
    forms.ANSWER: _submitter(AnswerAnswers.read, RequestAction.ANSWER, _answer),
    forms.DECISION: _submitter(DecisionAnswers.read, _decision_action, _decision),
    forms.DECLINE: _submitter(DeclineAnswers.read, RequestAction.DECLINE, _decline),
    forms.REDIRECT: _submitter(RedirectAnswers.read, RequestAction.REDIRECT, _redirect),
    forms.CHALLENGE: _submitter(ChallengeAnswers.read, _challenge_action, _challenge),
    forms.REVIEW: _submitter(ReviewAnswers.read, _review_action, _review),
    forms.WITHDRAW: _submitter(ReasonAnswers.read, RequestAction.WITHDRAW, _withdraw),
    forms.REFUSE_AUTHORISATION: _submitter(ReasonAnswers.read, RequestAction.REFUSE, _refuse),
    forms.FULFIL: _submitter(FulfilAnswers.read, RequestAction.FULFIL, _fulfil),
}
