"""A partner with only an email address hears of what waits for them, signs in through a link
they ask the hub to email, and acts on the web; the person who asked hears in Slack.

The sample's email-only partners: Rowan Inbox (City Police's liaison officer), Sasha Sweep (the
street-cleansing contractor) and Charlie Outreach (the rough-sleeping charity, who owns
recommendations). Every email goes through a real SMTP server on loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.channels.email import EmailChannel, build_channel
from bot.conversation.hub import Hub
from bot.outbox.dispatcher import Dispatcher
from bot.server import build_app
from storage.models import Recommendation, RecommendationUpdate
from tests.channels.slack.conftest import (  # noqa: F401 (fixtures for tests here)
    SlackHarness,
    fake_slack,
    report_concern,
    slack,
    text_of,
)
from tests.channels.teams.test_delivery import REQUEST, authorise
from tests.conftest import Person
from tests.fakes.smtp import FakeSmtp, Received
from tests.web.conftest import Browser
from tests.web.pages import Page

# What Alex's request says of the people it is about: none of it may be in an email.
PERSONAL = ("Golden Lane", "named residents", "Repeated noise", "Alex", "call logs")


@pytest.fixture
def email(slack: SlackHarness, smtp: FakeSmtp) -> EmailChannel:  # noqa: F811
    return build_channel(slack.hub, smtp.env())


@pytest.fixture
async def hub_site(slack: SlackHarness, email: EmailChannel) -> AsyncIterator[str]:  # noqa: F811
    """The web hub as `saferhub serve` serves it with email on: the sign-in page offers links."""
    server = TestServer(build_app(slack.hub, [email]), host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/")
    await server.close()


@dataclass(frozen=True)
class Loop:
    """Slack for the requester, email for the partner, the web hub, and the outbox between."""

    slack: SlackHarness
    smtp: FakeSmtp
    site: str
    dispatcher: Dispatcher


@pytest.fixture
def loop(slack: SlackHarness, email: EmailChannel, smtp: FakeSmtp, hub_site: str) -> Loop:  # noqa: F811
    deliverers = [d for d in (slack.channel.deliverer, email.deliverer) if d is not None]
    dispatcher = Dispatcher(slack.hub.database, slack.hub.clock, deliverers, worker="t")
    return Loop(slack, smtp, hub_site, dispatcher)


def to(smtp: FakeSmtp, address: str) -> list[Received]:
    return [r for r in smtp.received if address in r.recipients]


def link_in(received: Received, hub: Hub, site: str) -> str:
    """The hub link in an email, made to point at the test's server."""
    plain = received.part("plain")
    link = next(w for w in plain.split() if w.startswith(hub.settings.public_url))
    return link.replace(hub.settings.public_url, site)


async def sign_in_by_email(
    web: Browser, smtp: FakeSmtp, address: str, record_link: str, dispatcher: Dispatcher, hub: Hub
) -> Page:
    """Open the record's link signed out, ask for a sign-in link, follow it: the record page."""
    offered = await web.get(record_link.removeprefix(web.base))
    assert "Email me a sign-in link" in offered.text, offered.text[:400]
    form = offered.form_with("Email me a sign-in link")
    answer = await web.submit(form, "Email me a sign-in link", email=address)
    assert "Check your email" in answer.text
    before = len(to(smtp, address))
    await dispatcher.drain()
    (mail,) = to(smtp, address)[before:]
    link = link_in(mail, hub, web.base)
    page = await web.get(link.removeprefix(web.base))
    signed_in = await web.press(page, "Continue")
    assert signed_in.status == 200
    assert signed_in.url.rstrip("/") == record_link.rstrip("/"), signed_in.url
    return signed_in


async def test_a_police_liaison_officer_with_only_email_decides_a_request_on_the_web(
    loop: Loop,
) -> None:
    smtp, hub_site, dispatcher = loop.smtp, loop.site, loop.dispatcher
    hub = loop.slack.hub
    alex = loop.slack.user("UALEX")
    for line in REQUEST:
        await alex.say(line)
    await authorise(hub)
    await dispatcher.drain()

    (notice,) = to(smtp, "rowan@example.org")
    for part in ("plain", "html"):
        said = notice.part(part)
        assert "IR-2026-0001" in said and "waiting for your organisation" in said
        assert not [p for p in PERSONAL if p in said], said

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        rowan = Browser(session, hub_site)
        record = await sign_in_by_email(
            rowan, smtp, "rowan@example.org", link_in(notice, hub, hub_site), dispatcher, hub
        )
        assert "Golden Lane" in record.text  # on the hub, signed in, the request in full
        reason = await rowan.press(record, "Decline")
        page = await rowan.submit(
            next(f for f in reason.forms if "field" in f.fields), "Continue", choice="too_vague"
        )
        page = await rowan.submit(
            next(f for f in page.forms if "field" in f.fields),
            "Continue",
            answer="Name the addresses",
        )
        done = await rowan.press(page, "Confirm and send")
        assert "declined" in done.text.lower(), done.text[:300]
    await dispatcher.drain()

    told = text_of(alex.messages()[-1])
    assert "IR-2026-0001" in told and "declined by Rowan Inbox" in told
    assert len(to(smtp, "rowan@example.org")) == 2  # the notice and the sign-in link, once each


async def test_the_cleansing_contractor_with_only_email_marks_a_removal_done_on_the_web(
    loop: Loop,
) -> None:
    smtp, hub_site, dispatcher = loop.smtp, loop.site, loop.dispatcher
    hub = loop.slack.hub
    alex = loop.slack.user("UALEX")
    reference = await report_concern(alex)
    assert "CN-2026-0001" in reference
    asked = await Person(hub, "priya@example.org").say(
        "request removal CN-2026-0001", "Street cleansing contractor", "skip", "confirm"
    )
    assert "removal" in str(asked[-1]).lower(), asked
    await dispatcher.drain()

    (notice,) = to(smtp, "sasha@example.org")
    said = notice.part("plain")
    assert "CN-2026-0001" in said and "Go home" not in said and "Alex" not in said

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        sasha = Browser(session, hub_site)
        record = await sign_in_by_email(
            sasha, smtp, "sasha@example.org", link_in(notice, hub, hub_site), dispatcher, hub
        )
        note = await sasha.press(record, "Removed")
        assert "Anything the team should know" in note.text
        check = await sasha.press(note, "Skip this question")
        done = await sasha.press(check, "Confirm and send")
        assert "removed" in done.text.lower(), done.text[:300]
    await dispatcher.drain()

    assert "removed" in text_of(alex.messages()[-1]).lower()


async def test_a_charity_owner_with_only_email_is_nudged_and_updates_on_the_web(loop: Loop) -> None:
    smtp, hub_site, dispatcher = loop.smtp, loop.site, loop.dispatcher
    hub = loop.slack.hub
    async with hub.unit() as uow:
        for sweep in hub.registry.sweeps:
            await sweep.run(uow)
    await dispatcher.drain()
    (notice,) = to(smtp, "charlie@example.org")
    assert "Clarify consent forms" not in notice.part("plain")  # the items' words stay in the hub
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        charlie = Browser(session, hub_site)
        record = await sign_in_by_email(
            charlie, smtp, "charlie@example.org", link_in(notice, hub, hub_site), dispatcher, hub
        )
        assert "VUL-11" in record.text and "VUL-13" in record.text  # their actions, at home
        item = await charlie.get("/hub/records/VUL-11")
        said = await charlie.press(item, "Progress")
        assert "Tell me more" in said.text
        form = next(f for f in said.forms if "field" in f.fields)
        rating = await charlie.submit(form, "Continue", answer="Consent forms drafted")
        assert "How would you rate it now?" in rating.text
        check = await charlie.press(rating, "Skip this question")
        done = await charlie.press(check, "Confirm and send")
        assert done.status == 200 and "VUL-11" in done.text, done.text[-600:]

    async with hub.database.transaction() as session:
        updates = (
            await session.scalars(
                select(RecommendationUpdate)
                .join(Recommendation)
                .where(Recommendation.reference == "VUL-11")
            )
        ).all()
    assert [(u.kind, u.note, u.author_id is not None) for u in updates] == [
        ("progress", "Consent forms drafted", True)
    ]
