"""Teams settings from the environment, and the rules for whom the bot may talk to.

Without an app id botbuilder validates no token and would post to any `serviceUrl` a caller names,
so that mode is refused unless local development is asked for explicitly on a loopback address,
and conversation references are kept (and called) only for known Teams service hosts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from urllib.parse import urlsplit

from bot.config import ConfigError

APP_TYPES = {"multitenant": "MultiTenant", "singletenant": "SingleTenant"}
MSI = "UserAssignedMSI"
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
    "Teams needs MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD: without them nobody's token is "
    "checked and the bot would answer any caller. To try the bot locally without credentials, set "
    "SAFERHUB_DEV=1 and listen on a loopback address (saferhub serve --host 127.0.0.1); {host!r} "
    "is not one."
)


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

    app_id: str
    app_password: str
    tenant_id: str
    app_type: str
    hosts: ServiceHosts

    @property
    def authenticated(self) -> bool:
        """Whether inbound tokens are checked (always, unless in local development mode)."""
        return bool(self.app_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str], host: str) -> TeamsSettings:
        """Read the MICROSOFT_APP_* settings; refuse to run without them except on loopback in dev."""
        app_id = env.get("MICROSOFT_APP_ID", "").strip()
        password = env.get("MICROSOFT_APP_PASSWORD", "").strip()
        tenant = env.get("MICROSOFT_APP_TENANT_ID", "").strip()
        hosts = ServiceHosts.parse(env.get("SAFERHUB_TEAMS_SERVICE_HOSTS", ""))
        if not app_id:
            if env.get("SAFERHUB_DEV") != "1" or not is_loopback(host):
                raise ConfigError(NO_CREDENTIALS.format(host=host))
            return cls("", "", "", "MultiTenant", hosts)
        default_type = "SingleTenant" if tenant else "MultiTenant"
        raw_type = env.get("MICROSOFT_APP_TYPE", "").strip() or default_type
        app_type = MSI if raw_type.lower() == MSI.lower() else APP_TYPES.get(raw_type.lower())
        if app_type is None:
            raise ConfigError(
                f"MICROSOFT_APP_TYPE must be SingleTenant, MultiTenant or {MSI}, not {raw_type!r}"
            )
        if app_type != MSI and not password:
            raise ConfigError(f"MICROSOFT_APP_PASSWORD is required for a {app_type} bot")
        if app_type != "MultiTenant" and not tenant:
            raise ConfigError(f"MICROSOFT_APP_TENANT_ID is required for a {app_type} bot")
        return cls(app_id, password, tenant, app_type, hosts)

    def botbuilder_configuration(self) -> SimpleNamespace:
        """The configuration object botbuilder's ConfigurationBotFrameworkAuthentication reads."""
        return SimpleNamespace(
            APP_ID=self.app_id or None,
            APP_PASSWORD=self.app_password or None,
            APP_TENANTID=self.tenant_id or None,
            APP_TYPE=self.app_type,
        )


def is_loopback(host: str) -> bool:
    """Whether `host` (as given to `saferhub serve --host`) only accepts local connections."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
