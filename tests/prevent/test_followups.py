"""Ask the reporter: Priya asks about what Alex reported, Alex answers in their own chat.

Priya never learns who Alex is unless Alex agreed to show their name; only Alex can answer, and
only a question that waits; a reporter who has left the directory is not asked.
"""

from __future__ import annotations

import json

from sqlalchemy import select, update

from dialogs.messages import Ask, Completed, Say, Summary
from storage.models import AuditEntry, ConcernFollowUp, Person
from tests.prevent.test_alerts import outbox, press, report

PRIYA, ALEX, JORDAN = "priya@example.org", "alex@example.org", "jordan@example.org"
QUESTION = "Which side of the bridge was it on?"
ANSWER = "The north side, by the steps"


async def asked(person, reference: str) -> None:
    priya = person(PRIYA)
    opened = await priya.send(press("concern.ask", reference))
    assert isinstance(opened[-1], Ask) and opened[-1].field == "question", opened
    done = await priya.say(QUESTION, "confirm")
    assert done[-1] == Completed(
        reference,
        f"Your question is sent to the reporter of {reference}. You will be told when they answer.",
    )


async def refusals(hub) -> list[AuditEntry]:
    async with hub.database.transaction() as session:
        rows = await session.scalars(
            select(AuditEntry).where(AuditEntry.action.in_(("action.refused", "form.refused")))
        )
        return list(rows)


async def test_the_reporter_answers_in_their_chat_and_the_managers_hear_without_a_name(
    sample_hub, person
):
    cn = await report(sample_hub, names_target="yes")  # P1: alerted at once
    [alert, *_] = await outbox(sample_hub, kind="concern_alert")
    assert "Ask the reporter" in [a["label"] for a in alert.payload["actions"]]

    await asked(person, cn.reference)

    [question] = await outbox(sample_hub, kind="concern_question")
    assert question.payload["lines"] == [
        f"The Community Safety team asks: {QUESTION}",
        f"Press Answer, or type: answer {cn.reference} followed by your answer.",
    ]
    assert [a["label"] for a in question.payload["actions"]] == ["Answer"]
    assert "Priya" not in json.dumps(question.payload)

    alex = person(ALEX)
    [mine] = await alex.send(f"status {cn.reference}")
    assert mine.lines[-2:] == (
        f"The Community Safety team asks: {QUESTION}",
        f"To answer, type: answer {cn.reference} followed by your answer.",
    )
    opened = await alex.send(press("concern.answer", cn.reference))
    assert isinstance(opened[-1], Ask) and opened[-1].field == "answer"
    done = await alex.say(ANSWER, "confirm")

    assert done[-1] == Completed(
        cn.reference, "Thank you: your answer is passed to the Community Safety team."
    )
    told = [
        row
        for row in await outbox(sample_hub, kind="concern_alert")
        if row.payload["title"].startswith("Reporter answered")
    ]
    assert len(told) == 2  # both managers on duty, Priya among them
    assert told[0].payload["lines"][:2] == [
        f"Asked: {QUESTION}",
        f"The reporter answered: {ANSWER}",
    ]
    assert not [row for row in told if "Alex" in json.dumps(row.payload)]
    [question] = await outbox(sample_hub, kind="concern_question")
    assert question.payload["actions"] == []  # answered: no button to press again
    [status] = await person(PRIYA).send(f"status {cn.reference}")
    assert f"  Mon 23 Nov 09:00 the reporter answered: {ANSWER}" in status.lines
    assert "- Mon 23 Nov 09:00 question answered by the reporter" in status.lines
    async with sample_hub.database.transaction() as session:
        [follow_up] = await session.scalars(select(ConcernFollowUp))
    assert (follow_up.question, follow_up.answer) == (QUESTION, ANSWER)


async def test_a_reporter_who_agreed_is_named(sample_hub, person):
    cn = await report(sample_hub, show_name="yes")
    await asked(person, cn.reference)
    await person(ALEX).send(f"answer {cn.reference}")
    await person(ALEX).say(ANSWER, "confirm")
    told = await outbox(sample_hub, kind="concern_alert")
    assert f"Alex Morgan answered: {ANSWER}" in told[-1].payload["lines"]


async def test_asking_and_answering_can_be_typed_in_one_line(sample_hub, person):
    cn = await report(sample_hub)
    priya = person(PRIYA)
    shown = await priya.send(f"ask {cn.reference} {QUESTION}")
    assert isinstance(shown[-1], Summary), shown
    assert isinstance((await priya.send("confirm"))[-1], Completed)
    alex = person(ALEX)
    shown = await alex.send(f"answer {cn.reference} {ANSWER}")
    assert isinstance(shown[-1], Summary), shown
    assert isinstance((await alex.send("confirm"))[-1], Completed)
    async with sample_hub.database.transaction() as session:
        [follow_up] = await session.scalars(select(ConcernFollowUp))
    assert follow_up.answer == ANSWER


async def test_forged_answers_change_nothing_and_are_audited(sample_hub, person):
    cn = await report(sample_hub)
    nothing = Say(f"There is no question waiting for your answer about {cn.reference}.")
    assert await person(ALEX).send(press("concern.answer", cn.reference)) == [nothing]  # none asked
    await asked(person, cn.reference)
    assert await person(JORDAN).send(press("concern.answer", cn.reference)) == [nothing]
    jordan = person(JORDAN)
    await jordan.send(f"answer {cn.reference} It was me")
    assert await jordan.send("confirm") == [nothing]
    async with sample_hub.database.transaction() as session:
        [follow_up] = await session.scalars(select(ConcernFollowUp))
    assert follow_up.answered_at is None
    assert [(r.actor, r.action) for r in await refusals(sample_hub)] == [
        (ALEX, "action.refused"),
        (JORDAN, "action.refused"),
        (JORDAN, "form.refused"),
    ]


async def test_one_question_waits_at_a_time(sample_hub, person):
    cn = await report(sample_hub)
    await asked(person, cn.reference)
    again = await person("sam@example.org").send(press("concern.ask", cn.reference))
    assert again == [
        Say(
            f"The reporter has not yet answered the question asked on Mon 23 Nov 09:00 about "
            f"{cn.reference}; nothing was sent. You can ask again once they answer."
        )
    ]


async def test_a_reporter_who_has_left_is_not_asked_and_the_manager_is_told(sample_hub, person):
    cn = await report(sample_hub)
    async with sample_hub.database.transaction() as session:
        await session.execute(update(Person).where(Person.email == ALEX).values(in_directory=False))

    replies = await person(PRIYA).send(press("concern.ask", cn.reference))

    assert replies == [
        Say(
            f"The person who reported {cn.reference} has left the directory or their report has "
            "been anonymised, so they can't be asked; nothing was sent."
        )
    ]
    assert await outbox(sample_hub, kind="concern_question") == []
    assert [(r.actor, r.record_reference) for r in await refusals(sample_hub)] == [
        (PRIYA, cn.reference)
    ]


async def test_only_a_manager_may_ask(sample_hub, person):
    cn = await report(sample_hub)
    refused = await person(JORDAN).send(f"ask {cn.reference} Who did it?")
    assert refused == [
        Say("Only the Prevent / Community Safety team can do that; nothing was started.")
    ]
    pressed = await person(JORDAN).send(press("concern.ask", cn.reference))
    assert pressed == [Say("Only the Prevent / Community Safety team can act on concern alerts.")]
