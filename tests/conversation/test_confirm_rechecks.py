"""Confirming a form checks the actor's right again (issue 12): every form that acts on a record
or needs a role is opened as its entitled person would open it, answered, and then, before the
confirm, the person loses the role or the record moves on. The confirm records nothing.

A form added without a case here fails `test_every_form_that_needs_a_right_has_a_case`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import REGISTRY
from bot.directory import forms as organisation
from bot.prevent import forms as concern
from bot.sharing import forms as info_request
from dialogs.messages import ActionInput, Completed, Say, Summary
from storage.models import (
    AuditEntry,
    Concern,
    ConcernFollowUp,
    InformationRequest,
    PersonRole,
    Recommendation,
)
from storage.models import Person as PersonModel
from tests.conftest import Person
from tests.conversation.test_conversations import CONCERN_ANSWERS
from tests.sharing.test_lifecycle import press, submit_request
from tests.tables import BOOKKEEPING, snapshot

Make = Callable[[str], Person]
Change = Callable[[AsyncSession], Awaitable[None]]
ANYONE_MAY = {concern.FORM_ID, info_request.FORM_ID}  # staff report and ask; nothing to lose
CHECKED_ELSEWHERE = {organisation.FORM_ID}  # see test_forged_input
CONCERN = "CN-2026-0001"


async def nothing(make: Make) -> None:
    """No record is needed first."""


async def concern_reported(make: Make) -> None:
    alex = make("alex@example.org")
    await alex.send("there's racist graffiti on the bus stop on Cheapside")
    await alex.say(*CONCERN_ANSWERS)
    assert isinstance((await alex.send("confirm"))[-1], Completed)


async def two_concerns_reported(make: Make) -> None:
    await concern_reported(make)
    await concern_reported(make)


async def reporter_asked(make: Make) -> None:
    await concern_reported(make)
    priya = make("priya@example.org")
    await priya.send(ActionInput("concern.ask", CONCERN))
    assert isinstance((await priya.say("Which side?", "confirm"))[-1], Completed)


async def reporter_left(session: AsyncSession) -> None:
    await session.execute(
        update(PersonModel)
        .where(PersonModel.email == "alex@example.org")
        .values(in_directory=False)
    )


async def answered_meanwhile(session: AsyncSession) -> None:
    """The question was answered from another device while this answer's form was open."""
    await session.execute(
        update(ConcernFollowUp).values(
            answer="North side", answered_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        )
    )


async def removal_requested(make: Make) -> None:
    await concern_reported(make)
    priya = make("priya@example.org")
    await priya.send(ActionInput("concern.request_removal", CONCERN))
    assert isinstance((await priya.say("STREET", "skip", "confirm"))[-1], Completed)


async def request_sent(make: Make) -> None:
    await submit_request(make("alex@example.org"))


async def awaiting_authorisation(make: Make) -> None:
    await submit_request(make("alex@example.org"), authorised=False)


async def question_asked(make: Make) -> None:
    await request_sent(make)
    jordan = make("jordan@example.org")
    await jordan.send(press("ask_more_info"))
    assert isinstance((await jordan.say("Which dates?", "confirm"))[-1], Completed)


async def declined(make: Make) -> None:
    await request_sent(make)
    jordan = make("jordan@example.org")
    await jordan.send(press("decline"))
    assert isinstance((await jordan.say("not_held", "Not held", "confirm"))[-1], Completed)


async def challenged(make: Make) -> None:
    await declined(make)
    alex = make("alex@example.org")
    await alex.send(press("challenge"))
    assert isinstance((await alex.say("It must be held", "confirm"))[-1], Completed)


async def approved(make: Make) -> None:
    await request_sent(make)
    jordan = make("jordan@example.org")
    await jordan.send(press("approve"))
    done = await jordan.say("Needed", "A summary", "skip", "confirm")
    assert isinstance(done[-1], Completed)


async def fulfilled_meanwhile(session: AsyncSession) -> None:
    """Someone else marked it fulfilled from another notice while this form was open."""
    await session.execute(update(InformationRequest).values(status="fulfilled"))


def loses(email: str, role: str) -> Change:
    async def change(session: AsyncSession) -> None:
        person = await session.scalar(select(PersonModel).where(PersonModel.email == email))
        await session.execute(
            delete(PersonRole).where(PersonRole.person_id == person.id, PersonRole.role == role)
        )

    change.__name__ = f"{email.split('@')[0]}_loses_{role}"
    return change


async def concern_closed(session: AsyncSession) -> None:
    await session.execute(update(Concern).values(status="closed"))


async def request_withdrawn(session: AsyncSession) -> None:
    await session.execute(update(InformationRequest).values(status="withdrawn"))


async def item_reassigned(session: AsyncSession) -> None:
    pat = await session.scalar(select(PersonModel).where(PersonModel.email == "pat@example.org"))
    await session.execute(
        update(Recommendation).where(Recommendation.reference == "VUL-18").values(owner_id=pat.id)
    )


@dataclass(frozen=True)
class Case:
    """Who opens the form, how (a button or typed words), what they answer, and what may
    happen before they confirm."""

    actor: str
    opens: ActionInput | str
    answers: tuple[str, ...]
    first: Callable[[Make], Awaitable[None]] = nothing
    changes: tuple[Change, ...] = field(default_factory=tuple)


MANAGER = loses("priya@example.org", "prevent_manager")
OWNER = loses("jordan@example.org", "data_owner")
REMOVER = loses("lee@example.org", "data_owner")
COORDINATOR = loses("jamie@example.org", "coordinator")


def concern_case(action: str, *answers: str) -> Case:
    button = ActionInput(f"concern.{action}", CONCERN)
    return Case("priya@example.org", button, answers, concern_reported, (MANAGER, concern_closed))


def remover_case(action: str, *answers: str) -> Case:
    button = ActionInput(f"concern.{action}", CONCERN)
    return Case("lee@example.org", button, answers, removal_requested, (REMOVER, concern_closed))


def owner_case(action: str, *answers: str) -> Case:
    return Case(
        "jordan@example.org", press(action), answers, request_sent, (OWNER, request_withdrawn)
    )


CASES: dict[str, Case] = {
    "concern_assign": concern_case("assign", "sam@example.org"),
    "concern_ask": Case(
        "priya@example.org",
        ActionInput("concern.ask", CONCERN),
        ("Which side?",),
        concern_reported,
        (MANAGER, concern_closed, reporter_left),
    ),
    "concern_answer": Case(
        "alex@example.org",
        ActionInput("concern.answer", CONCERN),
        ("The north side",),
        reporter_asked,
        (answered_meanwhile,),
    ),
    "concern_duplicate": Case(
        "priya@example.org",
        ActionInput("concern.duplicate", "CN-2026-0002"),
        (CONCERN,),  # the earlier one
        two_concerns_reported,
        (MANAGER, concern_closed),
    ),
    "concern_refer": concern_case("refer", "police_101", "skip"),
    "concern_removal": concern_case("request_removal", "STREET", "skip"),
    "concern_priority": concern_case("change_priority", "P1", "Looks worse"),
    "concern_close": concern_case("close", "Removed by the council"),
    "concern_removed": remover_case("removed", "Painted over"),
    "concern_cannot_remove": remover_case("cannot_remove", "Private wall; owner refuses"),
    "concern_not_ours": remover_case("not_ours", "cleansing"),
    "request_more_info": owner_case("ask_more_info", "Which dates?"),
    "request_decision": owner_case("approve", "Needed", "A summary", "skip"),
    "request_decline": owner_case("decline", "not_held", "Not held"),
    "request_redirect": owner_case("redirect", "HOUSING", "They hold it"),
    "request_answer": Case(
        "alex@example.org", press("answer"), ("Since June",), question_asked, (request_withdrawn,)
    ),
    "request_challenge": Case(
        "alex@example.org", press("challenge"), ("It is held",), declined, (request_withdrawn,)
    ),
    "request_review": Case(
        "dana@example.org",
        press("uphold_challenge"),
        ("It should be shared",),
        challenged,
        (loses("dana@example.org", "challenge_reviewer"), request_withdrawn),
    ),
    "request_refuse_authorisation": Case(
        "avery@example.org",
        press("refuse"),
        ("Not proportionate",),
        awaiting_authorisation,
        (loses("avery@example.org", "authoriser"), request_withdrawn),
    ),
    "request_fulfil": Case(
        "jordan@example.org",
        press("fulfil"),
        ("ok",),
        approved,
        (OWNER, fulfilled_meanwhile, request_withdrawn),
    ),
    "request_withdraw": Case(
        "alex@example.org", press("withdraw"), ("skip",), request_sent, (request_withdrawn,)
    ),
    "recommendation_update": Case(
        "drew@example.org",
        ActionInput("recommendation.progress", "VUL-18"),
        ("Meeting held", "skip"),
        changes=(item_reassigned,),
    ),
    "recommendation_manage": Case(
        "jamie@example.org",
        ActionInput("recommendation.reassign", "VUL-18"),
        ("pat@example.org", "Moving teams"),
        changes=(COORDINATOR,),
    ),
    "recommendation_add": Case(
        "jamie@example.org",
        "add a recommendation",
        ("VUL-99", "Train the door staff", "Vulnerability workshop 2016-12", "pat@example.org")
        + ("training", "skip", "skip"),
        changes=(COORDINATOR,),
    ),
    "tension_area": Case(
        "priya@example.org", "mark tension", ("Cheapside", "7", "A march"), changes=(MANAGER,)
    ),
    "trigger_event": Case(
        "priya@example.org", "trigger event", ("A march in the City", "now"), changes=(MANAGER,)
    ),
}


def test_every_form_that_needs_a_right_has_a_case():
    assert set(CASES) == set(REGISTRY.submitters) - ANYONE_MAY - CHECKED_ELSEWHERE


@pytest.mark.parametrize(
    ("form_id", "change"),
    [(form_id, change) for form_id, case in CASES.items() for change in case.changes],
    ids=lambda value: getattr(value, "__name__", value),
)
async def test_confirm_checks_the_right_again(form_id, change, person, sample_hub):
    case = CASES[form_id]
    await case.first(person)
    actor = person(case.actor)
    opened = await actor.send(case.opens)
    assert opened and not isinstance(opened[-1], Say), opened
    await actor.say(*case.answers)
    assert isinstance(actor.last, Summary) and actor.last.form_id == form_id, actor.last
    async with sample_hub.database.transaction() as session:
        await change(session)
    audits = len(await refusals(sample_hub, case.actor))
    before = await snapshot(sample_hub.database, BOOKKEEPING | {"dialog_session"})

    replies = await actor.send("confirm")

    assert replies and all(isinstance(r, Say) for r in replies), replies
    assert await snapshot(sample_hub.database, BOOKKEEPING | {"dialog_session"}) == before
    assert len(await refusals(sample_hub, case.actor)) == audits + 1


async def refusals(hub, email: str) -> list[AuditEntry]:
    async with hub.database.transaction() as session:
        found = await session.scalars(
            select(AuditEntry).where(
                AuditEntry.actor == email,
                AuditEntry.action.in_(("form.refused", "action.refused")),
            )
        )
        return list(found)
