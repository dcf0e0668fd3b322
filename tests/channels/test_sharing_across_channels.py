"""A Slack user's information request authorised and decided by people who live in Teams.

Both channels run against their loopback fakes on the same hub: Alex asks in a Slack DM; City
Police needs an authoriser, so the outbox brings the request first to Avery's Teams chat, and
only once Avery presses Authorise to Jordan's (the data owner); Jordan presses its buttons and
fills in the decision record in Teams, and the decision reaches Alex in Slack, whose own button
marks the request fulfilled (saying what was received). Every earlier copy loses its stale
buttons in place.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.outbox.dispatcher import Dispatcher
from storage.audit import verify_chain
from storage.models import InformationRequest, RequestDecision
from tests.channels.slack.conftest import (  # noqa: F401  (fixtures used by name)
    buttons,
    fake_slack,
    slack,
    text_of,
)
from tests.channels.teams.conftest import (  # noqa: F401  (fixtures used by name)
    ROSTER,
    actions,
    connector,
    teams,
    teams_user,
    wait_for,
)
from tests.channels.teams.test_delivery import REQUEST


async def test_a_slack_users_request_is_authorised_and_decided_in_teams(
    slack,  # noqa: F811
    teams,  # noqa: F811
    teams_user,  # noqa: F811
    sample_hub,
    clock,
    monkeypatch,
):
    monkeypatch.setitem(ROSTER, "29:avery", ("avery@example.org", "aad-avery", "Avery Signoff"))
    jordan, avery = teams_user("29:jordan"), teams_user("29:avery")
    await jordan.send(jordan.install())
    await avery.send(avery.install())
    alex = slack.user("UALEX")
    for line in REQUEST:
        replies = await alex.say(line)
    assert "IR-2026-0001" in text_of(replies[-1])
    deliver = Dispatcher(
        sample_hub.database,
        sample_hub.clock,
        [slack.channel.deliverer, teams.channel.deliverer],
        worker="test",
    )
    await deliver.drain()

    to_authorise = (await wait_for(lambda: teams.connector.posted(avery.chat)))[-1]
    assert "Alex Morgan asks you to authorise this request before it goes to City Police" in (
        to_authorise.text
    )
    assert "Golden Lane" in to_authorise.text  # the authoriser sees what they vouch for
    assert [a["title"] for a in actions(to_authorise.cards)] == ["Authorise", "Refuse"]
    assert not [
        c for c in teams.connector.posted(jordan.chat) if "Information request IR-" in c.text
    ]

    clock.advance(minutes=30)
    authorised = await avery.press(to_authorise, "Authorise")
    assert "IR-2026-0001 is authorised" in authorised.text
    await deliver.drain()

    card = (await wait_for(lambda: teams.connector.posted(jordan.chat)))[-1]
    assert "Avery Signoff, Community Safety Manager authorised it." in card.text
    assert "Information request IR-2026-0001" in card.text and "Golden Lane" in card.text
    assert [a["title"] for a in actions(card.cards)] == [
        "Acknowledge",
        "Ask for more information",
        "Approve",
        "Approve in part",
        "Decline",
        "Redirect to another owner",
    ]

    clock.advance(hours=1)
    asked = await jordan.press(card, "Approve")
    assert "Why is sharing necessary and proportionate here?" in asked.text
    await jordan.say("Needed for the ASB panel; s115 applies")
    await jordan.say("Incident summaries for the two addresses since June")
    summary = await jordan.say("skip")
    assert "Inspector" in summary.text and "Secure email" in summary.text
    done = await jordan.press(summary, "Confirm")
    assert "Your decision on IR-2026-0001 is recorded" in done.text
    await deliver.drain()

    updated = await wait_for(
        lambda: [
            c for c in teams.connector.calls if c.method == "PUT" and c.conversation == jordan.chat
        ]
    )
    assert "IR-2026-0001: approved" in updated[-1].text
    assert [a["title"] for a in actions(updated[-1].cards)] == ["Mark fulfilled"]

    decision = next(m for m in reversed(alex.messages()) if "IR-2026-0001: approved" in text_of(m))
    assert buttons(decision) == ["Mark fulfilled", "Withdraw"]
    assert "Jordan Test approved it." in text_of(decision)
    clock.advance(hours=1)
    replies = await alex.press(decision, "Mark fulfilled")
    assert "What was sent?" in text_of(replies[-1])
    assert "Suggested: Incident summaries for the two addresses since June" in text_of(replies[-1])
    summary = (await alex.say("ok"))[-1]
    assert "Secure email" in text_of(summary)
    replies = await alex.press(summary, "Confirm")
    assert "IR-2026-0001 is marked fulfilled: sent by Secure email" in text_of(replies[-1])
    await deliver.drain()

    async with sample_hub.database.transaction() as session:
        request = await session.scalar(select(InformationRequest))
        record = await session.scalar(select(RequestDecision))
        chain = await verify_chain(session)
    assert request.status == "fulfilled"
    assert (record.decision, record.position, record.security) == (
        "approved",
        "Inspector",
        "Secure email",
    )
    assert (record.sent_description, record.sent_route) == (
        "Incident summaries for the two addresses since June",
        "Secure email",
    )
    assert chain.ok
    last = [c for c in teams.connector.calls if c.conversation == jordan.chat][-1]
    assert "IR-2026-0001: fulfilled" in last.text
