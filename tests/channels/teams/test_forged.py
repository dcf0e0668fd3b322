"""Forged Teams card data (an Action.Submit `value`, an `adaptiveCard/action` invoke) changes
nothing and is audited (issue 12).

The Teams client sends whatever data it likes. In the audit, a challenge reviewer opened the
newcomers' organisation form with a forged `value`, moved herself to another partner, and
upheld a challenge to that partner's refusal.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, update

from bot.channels.teams import cards
from bot.conversation.turns import NOT_OFFERED, NOT_OFFERED_AUDIT
from storage.models import AuditEntry, InformationRequest, Person
from tests.channels.teams.conftest import TeamsUser
from tests.conftest import Person as ChatUser
from tests.conversation.test_conversations import REQUEST_ANSWERS
from tests.sharing.test_lifecycle import press
from tests.tables import snapshot

REFERENCE = "IR-2026-0001"
SIGNATURE = {cards.KIND: cards.FORM, "form": "organisation"}


async def housing_refusal_under_challenge(hub) -> None:
    """Alex asks Housing for records, Casey declines, Alex challenges: with no reviewer of its
    own at Housing, the challenge goes to the data protection officer."""
    alex, casey = ChatUser(hub, "alex@example.org"), ChatUser(hub, "casey@example.org")
    await alex.send("request information")
    await alex.say(*REQUEST_ANSWERS)
    await alex.say(
        "Housing Service",
        "skip",
        "no",
        "Needed for the ASB case panel",
        "yes",
        "ok",
        "1",
        "routine",
        "2026-12-18",
        "secure email",
        "2027-06-30",
        "skip",
        "I confirm",
        "confirm",
    )
    await casey.send(press("decline"))
    await casey.say("not_held", "We do not hold it", "confirm")
    await alex.send(press("challenge"))
    done = await alex.say("It must be held", "confirm")
    assert "with the data protection officer" in done[-1].text


async def dana_in_teams(teams, hub) -> TeamsUser:
    """Dana, City Police's challenge reviewer, talking to the bot in Teams."""
    async with hub.database.transaction() as session:
        await session.execute(
            update(Person).where(Person.email == "dana@example.org").values(teams_aad_id="aad-dana")
        )
    dana = TeamsUser(teams, "29:dana", "aad-dana", "Dana Review")
    await dana.say("hi")
    return dana


def invoke(user: TeamsUser, data: dict[str, Any]) -> dict[str, Any]:
    return user.activity(
        "invoke",
        user.personal,
        name="adaptiveCard/action",
        value={
            "action": {"type": "Action.Execute", "verb": "go", "data": data},
            "trigger": "manual",
        },
    )


async def audited(hub, action: str) -> list[AuditEntry]:
    async with hub.database.transaction() as session:
        found = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return list(found)


async def test_a_forged_card_cannot_move_a_reviewer_to_the_partner_whose_refusal_is_challenged(
    teams, sample_hub
):
    await housing_refusal_under_challenge(sample_hub)
    dana = await dana_in_teams(teams, sample_hub)
    before = await snapshot(sample_hub.database)

    for value in (
        SIGNATURE,
        {**SIGNATURE, "organisation": "HOUSING"},
        {cards.KIND: cards.COMMAND, "command": "start", "argument": "organisation"},
        {cards.KIND: cards.CHOICE, "field": "organisation", "value": "HOUSING"},
        {cards.KIND: cards.FORM, "form": "request_review", "reference": REFERENCE, "note": "x"},
    ):
        (reply,) = await dana.send(dana.message(value=value))
        assert reply.text == NOT_OFFERED, value
        (reply,) = await dana.send(invoke(dana, value))
        assert reply.text == NOT_OFFERED, value
    uphold = {
        cards.KIND: cards.ACTION,
        "action": "request.uphold_challenge",
        "reference": REFERENCE,
    }
    (reply,) = await dana.send(invoke(dana, uphold))
    assert "can't find" in reply.text

    assert await snapshot(sample_hub.database) == before
    async with sample_hub.database.transaction() as session:
        who = await session.scalar(select(Person).where(Person.email == "dana@example.org"))
        request = await session.scalar(select(InformationRequest))
    assert who.partner.code == "CITYPOL" and request.status == "challenged"
    forged = await audited(sample_hub, NOT_OFFERED_AUDIT)
    assert len(forged) == 10 and {a.actor for a in forged} == {"dana@example.org"}
    assert {a.summary["platform"] for a in forged} == {"teams"}
    assert "HOUSING" not in json.dumps([a.summary for a in forged])
    (refused,) = await audited(sample_hub, "action.refused")
    assert refused.record_reference == REFERENCE and refused.actor == "dana@example.org"


async def test_a_forged_card_naming_fields_or_choices_never_offered_changes_nothing(
    teams_user, sample_hub
):
    alex = teams_user("29:alex")
    question = await alex.say("report")
    assert "is anyone in danger now" in question.text
    before = await snapshot(sample_hub.database)
    for value in (
        {cards.KIND: cards.CHOICE, "field": "danger_now", "value": "perhaps"},
        {cards.KIND: cards.CHOICE, "field": "reference", "value": "CN-2026-0001"},
        {cards.KIND: cards.FORM, "form": "concern", "danger_now": "no", "reference": "CN-1"},
        {cards.KIND: cards.FORM, "form": "concern", "category": "made_up"},
        {cards.KIND: cards.FORM, "form": "info_request", "purpose": "Another conversation"},
    ):
        (reply,) = await alex.send(alex.message(value=value))
        assert NOT_OFFERED in reply.text and "is anyone in danger now" in reply.text, value
    assert await snapshot(sample_hub.database) == before
    forged = await audited(sample_hub, NOT_OFFERED_AUDIT)
    assert [a.summary.get("fields") for a in forged] == [
        ["danger_now"],
        ["reference"],
        ["reference"],
        ["category"],
        None,
    ]
    (reply,) = await alex.send(
        alex.message(value={cards.KIND: cards.CHOICE, "field": "danger_now", "value": "no"})
    )
    assert "specific person" in reply.text  # the real button still works
