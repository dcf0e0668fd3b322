"""Whom to consult: help, the lawful-basis caveat and one-off sharing name the requester's own
information-governance and Prevent leads from the directory, else the partnership's."""

from __future__ import annotations

from dialogs.messages import Ask, Notice, Say
from tests.conversation.test_conversations import REQUEST_ANSWERS

ROBIN = "Robin Specimen (Information Governance Lead, Children's Social Care, robin@example.org)"
ALI = "Ali Family (Team Manager, Children's Social Care, ali@example.org)"
JAMIE = "Jamie Coordinator (Partnership Coordinator, Community Safety Team, jamie@example.org)"
PRIYA = "Priya Sample (Prevent / CST Manager, Community Safety Team, priya@example.org)"
SAM = "Sam Example (Deputy CST Manager, Community Safety Team, sam@example.org)"


async def test_help_says_how_to_find_who_can_advise(person):
    ali = person("ali@example.org")
    assert "'who can advise me'" in (await ali.send("help"))[-1].text
    advice = (await ali.send("who can advise me?"))[-1]
    assert isinstance(advice, Notice)
    assert advice.lines[:2] == (
        f"Information governance: {ROBIN}",
        f"Prevent and Channel: {ALI}",
    )
    assert "The data owner decides" in advice.lines[-1]


async def test_without_leads_of_their_own_the_partnerships_are_named(person):
    jo = person("jo@example.org")  # the business improvement district has neither
    advice = (await jo.send("who should I ask"))[-1]
    assert advice.lines[:3] == (
        f"Information governance: {JAMIE}",
        f"Prevent and Channel: {PRIYA}",
        f"Prevent and Channel: {SAM}",
    )


async def test_the_lawful_basis_question_names_the_requesters_own_leads(person):
    ali = person("ali@example.org")
    await ali.send("request information")
    await ali.say(*REQUEST_ANSWERS, "City Police", "skip", "no", "Needed for the panel")
    asked = (await ali.send("yes"))[-1]
    assert isinstance(asked, Ask) and asked.field == "lawful_basis"
    assert (
        f"If unsure, ask {ROBIN} about information governance, or {ALI} about Prevent or Channel."
    ) in asked.prompt
    assert asked.prompt.index("Suggested: Crime and Disorder Act 1998 s115") < asked.prompt.index(
        "In plain words: the Act allows (but never obliges) partners to share"
    )
    helped = (await ali.send("help"))[0]
    assert isinstance(helped, Say) and ROBIN in helped.text
    one_off = await ali.say("ok", "no agreement")
    assert any(
        isinstance(r, Say) and f"Consider a DPIA, and ask {ROBIN} about it." in r.text
        for r in one_off
    )
