"""What to ask for, and from whom: partners suggested from their data catalogues, tolerant of
plurals, word endings, typos and places; what the suggested partners hold, in the question."""

from __future__ import annotations

import pytest

from bot.sharing import owners
from dialogs.messages import Ask, Notice, Say
from storage import directory
from tests.conversation.test_conversations import REQUEST_ANSWERS

PHRASINGS = [
    ("police incident logs", "CITYPOL"),
    ("police incident logs for two named residents", "CITYPOL"),  # named, not the estate's
    ("housing officer's notes on the estate", "HOUSING"),
    ("tenancy records for a flat in Fann Street", "HOUSING"),
    ("tenancey recrods", "HOUSING"),  # typos
    ("polise incidnet logs", "CITYPOL"),  # typos
    ("arrests and custody", "CITYPOL"),  # plural and stem
    ("child protection plans for two siblings", "CSC"),
    ("safeguarding enquiries about an older woman", "ASC"),
    ("CCTV from the Barbican walkways", "ESTATE"),
    ("drug treatment", "HEALTH"),
    ("smoke alarm visits", "FIRE"),
    ("people sleeping rough near the station", "ROUGH"),
    ("food hygiene rating of a takeaway", "MCP"),
    ("mental health crisis plans", "NHS"),
    ("housing register applications", "HOUSING"),
    ("licence conditions for a pub", "MCP"),
]


@pytest.mark.parametrize(("wanted", "first"), PHRASINGS)
async def test_the_first_suggestion_for_each_phrasing(sample_hub, wanted, first):
    async with sample_hub.database.transaction() as session:
        ranking = owners.rank(
            list(await directory.partners(session)), await directory.catalogue(session), wanted
        )
    options = owners.partner_options(ranking)
    assert options[0].value == first
    assert options[0].label.endswith("(suggested)")
    assert not [o for o in options[3:] if o.label.endswith("(suggested)")]


async def test_a_street_name_does_not_suggest_street_enforcement(sample_hub):
    async with sample_hub.database.transaction() as session:
        ranking = owners.rank(
            list(await directory.partners(session)),
            await directory.catalogue(session),
            "tenancy records for a flat in Fann Street",
        )
    suggested = [r.holding.partner.code for r in ranking if r.suggested]
    assert suggested == ["HOUSING"]


async def test_the_partner_question_says_what_the_suggested_partners_hold(person):
    alex = person("alex@example.org")
    await alex.send("request information")
    answers = list(REQUEST_ANSWERS)
    answers[6] = "tenancy records for a flat in Fann Street"  # the data wanted
    asked = (await alex.say(*answers))[-1]
    assert isinstance(asked, Ask) and asked.field == "partner"
    assert asked.options[0].label == "Housing Service (suggested)"
    assert (
        "- Housing Service holds tenancy records: council tenants and leaseholders, their homes "
        "and tenancies (tenant and household names, flat or house address"
    ) in asked.prompt
    assert "Street Enforcement holds" not in asked.prompt
    assert "data owner can redirect" in (await alex.send("help"))[0].text


async def test_who_holds_answers_from_the_catalogue(person):
    alex = person("alex@example.org")
    answer = (await alex.send("who holds police incident logs?"))[-1]
    assert isinstance(answer, Notice) and answer.title == "Who holds police incident logs"
    assert answer.lines[0].startswith("- City Police holds incident logs: calls to the police")
    unknown = (await alex.send("who holds zzzz qqqq"))[-1]
    assert isinstance(unknown, Say) and "couldn't match" in unknown.text
