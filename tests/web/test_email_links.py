"""Signing in by an emailed link: a partner outside Slack and Teams follows a notice's link to a
record, asks for a sign-in link by email, and lands on that record. The page answers the same
whoever asks, so it never tells who is in the directory; limits per address and per client are
silent; a link works once and never leads off the hub."""

from __future__ import annotations

import json
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.conversation import visits
from bot.conversation.hub import Hub
from bot.core.ports import OutboxPayload
from bot.server import build_app
from storage.models import AuditEntry, OutboxMessage, Person
from tests.conftest import Person as Talker
from tests.sharing.test_lifecycle import submit_request
from tests.web.conftest import Browser, later
from tests.web.pages import Page

CHECK_EMAIL = (
    "If that address is in the Saferhub directory, we have sent a link to sign in. "
    "It works once, within 15 minutes."
)


@pytest.fixture
def site(email_site: TestServer) -> TestServer:
    """The sign-in page offers email links here."""
    return email_site


async def ask(person: Browser, email: str, next_path: str = "/hub/") -> Page:
    """Fill in "Email me a sign-in link" on the sign-in page reached on the way to `next_path`."""
    page = await person.get(f"/hub/sign-in?next={next_path}")
    return await person.press(page, "Email me a sign-in link", email=email)


async def links_sent(hub: Hub, email: str = "") -> list[OutboxPayload]:
    """The sign-in links queued in the outbox (for the person with `email`, when given)."""
    async with hub.unit() as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage)
            .join(Person, Person.id == OutboxMessage.recipient_id)
            .where(OutboxMessage.kind == visits.SIGN_IN_LINK)
            .where(Person.email == email if email else Person.id.is_not(None))
            .order_by(OutboxMessage.id)
        )
        return [OutboxPayload.from_json(row.payload) for row in rows]


def path_of(hub: Hub, sent: OutboxPayload) -> str:
    """The link in an emailed notice, as a path on the hub."""
    url = sent.notice.lines[0]
    assert url.startswith(hub.settings.public_url + "/hub/sign-in/link/"), url
    return url.removeprefix(hub.settings.public_url)


async def test_a_partner_following_a_notice_to_a_record_signs_in_by_email_and_lands_on_it(
    sample_hub, browser
):
    reference = await submit_request(Talker(sample_hub, "alex@example.org"))
    jordan = browser()
    offered = await jordan.get(f"/hub/records/{reference}")
    assert offered.url.endswith(f"/hub/sign-in?next=/hub/records/{reference}")
    form = offered.form_with("Email me a sign-in link")
    assert (
        form.action == "/hub/sign-in/email" and form.fields["next"] == f"/hub/records/{reference}"
    )
    (typed,) = [i for i in form.inputs if i.get("name") == "email"]
    assert typed["type"] == "email" and typed["autocomplete"] == "email"
    assert (
        typed["spellcheck"] == "false"
        and '<label class="govuk-label govuk-label--m" for="email">' in offered.html
    )

    answer = await jordan.submit(form, email="Jordan@Example.org")
    assert answer.status == 200 and answer.h1 == "Check your email" and CHECK_EMAIL in answer.text
    assert answer.link("Back to sign in") == f"/hub/sign-in?next=/hub/records/{reference}"
    assert jordan.cookie("saferhub_session") is None

    (sent,) = await links_sent(sample_hub)
    assert sent.via == "email" and sent.notice.kind == "sign_in_link"
    assert sent.notice.title == "Your link to sign in to Saferhub"
    assert (await links_sent(sample_hub, "jordan@example.org")) == [sent]
    link = path_of(sample_hub, sent)
    opened = await jordan.get(link)
    assert opened.h1 == "Sign in to Saferhub" and jordan.cookie("saferhub_session") is None
    landed = await jordan.press(opened, "Continue")
    assert landed.status == 200 and landed.url.endswith(f"/hub/records/{reference}")
    assert reference in landed.title

    again = browser()
    reused = await again.press(await again.get(link), "Continue")
    assert reused.status == 403 and "already been used" in reused.text
    assert again.cookie("saferhub_session") is None


async def test_an_unknown_address_gets_the_very_same_page_and_nothing_is_sent_or_kept(
    sample_hub, browser
):
    known = await ask(browser(), "alex@example.org", "/hub/records/IR-2026-0001")
    unknown = await ask(browser(), "stranger@example.org", "/hub/records/IR-2026-0001")
    assert known.status == unknown.status == 200
    assert known.html == unknown.html
    assert [s.notice.kind for s in await links_sent(sample_hub)] == ["sign_in_link"]
    assert await links_sent(sample_hub, "alex@example.org")
    async with sample_hub.unit() as uow:
        audit = (await uow.session.scalars(select(AuditEntry))).all()
    written = " ".join(f"{row.actor} {json.dumps(row.summary)}" for row in audit)
    assert "stranger" not in written
    assert any(row.action == visits.LINK_NOT_SENT and row.actor == "system" for row in audit), (
        "the unknown address is audited, without the address"
    )


async def test_a_leaver_or_someone_out_of_the_directory_gets_no_link_but_the_same_page(
    sample_hub, browser
):
    async with sample_hub.unit() as uow:
        pat = await uow.session.scalar(select(Person).where(Person.email == "pat@example.org"))
        pat.active = False
        alex = await uow.session.scalar(select(Person).where(Person.email == "alex@example.org"))
        alex.in_directory = False
    told = [(await ask(browser(), email)).html for email in ("pat@example.org", "alex@example.org")]
    assert told[0] == told[1] and CHECK_EMAIL in told[0]
    assert await links_sent(sample_hub) == []


async def test_the_sixth_ask_for_one_address_in_an_hour_sends_nothing_and_says_the_same(
    sample_hub, browser
):
    answers = [(await ask(browser(), "priya@example.org")).html for _ in range(6)]
    assert len(set(answers)) == 1
    assert len(await links_sent(sample_hub, "priya@example.org")) == visits.LINKS_PER_HOUR == 5
    later(sample_hub, 61)
    await ask(browser(), "priya@example.org")
    assert len(await links_sent(sample_hub, "priya@example.org")) == 6


async def test_the_eleventh_ask_from_one_client_sends_nothing_whatever_the_address(
    sample_hub, browser
):
    person = browser()
    for number in range(visits.ASKS_PER_HOUR):
        await ask(person, f"nobody{number}@example.org")
    limited = await ask(person, "alex@example.org")
    assert CHECK_EMAIL in limited.text
    assert await links_sent(sample_hub) == []
    later(sample_hub, 61)
    await ask(person, "alex@example.org")
    assert len(await links_sent(sample_hub, "alex@example.org")) == 1


@pytest.mark.parametrize(
    "elsewhere",
    ["https://evil.example/", "//evil.example/hub/", "/hub/../x", "/hub/%2e%2e/x", "/hub/..\\x"],
)
async def test_a_link_never_leads_off_the_hub_whatever_next_says(sample_hub, browser, elsewhere):
    person = browser()
    page = await person.get(f"/hub/sign-in?next={quote(elsewhere, safe='')}")
    assert page.form_with("Email me a sign-in link").fields["next"] == "/hub/"
    await person.post("/hub/sign-in/email", {"email": "alex@example.org", "next": elsewhere})
    (sent,) = await links_sent(sample_hub)
    link = path_of(sample_hub, sent)
    assert "next" not in link
    landed = await person.press(await person.get(f"{link}?next={elsewhere}"), "Continue")
    assert landed.status == 200 and landed.url.endswith("/hub/") and landed.h1.startswith("Hello")


async def test_a_blank_or_malformed_address_is_asked_again_the_same_for_anyone(browser):
    person = browser()
    blank = await ask(person, "  ", "/hub/requests/queue")
    assert blank.status == 200 and blank.title.startswith("Error:")
    assert "There is a problem" in blank.text and "Enter your email address" in blank.text
    form = blank.form_with("Email me a sign-in link")
    assert form.fields["next"] == "/hub/requests/queue"
    wrong = await person.submit(form, email="alex@<script>alert(1)</script>")
    assert "Enter an email address in the correct format" in wrong.text
    assert "<script>alert" not in wrong.html and "alex@&lt;script&gt;" in wrong.html
    assert (
        "govuk-input--error" in wrong.html
        and 'aria-describedby="email-hint email-error"' in wrong.html
    )


async def test_without_an_email_channel_the_form_is_absent_and_asking_is_not_found(sample_hub):
    server = TestServer(build_app(sample_hub, []), host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(server.make_url("/hub/sign-in")) as response:
                assert "Email me a sign-in link" not in await response.text()
            async with http.post(
                server.make_url("/hub/sign-in/email"), data={"email": "alex@example.org"}
            ) as response:
                assert response.status == 404
    finally:
        await server.close()
    assert await links_sent(sample_hub) == []
