"""Signing in to the web hub with OpenID Connect (Microsoft Entra ID, Slack), against loopback
fakes of the providers: who gets in, and every way a sign-in is refused without a session."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from aiohttp.test_utils import TestServer, unused_port
from sqlalchemy import func, select
from yarl import URL

from bot.config import ConfigError, Settings
from bot.conversation import visits
from bot.conversation.hub import Hub
from bot.server import build_app
from storage.models import AuditEntry, Person, WebSession
from tests.fakes.oidc_provider import FakeProvider
from tests.web.conftest import Browser
from tests.web.pages import Page

HOUR = 3600


@pytest.fixture
async def entra(sample_hub: Hub) -> AsyncIterator[FakeProvider]:
    """Entra ID: no email claim nor email_verified, the sign-in name in preferred_username."""
    fake = FakeProvider(sample_hub.clock, client_id="entra-client", client_secret="entra-secret")
    fake.who = {"preferred_username": "priya@example.org", "name": "Priya Sample"}
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def slack(sample_hub: Hub) -> AsyncIterator[FakeProvider]:
    fake = FakeProvider(sample_hub.clock, client_id="slack-client", client_secret="slack-secret")
    fake.who = {"email": "alex@example.org", "email_verified": True}
    await fake.start()
    yield fake
    await fake.close()


def oidc_env(entra: FakeProvider, slack: FakeProvider, public_url: str) -> dict[str, str]:
    return {
        "SAFERHUB_PUBLIC_URL": public_url,
        "SAFERHUB_OIDC_ENTRA_CLIENT_ID": entra.client_id,
        "SAFERHUB_OIDC_ENTRA_CLIENT_SECRET": entra.client_secret,
        "SAFERHUB_OIDC_ENTRA_TENANT_ID": "contoso.example",
        "SAFERHUB_OIDC_ENTRA_DISCOVERY": entra.discovery,
        "SAFERHUB_OIDC_SLACK_CLIENT_ID": slack.client_id,
        "SAFERHUB_OIDC_SLACK_CLIENT_SECRET": slack.client_secret,
        "SAFERHUB_OIDC_SLACK_DISCOVERY": slack.discovery,
        "SAFERHUB_WEB_SECRET": "w" * 40,
    }


@pytest.fixture
async def site(
    sample_hub: Hub, entra: FakeProvider, slack: FakeProvider
) -> AsyncIterator[TestServer]:
    """The hub on loopback with both providers configured from the environment (at its own
    address, which the providers send people back to)."""
    port = unused_port()
    configured = Settings.from_env(oidc_env(entra, slack, f"http://127.0.0.1:{port}"))
    sample_hub.settings = replace(
        sample_hub.settings,
        public_url=configured.public_url,
        identity_providers=configured.identity_providers,
        web_secret=configured.web_secret,
    )
    server = TestServer(build_app(sample_hub, []), host="127.0.0.1", port=port)
    await server.start_server()
    yield server
    await server.close()


async def sessions(hub: Hub) -> int:
    async with hub.unit() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(WebSession)) or 0)


async def callback_of(person: Browser, name: str) -> str:
    """Start signing in with provider `name` and sign in there: the hub path it sends back to."""
    async with person.session.get(
        f"{person.base}/hub/sign-in/{name}", allow_redirects=False
    ) as leaving:
        assert leaving.status == 302, await leaving.text()
        authorize = leaving.headers["Location"]
    async with person.session.get(authorize, allow_redirects=False) as signed:
        assert signed.status == 302
        return signed.headers["Location"].removeprefix(person.base)


def refused(page: Page, status: int = 403) -> bool:
    return page.status == status and page.h1 == "You have not been signed in"


async def test_the_sign_in_page_offers_each_configured_provider(browser):
    page = await browser().get("/hub/sign-in?next=/hub/records/CN-2026-0001")
    assert page.link("Sign in with Microsoft").endswith(
        "/hub/sign-in/entra?next=/hub/records/CN-2026-0001"
    )
    assert page.link("Sign in with Slack").startswith("/hub/sign-in/slack?")


async def test_a_directory_person_signs_in_with_microsoft_by_their_sign_in_name(
    sample_hub, browser
):
    priya = browser()
    home = await priya.get("/hub/sign-in/entra?next=//evil.example/")
    assert home.status == 200 and home.h1 == "Hello, Priya Sample"
    assert home.url.endswith("/hub/")
    cookie = priya.cookie("saferhub_session")
    assert cookie is not None and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert priya.cookie("saferhub_oidc") is None  # the flow cookie is spent
    async with sample_hub.unit() as uow:
        entered = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == visits.SIGNED_IN)
        )
    assert entered is not None and entered.summary.get("how") == "entra"


async def test_a_directory_person_signs_in_with_slack_and_goes_where_they_were_going(browser):
    alex = browser()
    home = await alex.get("/hub/sign-in/slack?next=/hub/%3Ffrom%3Dslack")
    assert home.url.endswith("/hub/?from=slack") and home.h1 == "Hello, Alex Morgan"


async def test_someone_outside_the_directory_or_inactive_is_refused_plainly(
    sample_hub, browser, slack
):
    slack.who = {"email": "stranger@example.org", "email_verified": True}
    stranger = browser()
    page = await stranger.get("/hub/sign-in/slack")
    assert page.status == 403 and page.h1 == "You cannot sign in"
    assert "not in the partnership's directory" in page.text
    assert stranger.cookie("saferhub_session") is None
    async with sample_hub.unit() as uow:
        leaver = await uow.session.scalar(select(Person).where(Person.email == "pat@example.org"))
        leaver.active = False
    slack.who = {"email": "pat@example.org", "email_verified": True}
    pat = browser()
    page = await pat.get("/hub/sign-in/slack")
    assert page.status == 403 and page.h1 == "You cannot sign in"
    assert pat.cookie("saferhub_session") is None
    assert await sessions(sample_hub) == 0


async def test_a_callback_with_another_state_or_no_flow_cookie_is_refused(sample_hub, browser):
    alex = browser()
    back = await callback_of(alex, "slack")
    forged = await alex.get(back.replace("state=", "state=x"))
    assert refused(forged, 400)
    stranger = browser()  # someone else's callback, opened in a browser that never left
    assert refused(await stranger.get(back), 400)
    assert await sessions(sample_hub) == 0


async def test_a_flow_left_at_the_provider_too_long_is_refused(sample_hub, browser):
    alex = browser()
    back = await callback_of(alex, "slack")
    sample_hub.clock.advance(minutes=11)
    assert refused(await alex.get(back), 400)
    assert await sessions(sample_hub) == 0


async def test_a_replayed_code_signs_nobody_in(sample_hub, browser):
    alex = browser()
    back = await callback_of(alex, "slack")
    flow = alex.cookie("saferhub_oidc")
    assert (await alex.get(back)).h1 == "Hello, Alex Morgan"
    thief = browser()  # with the flow cookie and the callback address both copied
    thief.session.cookie_jar.update_cookies({"saferhub_oidc": flow.value}, URL(thief.base + back))
    page = await thief.get(back)
    assert refused(page) and thief.cookie("saferhub_session") is None
    assert await sessions(sample_hub) == 1


@pytest.mark.parametrize(
    ("tamper", "forge"),
    [
        pytest.param({"aud": "another-app"}, False, id="wrong audience"),
        pytest.param({"iss": "https://login.example/other"}, False, id="wrong issuer"),
        pytest.param({"exp": -300, "iat": -HOUR}, False, id="expired"),
        pytest.param({"iat": 600}, False, id="issued in the future"),
        pytest.param({}, True, id="bad signature"),
        pytest.param({"nonce": "replayed-nonce"}, False, id="wrong nonce"),
        pytest.param({"nonce": None}, False, id="no nonce"),
    ],
)
async def test_an_id_token_that_does_not_check_out_is_refused(
    sample_hub, browser, slack, caplog, tamper: dict[str, Any], forge: bool
):
    now = int(sample_hub.clock.now().timestamp())
    slack.tamper = {
        k: (now + v if k in ("exp", "iat") and v is not None else v) for k, v in tamper.items()
    }
    slack.forge = forge
    alex = browser()
    with caplog.at_level(logging.WARNING, logger="bot.web.oidc"):
        page = await alex.get("/hub/sign-in/slack")
    assert refused(page) and "could not be checked" in page.text
    assert alex.cookie("saferhub_session") is None
    assert await sessions(sample_hub) == 0
    logged = caplog.text
    assert "sign-in with slack stopped" in logged
    assert "alex@example.org" not in logged and "eyJ" not in logged  # no email, no token


@pytest.mark.parametrize(
    "who",
    [
        pytest.param({"email": "alex@example.org", "email_verified": False}, id="unverified"),
        pytest.param({"email": "alex@example.org"}, id="not said to be verified"),
        pytest.param({"email_verified": True}, id="no email"),
    ],
)
async def test_slack_must_vouch_for_the_email_address(sample_hub, browser, slack, who):
    slack.who = who
    alex = browser()
    page = await alex.get("/hub/sign-in/slack")
    assert refused(page) and "has not confirmed your email address" in page.text
    assert alex.cookie("saferhub_session") is None
    assert await sessions(sample_hub) == 0


async def test_microsoft_prefers_the_email_claim_and_refuses_one_marked_unverified(
    sample_hub, browser, entra
):
    entra.who = {"email": "alex@example.org", "preferred_username": "priya@example.org"}
    assert (await browser().get("/hub/sign-in/entra")).h1 == "Hello, Alex Morgan"
    entra.who = {"email": "alex@example.org", "email_verified": False}
    assert refused(await browser().get("/hub/sign-in/entra"))
    assert await sessions(sample_hub) == 1


async def test_a_person_who_declines_at_the_provider_is_told_plainly(browser, slack):
    slack.deny = "access_denied"
    page = await browser().get("/hub/sign-in/slack")
    assert refused(page) and "Slack did not sign you in" in page.text


@pytest.mark.parametrize("endpoint", ["discovery", "jwks", "token"])
async def test_a_provider_in_trouble_gives_a_plain_page_not_an_error(
    sample_hub, browser, slack, endpoint
):
    slack.fail = {endpoint: 500}
    alex = browser()
    page = await alex.get("/hub/sign-in/slack")
    assert refused(page, 502) and "Slack could not be reached just now" in page.text
    assert await sessions(sample_hub) == 0


async def test_an_unreachable_provider_gives_a_plain_page_not_an_error(sample_hub, browser, entra):
    await entra.close()
    page = await browser().get("/hub/sign-in/entra")
    assert refused(page, 502) and "Microsoft could not be reached just now" in page.text


async def test_a_provider_that_is_not_configured_is_not_there(browser):
    page = await browser().get("/hub/sign-in/google")
    assert page.status == 404


def test_providers_are_configured_whole_for_one_tenant_and_their_secrets_never_shown():
    settings = Settings.from_env(
        {
            "SAFERHUB_OIDC_ENTRA_CLIENT_ID": "app",
            "SAFERHUB_OIDC_ENTRA_CLIENT_SECRET": "very-secret-value",
            "SAFERHUB_OIDC_ENTRA_TENANT_ID": "11111111-2222-3333-4444-555555555555",
            "SAFERHUB_WEB_SECRET": "s" * 40,
        }
    )
    (entra,) = settings.identity_providers
    assert entra.discovery == (
        "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555"
        "/v2.0/.well-known/openid-configuration"
    )
    assert "very-secret-value" not in repr(settings) and "s" * 40 not in repr(settings)
    assert Settings.from_env({}).identity_providers == ()
    slack = Settings.from_env(
        {"SAFERHUB_OIDC_SLACK_CLIENT_ID": "a", "SAFERHUB_OIDC_SLACK_CLIENT_SECRET": "b"}
    )
    assert (
        slack.identity_providers[0].discovery
        == "https://slack.com/.well-known/openid-configuration"
    )
    with pytest.raises(ConfigError, match="set together"):
        Settings.from_env({"SAFERHUB_OIDC_SLACK_CLIENT_ID": "a"})
    for tenant in ("common", "organizations", ""):
        with pytest.raises(ConfigError, match="TENANT_ID"):
            Settings.from_env(
                {
                    "SAFERHUB_OIDC_ENTRA_CLIENT_ID": "app",
                    "SAFERHUB_OIDC_ENTRA_CLIENT_SECRET": "x",
                    "SAFERHUB_OIDC_ENTRA_TENANT_ID": tenant,
                }
            )
