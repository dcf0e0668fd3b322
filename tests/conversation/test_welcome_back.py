"""A draft put aside after the idle limit (or a restart) waits for an explicit resume (issue 12).

Before, anything but resume or discard was stored as the answer to the pending question:
`status IR-...` became a case description, `approve IR-...` a decision's reasons. Now commands,
questions and typed actions work there, nothing typed is taken as an answer, and only resume
(or a button of the question the draft stands at) carries on.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.conversation.hub import Hub
from bot.conversation.turns import NOT_ADDED, STARTING_ANOTHER
from dialogs.messages import Ask, ChoiceInput, Notice, OpenedInput, Say
from storage.models import DialogSession, InformationRequest, RequestDecision
from tests.conftest import Person
from tests.sharing.test_lifecycle import REFERENCE, press, submit_request

PAST_THE_LIMIT = 25  # hours; the idle limit is 24
REMINDER = "Say resume to carry on, or discard to drop it."


async def drafts(hub: Hub, email: str) -> list[DialogSession]:
    async with hub.database.transaction() as session:
        found = await session.scalars(
            select(DialogSession).where(
                DialogSession.active.is_(True), DialogSession.address_key.endswith(email)
            )
        )
        return list(found)


async def decision_put_aside(person, sample_hub, clock) -> tuple[Person, dict]:
    """Jordan pressed Approve on Alex's request, was asked for reasons, and went home."""
    await submit_request(person("alex@example.org"))
    jordan = person("jordan@example.org")
    asked = await jordan.send(press("approve"))
    assert isinstance(asked[-1], Ask) and asked[-1].field == "reasons"
    (draft,) = await drafts(sample_hub, "jordan@example.org")
    clock.advance(hours=PAST_THE_LIMIT)
    return jordan, draft.state["answers"]


def reminded(reply: object, *, first: bool = True, note: str = "") -> bool:
    text = reply.text if isinstance(reply, Say) else ""
    return (
        "You have an unfinished decision record" in text
        and text.startswith("Welcome back.") is first
        and text.endswith(f"{note} {REMINDER}".strip())
    )


async def test_status_after_the_idle_limit_is_answered_not_stored(person, sample_hub, clock):
    jordan, answers = await decision_put_aside(person, sample_hub, clock)
    replies = await jordan.send("status IR-2026-0001")
    assert isinstance(replies[0], Notice) and replies[0].title.startswith(REFERENCE)
    assert reminded(replies[-1])
    (draft,) = await drafts(sample_hub, "jordan@example.org")
    assert draft.state["answers"] == answers


async def test_approve_after_the_idle_limit_is_an_action_not_the_reasons(person, sample_hub, clock):
    jordan, answers = await decision_put_aside(person, sample_hub, clock)
    replies = await jordan.send("approve IR-2026-0001")
    assert replies == [replies[-1]] and reminded(replies[-1], note=STARTING_ANOTHER)
    (draft,) = await drafts(sample_hub, "jordan@example.org")
    assert draft.state["answers"] == answers and "reasons" not in answers
    # Resumed, the draft asks for the reasons, and the next line answers them.
    assert (await jordan.send("resume"))[-1].field == "reasons"
    assert (await jordan.send("Needed for the case panel"))[-1].field == "shared"
    (draft,) = await drafts(sample_hub, "jordan@example.org")
    assert draft.state["answers"]["reasons"] == "Needed for the case panel"


async def test_help_and_my_actions_after_the_idle_limit_are_answered(person, sample_hub, clock):
    jordan, answers = await decision_put_aside(person, sample_hub, clock)
    helped = await jordan.send("help")
    assert "acknowledge IR-2026-0001" in helped[0].text and reminded(helped[-1])
    listed = await jordan.send("my actions")
    assert len(listed) == 2 and reminded(listed[-1], first=False)
    assert not isinstance(listed[0], Ask)
    (draft,) = await drafts(sample_hub, "jordan@example.org")
    assert draft.state["answers"] == answers


async def test_cancel_after_the_idle_limit_drops_the_draft(person, sample_hub, clock):
    jordan, _ = await decision_put_aside(person, sample_hub, clock)
    assert await jordan.send("cancel") == [Say("Cancelled. Nothing was recorded.")]
    assert await drafts(sample_hub, "jordan@example.org") == []
    async with sample_hub.database.transaction() as session:
        request = await session.scalar(select(InformationRequest))
        decisions = await session.scalar(select(func.count()).select_from(RequestDecision))
    assert request.status == "submitted" and decisions == 0


async def test_text_that_is_no_command_is_not_taken_as_an_answer(person, sample_hub, clock):
    jordan, answers = await decision_put_aside(person, sample_hub, clock)
    first = await jordan.send("The case panel needs it by Friday")
    assert first == [first[-1]] and reminded(first[-1], note=NOT_ADDED)
    again = await jordan.send("confirm")
    assert reminded(again[-1], first=False, note=NOT_ADDED)
    (draft,) = await drafts(sample_hub, "jordan@example.org")
    assert draft.state["answers"] == answers


async def test_a_button_of_the_question_the_draft_stands_at_carries_on(person, sample_hub, clock):
    alex = person("alex@example.org")
    assert (await alex.send("report"))[-1].field == "danger_now"
    clock.advance(hours=PAST_THE_LIMIT)
    assert (await alex.send(ChoiceInput("danger_now", "no")))[-1].field == "about_person"
    assert (await alex.send("no"))[-1].field == "description"  # no longer put aside


async def test_after_a_restart_the_draft_waits_for_resume(sample_hub, clock):
    jordan = Person(sample_hub, "jordan@example.org")
    await submit_request(Person(sample_hub, "alex@example.org"))
    await jordan.send(press("approve"))
    restarted = Hub.build(sample_hub.settings, clock)
    try:
        again = Person(restarted, "jordan@example.org")
        opened = await again.send(OpenedInput())
        assert reminded(opened[-1])
        status = await again.send("status IR-2026-0001")
        assert isinstance(status[0], Notice) and reminded(status[-1], first=False)
        assert (await again.send("resume"))[-1].field == "reasons"
    finally:
        await restarted.close()
