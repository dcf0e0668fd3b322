"""Email settings from the environment: the SMTP server notices to email-only partners go through.

The channel is on only when SAFERHUB_SMTP_HOST is set. Each wrong value stops `serve` with one
plain line naming the setting and what it may be; the password never appears in a repr or log.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import formataddr, parseaddr
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from bot.config import ConfigError

HOST = "SAFERHUB_SMTP_HOST"
PORT = "SAFERHUB_SMTP_PORT"
USER = "SAFERHUB_SMTP_USER"
PASSWORD = "SAFERHUB_SMTP_PASSWORD"
FROM = "SAFERHUB_SMTP_FROM"
TLS = "SAFERHUB_SMTP_TLS"
TIMEOUT = "SAFERHUB_SMTP_TIMEOUT"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class TlsMode(StrEnum):
    """How the connection to the SMTP server is protected."""

    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS before anything is sent (required, not optional)."""
    IMPLICIT = "implicit"
    """TLS from the first byte (SMTPS, usually port 465)."""
    NONE = "none"
    """No TLS: only for a relay on the same machine."""


DEFAULT_PORTS = {TlsMode.STARTTLS: 587, TlsMode.IMPLICIT: 465, TlsMode.NONE: 25}


@dataclass(frozen=True)
class EmailSettings:
    """Where and how to send email, and who it comes from."""

    host: str
    port: int
    sender: Address
    tls: TlsMode = TlsMode.STARTTLS
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0

    @property
    def from_header(self) -> str:
        """The From header's value ("Saferhub <saferhub@council.example>")."""
        return formataddr((self.sender.display_name, self.sender.addr_spec))

    @property
    def domain(self) -> str:
        """The sender's domain, which Message-IDs are made under."""
        return self.sender.domain

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> EmailSettings:
        """Read the SMTP settings; ConfigError with one plain line on a wrong value."""
        host = env.get(HOST, "").strip()
        if not host or _unsafe(host) or " " in host:
            raise ConfigError(
                f"{HOST} must be the SMTP server's host name, e.g. smtp.office365.com"
            )
        tls = _tls(env.get(TLS, "").strip().lower(), host)
        port = _port(env.get(PORT, "").strip(), DEFAULT_PORTS[tls])
        user = env.get(USER, "").strip()
        password = env.get(PASSWORD, "")
        if bool(user) != bool(password):
            raise ConfigError(
                f"{USER} and {PASSWORD} go together: set both to log in, or neither for a relay "
                "that needs no login"
            )
        if _unsafe(user) or _unsafe(password):
            raise ConfigError(
                f"{USER} and {PASSWORD} must not hold line breaks or control characters"
            )
        return cls(
            host=host,
            port=port,
            sender=_sender(env.get(FROM, "").strip()),
            tls=tls,
            user=user,
            password=password,
            timeout=_timeout(env.get(TIMEOUT, "").strip()),
        )


def wanted(env: Mapping[str, str]) -> bool:
    """Whether the environment asks for email (an SMTP host is set)."""
    return bool(env.get(HOST, "").strip())


def _unsafe(value: str) -> bool:
    """Whether `value` holds a control character (a line break could inject SMTP commands)."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in value)


def _tls(raw: str, host: str) -> TlsMode:
    try:
        mode = TlsMode(raw or TlsMode.STARTTLS)
    except ValueError:
        raise ConfigError(f"{TLS} must be starttls, implicit or none, not {raw!r}") from None
    if mode is TlsMode.NONE and host.strip("[]").lower() not in LOOPBACK:
        raise ConfigError(
            f"{TLS}=none sends email unprotected, so it is allowed only for a relay on this "
            f"machine ({HOST}=127.0.0.1, localhost or ::1), not {host!r}: use starttls or implicit"
        )
    return mode


def _port(raw: str, default: int) -> int:
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{PORT} must be a port number from 1 to 65535, not {raw!r}")
    return int(raw)


def _timeout(raw: str) -> float:
    if not raw:
        return 30.0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or not 1 <= seconds <= 600:
        raise ConfigError(f"{TIMEOUT} must be a number of seconds from 1 to 600, not {raw!r}")
    return seconds


def _sender(raw: str) -> Address:
    """The From address: "saferhub@council.example" or "Saferhub <saferhub@council.example>"."""
    wrong = ConfigError(
        f"{FROM} must be the address notices come from, like saferhub@council.example or "
        f'"Saferhub <saferhub@council.example>", not {raw!r}'
    )
    if not raw or _unsafe(raw):
        raise wrong
    name, addr = parseaddr(raw)
    if not addr:
        raise wrong
    try:
        ascii_address = validate_email(addr, check_deliverability=False).ascii_email
        if ascii_address is None:  # a non-ASCII mailbox name needs SMTPUTF8 of every relay
            raise wrong
        return Address(display_name=name, addr_spec=ascii_address)
    except (EmailNotValidError, ValueError):
        raise wrong from None
