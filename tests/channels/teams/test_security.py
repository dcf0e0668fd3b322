"""Who the Teams endpoint answers: tokens when configured, loopback-only development mode, and
only allowed Bot Connector hosts for storing and calling conversation references."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.channels.teams import build_channel
from bot.channels.teams.settings import (
    AUTH_TYPE,
    CLIENT_ID,
    CLIENT_SECRET,
    AuthType,
    ServiceHosts,
    TeamsSettings,
)
from bot.channels.teams.settings import TENANT_ID as TENANT_ID_SETTING
from bot.config import ConfigError, Settings
from bot.conversation.hub import Hub
from bot.server import build_app, configured_channels
from storage.models import ChannelAddress, DialogSession, Person, ProcessedEvent
from tests.channels.teams.conftest import Connector, Teams, TeamsUser

APP_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
TENANT_ID = "0e5c7c2a-1b2c-4d3e-8f4a-5b6c7d8e9f00"


def credentials(connector: Connector) -> dict[str, str]:
    """A single-tenant bot's settings, by the Agents SDK's names."""
    return {
        CLIENT_ID: APP_ID,
        CLIENT_SECRET: "not-a-real-secret",
        TENANT_ID_SETTING: TENANT_ID,
        "SAFERHUB_TEAMS_SERVICE_HOSTS": connector.host,
    }


async def count(hub, model) -> int:
    async with hub.database.transaction() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_a_service_url_outside_the_allowed_hosts_is_neither_stored_nor_called(
    teams, teams_user, sample_hub
):
    elsewhere = Connector()
    await elsewhere.server.start_server()
    try:
        mallory = teams_user("29:alex")
        mallory.service_url = elsewhere.url
        people = await count(sample_hub, Person)
        for activity in (mallory.install(), mallory.message("report")):
            status, _ = await teams.post(activity)
            assert status == 403
        assert elsewhere.calls == [] and teams.connector.calls == []
        assert await count(sample_hub, ChannelAddress) == 0
        assert await count(sample_hub, ProcessedEvent) == 0
        assert await count(sample_hub, DialogSession) == 0
        assert await count(sample_hub, Person) == people
    finally:
        await elsewhere.server.close()


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic YWxleDpwYXNz"])
async def test_with_credentials_a_request_without_a_valid_token_gets_401(
    sample_hub, connector, authorization
):
    channel = build_channel(sample_hub, credentials(connector), "0.0.0.0")
    async with TestClient(TestServer(build_app(sample_hub, [channel]), host="127.0.0.1")) as client:
        alex = TeamsUser(Teams(client, channel, connector), "29:alex", "aad-alex", "Alex")
        headers = {"Authorization": authorization} if authorization else {}
        for activity in (alex.install(), alex.message("report")):
            status, _ = await alex.teams.post(activity, **headers)
            assert status == 401
    assert connector.calls == []
    assert await count(sample_hub, ProcessedEvent) == 0


async def test_malformed_requests_are_refused(teams):
    response = await teams.client.post(
        "/api/messages", data="hello", headers={"Content-Type": "text/plain"}
    )
    assert response.status == 415
    for body in ("[1, 2]", "{}", "not json"):
        response = await teams.client.post(
            "/api/messages", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status == 400
    assert teams.connector.calls == []


@pytest.fixture
async def bare_hub(tmp_path):
    built = Hub.build(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"))
    yield built
    await built.close()


@pytest.mark.parametrize(
    ("env", "host"),
    [
        ({"SAFERHUB_DEV": "1"}, "0.0.0.0"),
        ({"SAFERHUB_DEV": "1"}, "10.0.0.5"),
        ({"SAFERHUB_DEV": "1"}, "bot.example.org"),
        ({"SAFERHUB_DEV": "0", "MICROSOFT_APP_ID": ""}, "127.0.0.1"),
        ({}, "127.0.0.1"),
    ],
)
def test_without_an_app_id_only_loopback_development_mode_is_served(bare_hub, env, host):
    with pytest.raises(ConfigError, match="SAFERHUB_DEV=1") as refused:
        build_channel(bare_hub, env, host)
    assert CLIENT_ID in str(refused.value)


def test_serve_refuses_a_public_host_without_credentials(bare_hub):
    with pytest.raises(ConfigError, match="loopback"):
        configured_channels(bare_hub, {"SAFERHUB_DEV": "1"}, "0.0.0.0")


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"])
def test_development_mode_on_loopback_is_allowed(bare_hub, host):
    channel = build_channel(bare_hub, {"SAFERHUB_DEV": "1"}, host)
    assert channel.platform == "teams" and not channel.settings.authenticated


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({CLIENT_ID: APP_ID, TENANT_ID_SETTING: TENANT_ID}, CLIENT_SECRET),
        (
            {CLIENT_ID: APP_ID, CLIENT_SECRET: "x"},
            f"{TENANT_ID_SETTING} is required.*single-tenant",
        ),
        ({CLIENT_ID: APP_ID, AUTH_TYPE: "UserManagedIdentity"}, TENANT_ID_SETTING),
        ({CLIENT_ID: APP_ID, AUTH_TYPE: "Anything"}, f"{AUTH_TYPE} must be"),
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TYPE": "Anything"}, "MICROSOFT_APP_TYPE"),
        ({"MICROSOFT_APP_ID": APP_ID}, CLIENT_SECRET),
        ({"SAFERHUB_DEV": "1", "SAFERHUB_TEAMS_SERVICE_HOSTS": "http://x/path"}, "host:port"),
    ],
)
def test_incomplete_credentials_are_named(env, problem):
    with pytest.raises(ConfigError, match=problem):
        TeamsSettings.from_env(env, "127.0.0.1")


def test_settings_by_the_sdks_names():
    env = {CLIENT_ID: APP_ID, CLIENT_SECRET: "x", TENANT_ID_SETTING: TENANT_ID}
    settings = TeamsSettings.from_env(env, "0.0.0.0")
    assert settings.authenticated and settings.auth_type is AuthType.CLIENT_SECRET
    assert settings.connection_settings() == {
        "AUTHTYPE": "ClientSecret",
        "CLIENTID": APP_ID,
        "VALIDATE_ISSUER": "true",
        "CLIENTSECRET": "x",
        "TENANTID": TENANT_ID,
    }


def test_the_botbuilder_names_still_work_for_a_release_with_a_warning(bare_hub, caplog):
    legacy = {
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_PASSWORD": "x",
        "MICROSOFT_APP_TENANT_ID": TENANT_ID,
        "MICROSOFT_APP_TYPE": "SingleTenant",
    }
    settings = TeamsSettings.from_env(legacy, "0.0.0.0")
    assert (settings.client_id, settings.client_secret, settings.tenant_id) == (
        APP_ID,
        "x",
        TENANT_ID,
    )
    warned = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    for old, new in (("MICROSOFT_APP_ID", CLIENT_ID), ("MICROSOFT_APP_TYPE", AUTH_TYPE)):
        assert f"{old} is deprecated" in warned and new in warned
    assert "x" not in warned.split()  # the secret is never printed
    multi = TeamsSettings.from_env(
        {**legacy, "MICROSOFT_APP_TENANT_ID": "", "MICROSOFT_APP_TYPE": "MultiTenant"}, "0.0.0.0"
    )
    assert multi.tenant_id == "" and "TENANTID" not in multi.connection_settings()
    caplog.clear()
    configured_channels(bare_hub, legacy, "0.0.0.0")
    warnings = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(warnings) == len(legacy)  # each setting named once, however often it is read
    newer = TeamsSettings.from_env({**legacy, CLIENT_ID: "new-id"}, "0.0.0.0")
    assert newer.client_id == "new-id"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://smba.trafficmanager.net/emea/", True),
        ("https://smba.trafficmanager.net/amer/", True),
        ("https://smba.infra.gcc.teams.microsoft.com/gcc/", True),
        ("http://smba.trafficmanager.net/emea/", False),
        ("https://smba.trafficmanager.net:8443/emea/", False),
        ("https://smba.trafficmanager.net.evil.example/", False),
        ("https://evil.example/smba.trafficmanager.net/", False),
        ("https://user@evil.example/", False),
        ("http://127.0.0.1:56150/_connector", False),
        ("http://localhost:56150/_connector", True),
        ("http://localhost:56151/_connector", False),
        ("https://bots.partner.example/", True),
        ("https://bots.partner.example:444/", True),
        ("ftp://localhost:56150/", False),
        ("", False),
        (None, False),
        ("http://[::1/", False),
    ],
)
def test_the_service_host_allow_list(url, allowed):
    hosts = ServiceHosts.parse(" localhost:56150, bots.partner.example ,")
    assert hosts.allows(url) is allowed
