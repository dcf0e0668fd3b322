"""What a person does on the web is the same action as in chat: a manager acknowledging on the
web updates their Slack alert in place and tells the reporter in Slack."""

from __future__ import annotations

import aiohttp

from bot.conversation import visits
from bot.outbox.dispatcher import Dispatcher
from tests.channels.slack.conftest import buttons, report_concern, text_of
from tests.channels.slack.test_prevent_flow import link
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
