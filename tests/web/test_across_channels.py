"""What a person does on the web is the same action as in chat: a manager acknowledging on the
web updates their Slack alert in place and tells the reporter in Slack."""

from __future__ import annotations

import aiohttp

from bot.conversation import visits
from bot.outbox.dispatcher import Dispatcher
from tests.channels.slack.conftest import buttons, report_concern, text_of
from tests.channels.slack.test_prevent_flow import link
from tests.channels.teams.conftest import wait_for
from tests.channels.teams.test_delivery import REQUEST, authorise
from tests.web.conftest import Browser


async def test_acknowledged_on_the_web_the_slack_alert_is_updated_in_place(slack):
    hub = slack.hub
    await link(hub, UPRIYA="priya@example.org", USAM="sam@example.org")
    alex, priya = slack.user("UALEX"), slack.user("UPRIYA")
    assert "CN-2026-0001" in await report_concern(alex)
    dispatcher = Dispatcher(hub.database, hub.clock, [slack.channel.deliverer], worker="test")
    await dispatcher.drain()
    (alert,) = priya.messages()
    assert "Acknowledge" in buttons(alert)

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        web = Browser(session, str(slack.client.make_url("")).rstrip("/"))
        token = await visits.make_link(hub, "priya@example.org", limit=False)
        home = await web.post(f"/hub/sign-in/link/{token}", {})
        page = await web.get("/hub/records/CN-2026-0001")
        assert page.status == 200
        done = await web.post(
            "/hub/records/CN-2026-0001",
            {**home.forms[0].fields, "action": "concern.acknowledge", "event": "ack-1"},
        )
        assert done.status == 200 and "acknowledged" in done.text.lower(), done.text[:400]
    await dispatcher.drain()

    (updated,) = priya.messages()  # the same message, replaced, not a second one
    assert updated["ts"] == alert["ts"] and "Acknowledge" not in buttons(updated)
    told = alex.messages()[-1]
    assert "has acknowledged your report" in text_of(told)


async def test_declined_on_the_web_the_requester_is_told_in_teams(
    teams, teams_user, sample_hub, sign_in
):
    alex = teams_user("29:alex")
    await alex.send(alex.install())
    for line in REQUEST:
        replies = await alex.send(alex.message(line))
    await authorise(sample_hub)
    deliver = Dispatcher(
        sample_hub.database, sample_hub.clock, [teams.channel.deliverer], worker="t"
    )
    await deliver.drain()
    before = len(teams.connector.posted(alex.chat))

    jordan = await sign_in("jordan@example.org")
    record = await jordan.get("/hub/records/IR-2026-0001")
    reason = await jordan.press(record, "Decline")
    page = await jordan.submit(
        next(f for f in reason.forms if "field" in f.fields), "Continue", choice="too_vague"
    )
    page = await jordan.submit(
        next(f for f in page.forms if "field" in f.fields), "Continue", answer="Name the addresses"
    )
    done = await jordan.press(page, "Confirm and send")
    assert done.status == 200 and "declined" in done.text.lower(), done.text[:300]
    await deliver.drain()

    told = (await wait_for(lambda: teams.connector.posted(alex.chat)[before:]))[-1]
    assert "IR-2026-0001" in told.text and "declined by Jordan Test" in told.text
    assert replies  # Alex's request was filed in Teams
