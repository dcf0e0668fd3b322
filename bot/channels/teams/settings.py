"""Teams settings from the environment, and the rules for whom the bot may talk to.

The bot's identity uses the Microsoft 365 Agents SDK's names (`CONNECTIONS__SERVICE_CONNECTION__
SETTINGS__CLIENTID` and so on); the botbuilder-era `MICROSOFT_APP_*` names still work for one
release, with a warning. Without a client id no token can be checked and the bot would post to any
`serviceUrl` a caller names, so that mode is refused unless local development is asked for
explicitly on a loopback address, and conversation references are kept (and called) only for
known Teams service hosts.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from bot.config import ConfigError

log = logging.getLogger(__name__)

PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
CLIENT_ID = PREFIX + "CLIENTID"
CLIENT_SECRET = PREFIX + "CLIENTSECRET"
TENANT_ID = PREFIX + "TENANTID"
AUTH_TYPE = PREFIX + "AUTHTYPE"
# The botbuilder names, read for one more release: each maps to the SDK's name.
LEGACY = {
    "MICROSOFT_APP_ID": CLIENT_ID,
    "MICROSOFT_APP_PASSWORD": CLIENT_SECRET,
    "MICROSOFT_APP_TENANT_ID": TENANT_ID,
}
LEGACY_TYPE = "MICROSOFT_APP_TYPE"
# The Bot Connector hosts Teams itself uses: commercial cloud (every region), GCC, GCC High, DoD.
TEAMS_SERVICE_HOSTS = frozenset(
    {
        "smba.trafficmanager.net",
        "smba.infra.gcc.teams.microsoft.com",
        "smba.infra.gov.teams.microsoft.us",
        "smba.infra.dod.teams.microsoft.us",
    }
)
NO_CREDENTIALS = (
    "Teams needs {client_id}, {client_secret} and {tenant_id} (the bot's single-tenant app "
    "registration): without them nobody's token is checked and the bot would answer any caller. "
    "To try the bot locally without credentials, set SAFERHUB_DEV=1 and listen on a loopback "
    "address (saferhub serve --host 127.0.0.1); {host!r} is not one."
)


class AuthType(StrEnum):
    """How the bot proves who it is to Microsoft Entra: a client secret or a managed identity."""

    CLIENT_SECRET = "ClientSecret"
    USER_MANAGED_IDENTITY = "UserManagedIdentity"


# botbuilder's MICROSOFT_APP_TYPE values; MultiTenant registrations keep working (with no tenant).
LEGACY_TYPES = {
    "singletenant": AuthType.CLIENT_SECRET,
    "multitenant": AuthType.CLIENT_SECRET,
    "userassignedmsi": AuthType.USER_MANAGED_IDENTITY,
}


@dataclass(frozen=True)
class ServiceHosts:
    """The Bot Connector hosts the bot may store references for and call.

    Built-in Teams hosts must be reached over https; extra hosts (`host` or `host:port`, from
    SAFERHUB_TEAMS_SERVICE_HOSTS) may use http, for local fakes and the Agents Playground.
    """

    extra: frozenset[tuple[str, int | None]] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, listed: str) -> ServiceHosts:
        """Read a comma-separated `host[:port]` list; ConfigError on an entry that is not one."""
        entries: set[tuple[str, int | None]] = set()
        for raw in listed.split(","):
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                parts = urlsplit(f"//{entry}")
                port = parts.port
            except ValueError as error:
                raise ConfigError(
                    f"SAFERHUB_TEAMS_SERVICE_HOSTS: {raw.strip()!r} is not host or host:port"
                ) from error
            if not parts.hostname or parts.path or parts.username:
                raise ConfigError(
                    f"SAFERHUB_TEAMS_SERVICE_HOSTS: {raw.strip()!r} is not host or host:port"
                )
            entries.add((parts.hostname, port))
        return cls(frozenset(entries))

    def allows(self, service_url: str | None) -> bool:
        """Whether `service_url` points at a Teams service host or a listed one."""
        try:
            parts = urlsplit(service_url or "")
            host, port = parts.hostname, parts.port
        except ValueError:
            return False
        if not host or parts.scheme not in ("http", "https"):
            return False
        if parts.scheme == "https" and host in TEAMS_SERVICE_HOSTS and port in (None, 443):
            return True
        return (host, port) in self.extra or (host, None) in self.extra


@dataclass(frozen=True)
class TeamsSettings:
    """The bot's Microsoft identity (empty in local development mode) and the allowed hosts."""

    client_id: str
    client_secret: str
    tenant_id: str
    auth_type: AuthType
    hosts: ServiceHosts

    @property
    def authenticated(self) -> bool:
        """Whether inbound tokens are checked (always, unless in local development mode)."""
        return bool(self.client_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str], host: str) -> TeamsSettings:
        """Read the bot's identity; refuse to run without one except on loopback in dev mode."""
        read = sdk_names(env)
        client_id = read.get(CLIENT_ID, "")
        hosts = ServiceHosts.parse(env.get("SAFERHUB_TEAMS_SERVICE_HOSTS", ""))
        if not client_id:
            if env.get("SAFERHUB_DEV") != "1" or not is_loopback(host):
                raise ConfigError(
                    NO_CREDENTIALS.format(
                        client_id=CLIENT_ID,
                        client_secret=CLIENT_SECRET,
                        tenant_id=TENANT_ID,
                        host=host,
                    )
                )
            return cls("", "", "", AuthType.CLIENT_SECRET, hosts)
        auth_type = _auth_type(env, read)
        secret, tenant = read.get(CLIENT_SECRET, ""), read.get(TENANT_ID, "")
        if auth_type is AuthType.CLIENT_SECRET and not secret:
            raise ConfigError(f"{CLIENT_SECRET} is required for a {auth_type} bot")
        multi_tenant = env.get(LEGACY_TYPE, "").strip().lower() == "multitenant"
        if not tenant and not multi_tenant:
            raise ConfigError(
                f"{TENANT_ID} is required: the bot's app registration is single-tenant (Azure "
                "creates no new multi-tenant bots since 31 July 2025)"
            )
        return cls(client_id, secret, tenant, auth_type, hosts)

    def connection_settings(self) -> dict[str, str]:
        """The SDK's settings for its SERVICE_CONNECTION (AgentAuthConfiguration's keys), with
        the SDK's opt-in issuer check on: only the Bot Connector and the bot's tenant may sign."""
        settings = {
            "AUTHTYPE": self.auth_type.value,
            "CLIENTID": self.client_id,
            "VALIDATE_ISSUER": "true",
        }
        if self.client_secret:
            settings["CLIENTSECRET"] = self.client_secret
        if self.tenant_id:
            settings["TENANTID"] = self.tenant_id
        return settings


def wanted(env: Mapping[str, str]) -> bool:
    """Whether the environment asks for Teams (an identity, or local development mode)."""
    named = env.get(CLIENT_ID, "").strip() or env.get("MICROSOFT_APP_ID", "").strip()
    return bool(named) or env.get("SAFERHUB_DEV") == "1"


def sdk_names(env: Mapping[str, str]) -> dict[str, str]:
    """The identity settings by the SDK's names, taking a botbuilder name (with a warning) where
    the SDK's is not set."""
    read: dict[str, str] = {}
    for old, new in LEGACY.items():
        value = env.get(new, "").strip()
        if not value and env.get(old, "").strip():
            log.warning(
                "%s is deprecated and will be ignored in the next release: set %s", old, new
            )
            value = env[old].strip()
        if value:
            read[new] = value
    if env.get(AUTH_TYPE, "").strip():
        read[AUTH_TYPE] = env[AUTH_TYPE].strip()
    return read


def _auth_type(env: Mapping[str, str], read: Mapping[str, str]) -> AuthType:
    raw = read.get(AUTH_TYPE, "")
    if not raw and env.get(LEGACY_TYPE, "").strip():
        legacy = env[LEGACY_TYPE].strip()
        log.warning(
            "%s is deprecated and will be ignored in the next release: set %s",
            LEGACY_TYPE,
            AUTH_TYPE,
        )
        found = LEGACY_TYPES.get(legacy.lower())
        if found is None:
            raise ConfigError(
                f"{LEGACY_TYPE} must be SingleTenant, MultiTenant or UserAssignedMSI, not {legacy!r}"
            )
        return found
    by_value = {t.value.lower(): t for t in AuthType}
    found = by_value.get((raw or AuthType.CLIENT_SECRET.value).lower())
    if found is None:
        allowed = " or ".join(t.value for t in AuthType)
        raise ConfigError(f"{AUTH_TYPE} must be {allowed}, not {raw!r}")
    return found


def is_loopback(host: str) -> bool:
    """Whether `host` (as given to `saferhub serve --host`) only accepts local connections."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
