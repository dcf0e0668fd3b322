"""Notices by email through the real outbox dispatcher and a real SMTP server on loopback: each
email once, whatever the mail server does, and never a word of the notice's title or lines."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from bot.app import REGISTRY
from bot.channels.email import EmailChannel, build_channel
from bot.channels.slack.delivery import SlackDeliverer
from bot.channels.slack.workspace import Workspace, web_client
from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.core.ports import Headline
from bot.core.unit import UnitOfWork
from bot.outbox.dispatcher import Dispatcher, DispatchReport
from bot.server import build_dispatcher
from dialogs.messages import Notice
from storage.models import OutboxMessage, Person
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.smtp import FakeSmtp

PARTNER = "sam.partner@housing.example"
PERSONAL = Notice(
    "information_request",
    "Information request IR-2026-0007 about Jo Bloggs",
    ("Jo Bloggs, 14 Acacia Avenue", "Seen shouting at a neighbour on Tuesday"),
    "IR-2026-0007",
)


@pytest.fixture
def channel(sample_hub: Hub, smtp: FakeSmtp) -> EmailChannel:
    return build_channel(sample_hub, smtp.env())


async def add_person(
    hub: Hub, email: str = PARTNER, *, preferred: str = "email", slack: str | None = None
) -> int:
    async with hub.unit() as uow:
        person = Person(
            email=email, name="Sam Partner", preferred_channel=preferred, slack_user_id=slack
        )
        uow.session.add(person)
        await uow.session.flush()
        return person.id


async def notify(hub: Hub, person_id: int, notice: Notice, key: str, via: str = "") -> None:
    async with hub.unit() as uow:
        person = await uow.session.get(Person, person_id)
        assert person is not None
        await uow.notify(person, notice, dedupe_key=key, via=via)


async def rows(hub: Hub, **where: object) -> list[OutboxMessage]:
    async with hub.database.transaction() as session:
        query = select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
        return list(await session.scalars(query))


async def test_a_partner_who_prefers_email_gets_one_email_with_the_link_and_nothing_personal(
    sample_hub: Hub, smtp: FakeSmtp, channel: EmailChannel
) -> None:
    person = await add_person(sample_hub)
    await notify(sample_hub, person, PERSONAL, "ir-7")

    report = await build_dispatcher(sample_hub, [channel]).tick()

    assert report == DispatchReport(sent=1)
    [received] = smtp.received
    assert received.recipients == (PARTNER,)
    assert received.sender == "saferhub@hub.example"
    # No request IR-2026-0007 is in the hub, so none is named: the link is the queue of requests
    # (test_partner_loop follows a real one to its page).
    link = "http://127.0.0.1:3978/hub/requests/queue"
    for text in (received.part("plain"), received.part("html")):
        assert link in text
        for personal in ("Jo Bloggs", "Acacia", "shouting", "Tuesday"):
            assert personal not in text
    assert "Jo Bloggs" not in str(received.message["Subject"])
    [row] = await rows(sample_hub, recipient_id=person)
    assert row.status == "sent"
    assert row.platform_message_id == str(received.message["Message-ID"])
    assert row.platform_message_id == f"<saferhub-outbox-{row.id}@hub.example>"


async def test_after_an_smtp_outage_each_email_goes_once_when_the_server_is_back(
    sample_hub: Hub, clock: FixedClock, smtp: FakeSmtp, channel: EmailChannel
) -> None:
    person = await add_person(sample_hub)
    for i in range(3):
        await notify(sample_hub, person, PERSONAL, f"ir-{i}")
    dispatcher = build_dispatcher(sample_hub, [channel])

    smtp.stop()
    assert await dispatcher.tick() == DispatchReport(retried=3)
    smtp.start()
    assert await dispatcher.tick() == DispatchReport()  # not due again yet
    clock.advance(minutes=1)
    assert await dispatcher.tick() == DispatchReport(sent=3)

    ids = Counter(str(r.message["Message-ID"]) for r in smtp.received)
    assert len(ids) == 3 and set(ids.values()) == {1}


async def test_a_server_that_says_not_now_is_tried_again_later(
    sample_hub: Hub, clock: FixedClock, smtp: FakeSmtp, channel: EmailChannel
) -> None:
    person = await add_person(sample_hub)
    await notify(sample_hub, person, PERSONAL, "ir-7")
    dispatcher = build_dispatcher(sample_hub, [channel])

    smtp.handler.temporary = True
    assert await dispatcher.tick() == DispatchReport(retried=1)
    smtp.handler.temporary = False
    clock.advance(minutes=1)
    assert await dispatcher.tick() == DispatchReport(sent=1)
    assert len(smtp.received) == 1


async def test_a_refused_address_is_marked_failing_the_admins_are_told_and_nothing_more_is_emailed(
    sample_hub: Hub, smtp: FakeSmtp, channel: EmailChannel, caplog: pytest.LogCaptureFixture
) -> None:
    person = await add_person(sample_hub)
    await notify(sample_hub, person, PERSONAL, "ir-7")
    smtp.refuse(PARTNER)
    dispatcher = build_dispatcher(sample_hub, [channel])

    assert await dispatcher.tick() == DispatchReport(dead=1)

    async with sample_hub.database.transaction() as session:
        refused = await session.get(Person, person)
        assert refused is not None
        assert refused.email_failing_since is not None
        assert refused.email_failing_reason.startswith("550")
    told = await rows(sample_hub, kind="directory.email_failing")
    assert told, "the administrators are told"
    await notify(sample_hub, person, PERSONAL, "ir-8")
    await dispatcher.tick()
    [*_, later] = await rows(sample_hub, recipient_id=person)
    assert later.status == "held"
    assert [r.recipients for r in smtp.received if PARTNER in r.recipients] == []
    # The administrator (email only in the sample directory) is emailed without the address,
    # and neither the logs nor the outbox's error repeat the address the server echoed.
    for received in smtp.received:
        assert PARTNER not in received.part("plain") + received.part("html")
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
    assert ours and not [line for line in ours if PARTNER in line]
    [first, *_] = await rows(sample_hub, recipient_id=person)
    assert first.status == "dead" and PARTNER not in (first.last_error or "")


async def test_a_server_that_offers_no_starttls_is_never_sent_to_in_plain_text(
    sample_hub: Hub, smtp: FakeSmtp
) -> None:
    channel = build_channel(sample_hub, smtp.env(SAFERHUB_SMTP_TLS="starttls"))
    person = await add_person(sample_hub)
    await notify(sample_hub, person, PERSONAL, "ir-7")

    assert await build_dispatcher(sample_hub, [channel]).tick() == DispatchReport(retried=1)
    assert smtp.received == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
async def test_a_server_that_asks_for_a_login_gets_the_configured_one(sample_hub: Hub) -> None:
    server = FakeSmtp(login=("saferhub", "s3cret"))
    server.start()
    try:
        env = server.env(SAFERHUB_SMTP_USER="saferhub", SAFERHUB_SMTP_PASSWORD="s3cret")
        person = await add_person(sample_hub)
        await notify(sample_hub, person, PERSONAL, "ir-7")
        report = await build_dispatcher(sample_hub, [build_channel(sample_hub, env)]).tick()
    finally:
        server.stop()
    assert report == DispatchReport(sent=1)
    assert server.logins == ["saferhub"] and len(server.received) == 1


async def test_an_address_that_is_not_one_is_marked_failing_without_asking_the_server(
    sample_hub: Hub, smtp: FakeSmtp, channel: EmailChannel
) -> None:
    person = await add_person(sample_hub, "not an address")
    await notify(sample_hub, person, PERSONAL, "ir-7")

    assert await build_dispatcher(sample_hub, [channel]).tick() == DispatchReport(dead=1)

    async with sample_hub.database.transaction() as session:
        refused = await session.get(Person, person)
        assert refused is not None and refused.email_failing_since is not None
    assert smtp.received == []


async def test_a_server_slow_to_accept_leaves_the_email_unconfirmed_not_lost(
    sample_hub: Hub, smtp: FakeSmtp
) -> None:
    channel = build_channel(sample_hub, smtp.env(SAFERHUB_SMTP_TIMEOUT="1"))
    person = await add_person(sample_hub)
    await notify(sample_hub, person, PERSONAL, "ir-7")
    smtp.handler.slow_data = 2.0

    assert await build_dispatcher(sample_hub, [channel]).tick() == DispatchReport(retried=1)

    [row] = await rows(sample_hub, recipient_id=person)
    assert row.unconfirmed_since is not None  # the message went out before the answer was lost


@pytest.fixture
async def slack(clock: FixedClock) -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(clock=clock)
    await fake.start()
    yield fake
    await fake.stop()


def slack_deliverer(fake: FakeSlack) -> SlackDeliverer:
    client: AsyncWebClient = web_client(BOT_TOKEN, fake.api_url)
    return SlackDeliverer(Workspace(client, attempts=2, backoff=0.01), pace_seconds=0.0)


async def test_a_row_named_for_email_goes_by_email_even_to_someone_who_prefers_slack(
    sample_hub: Hub, clock: FixedClock, smtp: FakeSmtp, channel: EmailChannel, slack: FakeSlack
) -> None:
    person = await add_person(sample_hub, preferred="slack", slack="USAMP")
    link = "http://127.0.0.1:3978/hub/sign-in/link/AbCdEfGhIjKlMnOpQrStUvWxYz"
    await notify(sample_hub, person, Notice("sign_in_link", "Sign in", (link,)), "link", "email")
    await notify(sample_hub, person, PERSONAL, "ir-7")
    dispatcher = Dispatcher(
        sample_hub.database, clock, [slack_deliverer(slack), channel.deliverer], worker="w"
    )

    assert await dispatcher.tick() == DispatchReport(sent=2)

    [received] = smtp.received
    assert link in received.part("plain")
    assert str(received.message["Subject"]) == "Your Saferhub sign-in link"
    assert len(slack.called("chat.postMessage")) == 1  # the request went by Slack


async def test_a_digest_named_for_email_goes_by_slack_where_email_is_not_set_up(
    sample_hub: Hub, clock: FixedClock, slack: FakeSlack
) -> None:
    person = await add_person(sample_hub, preferred="slack", slack="USAMP")
    await notify(sample_hub, person, Notice("progress_report", "Digest", ("x",)), "d", "email")
    dispatcher = Dispatcher(sample_hub.database, clock, [slack_deliverer(slack)], worker="w")

    assert await dispatcher.tick() == DispatchReport(sent=1)

    [row] = await rows(sample_hub, recipient_id=person)
    assert row.platform == "slack"


async def test_someone_with_a_slack_id_and_no_preference_is_not_emailed(
    sample_hub: Hub, clock: FixedClock, smtp: FakeSmtp, channel: EmailChannel, slack: FakeSlack
) -> None:
    person = await add_person(sample_hub, preferred="", slack="USAMP")
    await notify(sample_hub, person, PERSONAL, "ir-7")
    dispatcher = Dispatcher(
        sample_hub.database, clock, [slack_deliverer(slack), channel.deliverer], worker="w"
    )

    assert await dispatcher.tick() == DispatchReport(sent=1)

    assert smtp.received == []
    [row] = await rows(sample_hub, recipient_id=person)
    assert row.platform == "slack"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_two_dispatchers_ticking_at_once_send_each_email_once(
    sample_hub: Hub, smtp: FakeSmtp, channel: EmailChannel
) -> None:
    people = [await add_person(sample_hub, f"partner{i}@housing.example") for i in range(4)]
    for person in people:
        for i in range(3):
            await notify(sample_hub, person, PERSONAL, f"ir-{person}-{i}")
    first = Dispatcher(sample_hub.database, sample_hub.clock, [channel.deliverer], worker="a")
    second = Dispatcher(sample_hub.database, sample_hub.clock, [channel.deliverer], worker="b")

    reports = await asyncio.gather(first.drain(), second.drain())

    assert sum(r.sent for r in reports) == 12
    ids = Counter(str(r.message["Message-ID"]) for r in smtp.received)
    assert len(ids) == 12 and set(ids.values()) == {1}


async def headline_of(uow: UnitOfWork, reference: str) -> Headline | None:
    """A domain's headline lookup, as the sharing domain will register one for "IR-"."""
    return Headline("Information request", reference, "Community Safety", date(2026, 12, 10))


async def test_the_email_says_what_the_domains_headline_says_and_no_more(
    database_url: str, clock: FixedClock, smtp: FakeSmtp
) -> None:
    registry = dataclasses.replace(REGISTRY, headlines={"IR-": headline_of})
    hub = Hub.build(Settings(database_url=database_url), clock, registry=registry)
    try:
        person = await add_person(hub)
        await notify(hub, person, PERSONAL, "ir-7")
        assert await build_dispatcher(hub, [build_channel(hub, smtp.env())]).tick() == (
            DispatchReport(sent=1)
        )
    finally:
        await hub.close()

    [received] = smtp.received
    assert (
        "Information request IR-2026-0007 from Community Safety is waiting for your "
        "organisation's decision by 10 December 2026." in received.part("plain")
    )
    assert "Jo Bloggs" not in received.part("plain") + received.part("html")
