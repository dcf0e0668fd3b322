"""Bot Framework tokens on /api/messages, checked by the Agents SDK against the issuer's keys.

The Bot Connector's key server is played by a fake on loopback: the SDK's table of Bot Framework
key addresses is pointed at it for the test (nothing of Saferhub's is replaced). A token signed
with the connector's key for this bot is accepted; a forged, expired, misaddressed or unsigned
one gets 401 and changes nothing.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st
from microsoft_agents.hosting.core.authorization import _entra_issuers

from bot.channels.teams import build_channel
from bot.conversation.hub import Hub
from bot.server import build_app, configured_channels
from storage.models import ChannelAddress, DialogSession, ProcessedEvent
from tests.channels import fuzzing
from tests.channels.slack.conftest import slack_env
from tests.channels.teams.conftest import Connector, Teams, TeamsUser
from tests.channels.teams.test_security import APP_ID, count, credentials
from tests.fakes.slack_api import FakeSlack, signed_headers

ISSUER = "https://api.botframework.com"
KEY_ID = "connector-key-1"
OTHER_CLOUD = _entra_issuers.BOTFRAMEWORK_GOV_ISSUER
RSAKey = rsa.RSAPrivateKey


def new_key() -> RSAKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class KeyServer:
    """The Bot Connector's published signing keys, and tokens signed with them (or not)."""

    key: RSAKey
    url: str

    @staticmethod
    def now() -> int:
        """The moment tokens are dated from: the machine's clock, which PyJWT checks `exp` and
        `nbf` against (faked consistently for both under faketime), not the hub's test clock."""
        return int(time.time())

    def token(self, key: RSAKey | None = None, **overrides: Any) -> str:
        """A token as the Bot Connector issues it for this bot, with `overrides` applied."""
        now = self.now()
        claims = {
            "iss": ISSUER,
            "aud": APP_ID,
            "serviceurl": overrides.pop("serviceurl", None),
            "nbf": now - 60,
            "exp": now + 3600,
            **overrides,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        signing = key or self.key
        return jwt.encode(claims, signing, algorithm="RS256", headers={"kid": KEY_ID})


@pytest.fixture
async def keys(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[KeyServer]:
    key = new_key()
    published = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    app = web.Application()

    async def serve_keys(request: web.Request) -> web.Response:
        return web.json_response({"keys": [{**published, "kid": KEY_ID, "use": "sig"}]})

    app.router.add_get("/v1/.well-known/keys", serve_keys)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    url = f"http://127.0.0.1:{server.port}/v1/.well-known/keys"
    for issuer in (ISSUER, OTHER_CLOUD):  # the other cloud's issuer signs with the same keys here
        monkeypatch.setitem(_entra_issuers.BOTFRAMEWORK_JWKS_URIS, issuer, url)
    yield KeyServer(key, url)
    await server.close()


@pytest.fixture
async def secured(sample_hub: Hub, connector: Connector, keys: KeyServer) -> AsyncIterator[Teams]:
    """Saferhub with a bot identity, so every activity needs a valid token."""
    channel = build_channel(sample_hub, credentials(connector), "0.0.0.0")
    client = TestClient(TestServer(build_app(sample_hub, [channel]), host="127.0.0.1"))
    await client.start_server()
    yield Teams(client, channel, connector)
    await client.close()


async def nothing_stored(hub: Hub) -> bool:
    return all(
        [await count(hub, model) == 0 for model in (ChannelAddress, ProcessedEvent, DialogSession)]
    )


async def test_a_token_the_bot_connector_signed_for_this_bot_is_accepted(secured, keys):
    alex = TeamsUser(secured, "29:alex", "aad-alex", "Alex")
    typing = alex.activity("typing", alex.personal)  # answered without any call out
    token = keys.token(serviceurl=alex.service_url)
    status, _ = await secured.post(typing, Authorization=f"Bearer {token}")
    assert status == 200


@pytest.mark.parametrize(
    "forgery",
    [
        "signed with another key",
        "for another bot",
        "expired",
        "not yet valid",
        "for another service host",
        "unsigned",
        "from an issuer the bot does not trust",
    ],
)
async def test_a_forged_token_is_refused_and_changes_nothing(secured, keys, sample_hub, forgery):
    alex = TeamsUser(secured, "29:alex", "aad-alex", "Alex")
    now = keys.now()
    tokens = {
        "signed with another key": lambda: keys.token(key=new_key()),
        "for another bot": lambda: keys.token(aud="11111111-2222-4333-8444-555555555555"),
        "expired": lambda: keys.token(nbf=now - 7200, exp=now - 3600),
        "not yet valid": lambda: keys.token(nbf=now + 3600, exp=now + 7200),
        "for another service host": lambda: keys.token(
            serviceurl="https://smba.trafficmanager.net/emea/"
        ),
        "from an issuer the bot does not trust": lambda: keys.token(iss=OTHER_CLOUD),
        "unsigned": lambda: jwt.encode(
            {"iss": ISSUER, "aud": APP_ID, "exp": now + 3600}, None, algorithm="none"
        ),
    }
    token = tokens[forgery]()
    for activity in (alex.install(), alex.message("report")):
        status, _ = await secured.post(activity, Authorization=f"Bearer {token}")
        assert status == 401
    assert secured.connector.calls == []
    assert await nothing_stored(sample_hub)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def segment(part: object) -> str:
    """One base64url part of a JWT."""
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


@fuzzing.FUZZ
@given(
    header=st.dictionaries(st.sampled_from(["kid", "alg", "typ", "x5t"]), _json, max_size=4),
    claims=st.dictionaries(st.sampled_from(["iss", "aud", "exp", "nbf", "serviceurl"]), _json),
    raw=st.text(max_size=200),
    shape=st.sampled_from(["token", "raw"]),
)
async def test_any_authorization_header_gets_401_never_a_500(
    secured, keys, sample_hub, header, claims, raw, shape
):
    """Whatever a caller puts in the header, the SDK's check refuses it cleanly."""
    alex = TeamsUser(secured, "29:alex", "aad-alex", "Alex")
    value = ".".join([segment(header), segment(claims), "c2ln"]) if shape == "token" else raw
    clean = "".join(c for c in value if " " < c <= "~")
    status, _ = await secured.post(alex.message("report"), Authorization=f"Bearer {clean}x")
    assert status == 401
    assert secured.connector.calls == []
    assert await count(sample_hub, ProcessedEvent) == 0


async def test_the_slack_route_on_the_same_server_needs_no_teams_token(sample_hub, connector, keys):
    fake = FakeSlack()
    await fake.start()
    channels = configured_channels(
        sample_hub, {**credentials(connector), **slack_env(fake)}, "0.0.0.0"
    )
    try:
        app = build_app(sample_hub, channels)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            body = json.dumps({"type": "url_verification", "challenge": "c-1", "token": "t"})
            slack = await client.post(
                "/slack/events",
                data=body.encode(),
                headers=signed_headers(body, "application/json"),
            )
            assert slack.status == 200 and "c-1" in await slack.text()
            alex = TeamsUser(Teams(client, channels[1], connector), "29:alex", "aad-alex", "Alex")
            teams = await client.post("/api/messages", json=alex.message("report"))
            assert teams.status == 401
    finally:
        for channel in channels:
            await channel.stop()
        await fake.stop()
