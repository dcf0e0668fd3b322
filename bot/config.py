"""Settings read once from environment variables; everything else receives them explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock, ShiftedClock, SystemClock
from bot.prevent.triage import TriageConfig
from storage.crypto import BadKey, Keyring
from storage.database import DEFAULT_URL

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Deadlines:
    """Working-day deadlines for information requests (proposals for the local agreement)."""

    acknowledge_days: int = 1
    decide_days: int = 10
    decide_urgent_days: int = 2
    answer_days: int = 10
    challenge_days: int = 10
    review_days: int = 5
    fulfil_days: int = 5
    settle_days: int = 5


@dataclass(frozen=True)
class Retention:
    """How long each kind of record is kept before it is anonymised or deleted, in days.

    The defaults are the schedule docs/governance.md proposes to the Information Board.
    """

    concerns_days: int = 730
    """A closed concern, then anonymised (place, category, priority and dates kept)."""
    requests_days: int = 2192
    """A closed information request (six years), then its subject details removed."""
    conversations_days: int = 30
    """A conversation and any draft in it, from its last message, then deleted."""
    events_days: int = 14
    """An inbound event id kept to drop platform retries, then deleted."""
    messages_days: int = 90
    """A delivered (or abandoned) outbox message, then deleted."""


@dataclass(frozen=True)
class IdentityProvider:
    """An OpenID Connect provider people may sign in to the web hub with (authorization code
    flow); the hub's redirect URI for it is public_url + /hub/sign-in/{name}/callback."""

    name: str
    """In the sign-in addresses: entra or slack."""
    label: str
    """On the sign-in button: "Sign in with {label}"."""
    client_id: str
    client_secret: str = field(repr=False)
    discovery: str
    """The provider's OpenID configuration document."""
    email_claims: tuple[str, ...] = ("email",)
    """The ID token's claims that may hold the person's email address, first present wins."""
    verified_only: bool = True
    """Whether the ID token must say email_verified: true (Entra ID never says it; see
    `_entra` below)."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the defaults a fresh install uses."""

    database_url: str = DEFAULT_URL
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/London"))
    session_idle: timedelta = timedelta(hours=24)
    triage: TriageConfig = field(default_factory=TriageConfig)
    deadlines: Deadlines = field(default_factory=Deadlines)
    retention: Retention = field(default_factory=Retention)
    recommendation_cadence_days: int = 20
    alerts_channel: str = ""
    default_area: str = "City of London"
    """What the shared alerts channel names when a concern's place is no known area."""
    area_names: tuple[str, ...] = ()
    """Area names the alerts channel may use besides the gazetteer's streets (SAFERHUB_AREA_NAMES)."""
    outbox_lease: timedelta = timedelta(minutes=2)
    tick_seconds: float = 30.0
    """How often `serve` delivers due outbox messages and runs the sweeps."""
    # How long a message waits for an unreachable database (a restart, a failover) before the
    # person is told it was not saved: long enough for a restart, short enough to be waited for.
    database_retry: timedelta = timedelta(seconds=30)
    audit_key: bytes | None = field(default=None, repr=False)
    """The audit chain's key (SAFERHUB_AUDIT_KEY); None uses storage.audit's development key."""
    keyring: Keyring | None = field(default=None, repr=False)
    """The data keys (SAFERHUB_DATA_KEY); None uses storage.crypto's public development key."""
    audit_seal_file: str = ""
    """Where `serve` appends a seal of the audit chain once a day (SAFERHUB_AUDIT_SEAL_FILE)."""
    public_url: str = "http://127.0.0.1:3978"
    """Where people reach this hub (SAFERHUB_PUBLIC_URL): the base of sign-in links and emails."""
    map_tiles: str = ""
    """A map tile URL template for the hub's map (SAFERHUB_MAP_TILES), e.g.
    https://tile.openstreetmap.org/{z}/{x}/{y}.png; none by default, when markers show on a plain
    background."""
    identity_providers: tuple[IdentityProvider, ...] = ()
    """Who the web hub's sign-in page offers besides one-time links (SAFERHUB_OIDC_ENTRA_* and
    SAFERHUB_OIDC_SLACK_*): only those configured."""
    web_secret: bytes | None = field(default=None, repr=False)
    """Signs the web hub's short-lived sign-in cookies (SAFERHUB_WEB_SECRET), the same on every
    replica; None falls back to the audit key, then to a development key."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read SAFERHUB_* variables; one not set keeps the default above (the only place
        defaults are written); unknown values raise ConfigError with a plain reason."""
        values = os.environ if env is None else env
        default = cls()
        triage, deadlines, keep = default.triage, default.deadlines, default.retention

        def number(name: str, fallback: float) -> float:
            return _number(values, name, fallback)

        def days(name: str, fallback: int) -> int:
            return int(_number(values, name, fallback))

        zone = values.get("SAFERHUB_TIMEZONE", default.timezone.key)
        try:
            timezone = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ConfigError(f"SAFERHUB_TIMEZONE is not a known timezone: {zone!r}") from error
        return cls(
            database_url=values.get("SAFERHUB_DATABASE_URL", default.database_url),
            timezone=timezone,
            session_idle=timedelta(
                hours=number("SAFERHUB_SESSION_IDLE_HOURS", default.session_idle / HOUR)
            ),
            triage=TriageConfig(
                repeat_radius_m=number("SAFERHUB_REPEAT_RADIUS_M", triage.repeat_radius_m),
                repeat_days=days("SAFERHUB_REPEAT_DAYS", triage.repeat_days),
                cluster_radius_m=number("SAFERHUB_CLUSTER_RADIUS_M", triage.cluster_radius_m),
                cluster_days=days("SAFERHUB_CLUSTER_DAYS", triage.cluster_days),
                cluster_size=days("SAFERHUB_CLUSTER_SIZE", triage.cluster_size),
                trigger_window_hours=days(
                    "SAFERHUB_TRIGGER_WINDOW_HOURS", triage.trigger_window_hours
                ),
                tension_radius_m=number("SAFERHUB_TENSION_RADIUS_M", triage.tension_radius_m),
            ),
            deadlines=Deadlines(
                acknowledge_days=days("SAFERHUB_ACKNOWLEDGE_DAYS", deadlines.acknowledge_days),
                decide_days=days("SAFERHUB_DECIDE_DAYS", deadlines.decide_days),
                decide_urgent_days=days(
                    "SAFERHUB_DECIDE_URGENT_DAYS", deadlines.decide_urgent_days
                ),
                answer_days=days("SAFERHUB_ANSWER_DAYS", deadlines.answer_days),
                challenge_days=days("SAFERHUB_CHALLENGE_DAYS", deadlines.challenge_days),
                review_days=days("SAFERHUB_CHALLENGE_REVIEW_DAYS", deadlines.review_days),
                fulfil_days=days("SAFERHUB_FULFIL_DAYS", deadlines.fulfil_days),
                settle_days=days("SAFERHUB_SETTLE_DAYS", deadlines.settle_days),
            ),
            retention=Retention(
                concerns_days=days("SAFERHUB_RETAIN_CONCERNS_DAYS", keep.concerns_days),
                requests_days=days("SAFERHUB_RETAIN_REQUESTS_DAYS", keep.requests_days),
                conversations_days=days(
                    "SAFERHUB_RETAIN_CONVERSATIONS_DAYS", keep.conversations_days
                ),
                events_days=days("SAFERHUB_RETAIN_EVENTS_DAYS", keep.events_days),
                messages_days=days("SAFERHUB_RETAIN_MESSAGES_DAYS", keep.messages_days),
            ),
            alerts_channel=_channel(values, "SAFERHUB_ALERTS_CHANNEL"),
            default_area=values.get("SAFERHUB_DEFAULT_AREA", "").strip() or default.default_area,
            area_names=tuple(
                name.strip()
                for name in values.get("SAFERHUB_AREA_NAMES", "").split(",")
                if name.strip()
            ),
            tick_seconds=number("SAFERHUB_TICK_SECONDS", default.tick_seconds),
            outbox_lease=timedelta(
                seconds=number("SAFERHUB_OUTBOX_LEASE_SECONDS", default.outbox_lease / SECOND)
            ),
            database_retry=timedelta(
                seconds=number("SAFERHUB_DATABASE_RETRY_SECONDS", default.database_retry / SECOND)
            ),
            audit_key=_secret(values, "SAFERHUB_AUDIT_KEY"),
            keyring=_keyring(values, "SAFERHUB_DATA_KEY"),
            audit_seal_file=values.get("SAFERHUB_AUDIT_SEAL_FILE", "").strip(),
            public_url=_url(values, "SAFERHUB_PUBLIC_URL", default.public_url),
            map_tiles=_url(values, "SAFERHUB_MAP_TILES", default.map_tiles),
            identity_providers=tuple(
                provider for provider in (_entra(values), _slack(values)) if provider
            ),
            web_secret=_secret(values, "SAFERHUB_WEB_SECRET"),
        )


def clock_from_env(env: Mapping[str, str]) -> Clock:
    """The system clock, or with SAFERHUB_CLOCK_START (ISO 8601, with an offset) one that starts
    at that moment and runs on: for demos and tests that need office hours on a working day."""
    raw = env.get("SAFERHUB_CLOCK_START", "").strip()
    if not raw:
        return SystemClock()
    try:
        start = datetime.fromisoformat(raw)
    except ValueError as error:
        raise ConfigError(
            f"SAFERHUB_CLOCK_START must be a date and time like 2026-11-23T09:00:00+00:00, not {raw!r}"
        ) from error
    if start.tzinfo is None:
        raise ConfigError("SAFERHUB_CLOCK_START needs a UTC offset, e.g. 2026-11-23T09:00:00+00:00")
    return ShiftedClock(start.astimezone(UTC))


def _url(values: Mapping[str, str], name: str, default: str) -> str:
    """An http(s) URL setting without its trailing slash; ConfigError when it is not one."""
    raw = values.get(name, "").strip() or default
    if raw and not (raw.startswith(("http://", "https://")) and " " not in raw):
        raise ConfigError(f"{name} must be an http:// or https:// address, not {raw!r}")
    return raw.rstrip("/")


ENTRA_DISCOVERY = "https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"
SLACK_DISCOVERY = "https://slack.com/.well-known/openid-configuration"
SHARED_TENANTS = frozenset({"common", "organizations", "consumers"})


def _client(values: Mapping[str, str], prefix: str) -> tuple[str, str] | None:
    """A provider's (client id, client secret), or None when neither is set."""
    client_id = values.get(f"{prefix}_CLIENT_ID", "").strip()
    secret = values.get(f"{prefix}_CLIENT_SECRET", "").strip()
    if not client_id and not secret:
        return None
    if not client_id or not secret:
        raise ConfigError(f"{prefix}_CLIENT_ID and {prefix}_CLIENT_SECRET must be set together")
    return client_id, secret


def _entra(values: Mapping[str, str]) -> IdentityProvider | None:
    """Microsoft Entra ID, for one tenant only: its issuer is that tenant's, so a token from
    any other organisation is refused. Entra ID has no email_verified claim; within one tenant
    its administrators vouch for `email`, else `preferred_username` or `upn` (the sign-in name)."""
    prefix = "SAFERHUB_OIDC_ENTRA"
    client = _client(values, prefix)
    if client is None:
        return None
    tenant = values.get(f"{prefix}_TENANT_ID", "").strip()
    if tenant.lower() in SHARED_TENANTS or not tenant.replace("-", "").replace(".", "").isalnum():
        raise ConfigError(
            f"{prefix}_TENANT_ID must be your organisation's tenant id (a GUID) or domain, "
            f"not {tenant!r}: shared tenants would let other organisations' accounts in"
        )
    discovery = _url(values, f"{prefix}_DISCOVERY", ENTRA_DISCOVERY.format(tenant=tenant))
    return IdentityProvider(
        "entra",
        "Microsoft",
        *client,
        discovery,
        email_claims=("email", "preferred_username", "upn"),
        verified_only=False,
    )


def _slack(values: Mapping[str, str]) -> IdentityProvider | None:
    """Sign in with Slack: its ID token says whether the email address is verified."""
    prefix = "SAFERHUB_OIDC_SLACK"
    client = _client(values, prefix)
    if client is None:
        return None
    discovery = _url(values, f"{prefix}_DISCOVERY", SLACK_DISCOVERY)
    return IdentityProvider("slack", "Slack", *client, discovery)


def _channel(values: Mapping[str, str], name: str) -> str:
    """A shared channel as 'slack:CHANNEL_ID' (empty when not set)."""
    raw = values.get(name, "").strip()
    if not raw:
        return ""
    platform, _, target = raw.partition(":")
    if platform != "slack" or not target:
        raise ConfigError(
            f"{name} must look like slack:C0123456789 (the channel's id), not {raw!r}"
        )
    return raw


SHORTEST_KEY = 32


def _keyring(values: Mapping[str, str], name: str) -> Keyring | None:
    """The data keys, newest first, or None when unset; never echoed back."""
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return Keyring.parse(raw)
    except BadKey as error:
        raise ConfigError(f"{name}: {error}; make a key with: saferhub keys generate") from None


def _secret(values: Mapping[str, str], name: str) -> bytes | None:
    """A key of at least SHORTEST_KEY characters, or None when unset; never echoed back."""
    raw = values.get(name, "").strip()
    if not raw:
        return None
    if len(raw) < SHORTEST_KEY:
        raise ConfigError(
            f"{name} must be at least {SHORTEST_KEY} characters; make one with: "
            "python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return raw.encode()


def _number(values: Mapping[str, str], name: str, default: float) -> float:
    raw = values.get(name)
    if raw is None or raw == "":
        return default
    try:
        number = float(raw)
    except ValueError as error:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from error
    if number <= 0:
        raise ConfigError(f"{name} must be greater than zero")
    return number
