"""Ask the reporter: a manager's question reaches the reporter, whose answer joins the record.

The question goes to the reporter's own chat with an Answer button (or `answer CN-...` typed);
only the reporter may answer, and only a question that waits. The managers, the one who asked
and every copy of the alert are told the answer, naming the reporter only when they agreed to
show their name. A reporter who has left the directory, or whose report is anonymised, is not
asked: the manager is told so and nothing is sent. One question waits at a time, so an answer
always belongs to exactly one question.
"""

from __future__ import annotations

import re

from bot.core.checks import Allowed, Check, Refused, granted, refuse_press
from bot.core.intents import Intent, Rule, StartForm, Tier, Typed
from bot.core.reference import Reference
from bot.core.unit import ActionOutcome, Submitter, UnitOfWork
from bot.prevent import action_forms as forms
from bot.prevent import evidence
from bot.prevent.actions import allowed_action, record_change
from bot.prevent.alerts import local_time, tell_managers
from bot.prevent.answers import AskAnswers, ReporterAnswers
from bot.prevent.lifecycle import ConcernAction, ConcernChange, ReporterAction, action_name
from dialogs.messages import ActionInput, Completed, JsonValue, Notice, NoticeAction, Outbound
from storage import records
from storage.models import Concern, ConcernFollowUp, Person

QUESTION_KIND = "concern_question"
TYPED = re.compile(r"^\s*(ask|answer)\s+(\S+)\s+(\S.*)$", re.IGNORECASE | re.DOTALL)


def unreachable(reference: str) -> Refused:
    return Refused(
        f"The person who reported {reference} has left the directory or their report has been "
        "anonymised, so they can't be asked; nothing was sent."
    )


def nothing_to_answer(reference: str) -> Refused:
    """The same for a concern that does not exist, someone else's, and no question waiting."""
    return Refused(f"There is no question waiting for your answer about {reference[:20]}.")


async def reporter_of(uow: UnitOfWork, concern: Concern) -> Person | None:
    """The reporter, if they can still be asked: not anonymised and still in the directory."""
    if concern.reporter_id is None:
        return None
    reporter = await uow.session.get(Person, concern.reporter_id)
    return reporter if reporter is not None and reporter.in_directory else None


async def waiting(uow: UnitOfWork, concern: Concern) -> ConcernFollowUp | None:
    """The question that waits for the reporter's answer, if any."""
    return next((f for f in await evidence.follow_ups(uow, concern) if f.answered_at is None), None)


async def may_ask(uow: UnitOfWork, actor: Person, reference: str) -> Check[tuple[Concern, Person]]:
    """The concern and its reporter, or why the manager may not ask now."""
    allowed = await allowed_action(uow, actor, ConcernAction.ASK, reference)
    if isinstance(allowed, Refused):
        return allowed
    concern, _transition = allowed.value
    reporter = await reporter_of(uow, concern)
    if reporter is None:
        return unreachable(concern.reference)
    asked = await waiting(uow, concern)
    if asked is not None:
        return Refused(
            f"The reporter has not yet answered the question asked on "
            f"{local_time(uow, asked.asked_at)} about {concern.reference}; nothing was sent. "
            "You can ask again once they answer."
        )
    return Allowed((concern, reporter))


async def may_answer(
    uow: UnitOfWork, actor: Person, reference: str
) -> Check[tuple[Concern, ConcernFollowUp]]:
    """The concern and the question that waits, if `actor` reported it; else one refusal."""
    concern = await records.concern_by_reference(uow.session, reference)
    if concern is None or concern.reporter_id != actor.id:
        return nothing_to_answer(reference)
    asked = await waiting(uow, concern)
    if asked is None:
        return nothing_to_answer(reference)
    return Allowed((concern, asked))


async def start_ask(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Ask the reporter (the alert's button, or `ask CN-...`): the question's form."""
    allowed = await may_ask(uow, actor, pressed.reference)
    if isinstance(allowed, Refused):
        return await refuse_press(uow, actor, pressed.action, pressed.reference, allowed)
    concern, _reporter = allowed.value
    return ActionOutcome(start_form=forms.ASK, prefill={"reference": concern.reference})


async def start_answer(uow: UnitOfWork, actor: Person, pressed: ActionInput) -> ActionOutcome:
    """Answer (the question's button, or `answer CN-...`): the answer's form, for the reporter."""
    allowed = await may_answer(uow, actor, pressed.reference)
    if isinstance(allowed, Refused):
        return await refuse_press(uow, actor, pressed.action, pressed.reference, allowed)
    concern, _asked = allowed.value
    return ActionOutcome(start_form=forms.ANSWER, prefill={"reference": concern.reference})


def question_notice(concern: Concern, question: str) -> Notice:
    """The reporter's notice: the question, with its Answer button; never who asked."""
    return Notice(
        QUESTION_KIND,
        f"A question about your report {concern.reference}",
        (
            f"The Community Safety team asks: {question}",
            f"Press Answer, or type: answer {concern.reference} followed by your answer.",
        ),
        concern.reference,
        (NoticeAction(action_name(ReporterAction.ANSWER), "Answer", concern.reference, "primary"),),
    )


async def submit_ask(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Send the question to the reporter and record it; checked again at confirm."""
    form = granted(AskAnswers.read(answers))
    concern, reporter = granted(await may_ask(uow, actor, form.reference))
    follow_up = ConcernFollowUp(
        concern_id=concern.id, asked_by_id=actor.id, question=form.question, asked_at=uow.now
    )
    uow.session.add(follow_up)
    await uow.session.flush()
    await record_change(uow, actor, concern, ConcernChange.REPORTER_ASKED, {})
    await uow.notify(
        reporter,
        question_notice(concern, form.question),
        dedupe_key=f"concern-question:{concern.reference}:{follow_up.id}",
    )
    return [
        Completed(
            concern.reference,
            f"Your question is sent to the reporter of {concern.reference}. You will be told "
            "when they answer.",
        )
    ]


async def submit_answer(
    uow: UnitOfWork, actor: Person, answers: dict[str, JsonValue], platform: str
) -> list[Outbound]:
    """Record the reporter's answer and tell the managers and the one who asked."""
    form = granted(ReporterAnswers.read(answers))
    concern, asked = granted(await may_answer(uow, actor, form.reference))
    asked.answer, asked.answered_at = form.answer, uow.now
    await record_change(uow, actor, concern, ConcernChange.REPORTER_ANSWERED, {})
    await uow.refresh_notices(
        Notice(
            QUESTION_KIND,
            f"A question about your report {concern.reference}",
            ("You have answered this question. Thank you.",),
            concern.reference,
        ),
        QUESTION_KIND,
    )
    asker = await uow.session.get(Person, asked.asked_by_id) if asked.asked_by_id else None
    who = await evidence.reporter_label(uow, concern)
    await tell_managers(
        uow,
        concern,
        "Reporter answered",
        (f"Asked: {asked.question}", f"{who[:1].upper()}{who[1:]} answered: {form.answer}"),
        f"concern-answer:{concern.reference}:{asked.id}",
        also=(asker,) if asker is not None else (),
    )
    return [
        Completed(
            concern.reference,
            "Thank you: your answer is passed to the Community Safety team.",
        )
    ]


def typed(said: Typed) -> Intent | None:
    """'ask CN-2026-0001 Which side of the bridge?' or 'answer CN-2026-0001 The north side':
    the form with the words already in it, to confirm. Who may ask or answer is checked when
    it is confirmed."""
    match = TYPED.match(said.text)
    reference = Reference.parse(match.group(2)) if match else None
    if match is None or reference is None or reference.prefix != "CN":
        return None
    if match.group(1).lower() == "ask":
        return StartForm(forms.ASK, {"reference": reference.text, "question": match.group(3)})
    return StartForm(forms.ANSWER, {"reference": reference.text, "answer": match.group(3)})


ACTIONS = {
    action_name(ConcernAction.ASK): start_ask,
    action_name(ReporterAction.ANSWER): start_answer,
}
SUBMITTERS: dict[str, Submitter] = {forms.ASK: submit_ask, forms.ANSWER: submit_answer}
RULES = (Rule(Tier.COMMAND, typed),)
