"""A real SMTP server on loopback (aiosmtpd) that records what it receives and misbehaves on
demand: refuses chosen recipients for good (550), answers "not now" (451), is slow to accept
a message, or is stopped and started again for an outage.
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    """One message the server accepted: its envelope and the parsed message."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        """The text of the plain or html part."""
        body = self.message.get_body((subtype,))
        assert body is not None, f"no text/{subtype} part"
        return str(body.get_content())  # type: ignore[attr-defined]


@dataclass
class Handler:
    """aiosmtpd's handler: what the fake answers."""

    received: list[Received] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    temporary: bool = False
    slow_data: float = 0.0

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.temporary:
            return "451 4.3.0 Try again later"
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: Mailbox unavailable"  # as real servers echo it
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        parsed = message_from_bytes(envelope.original_content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), parsed))
        if self.slow_data:
            await asyncio.sleep(self.slow_data)
        return "250 Message accepted"


class FakeSmtp:
    """An SMTP server on 127.0.0.1 at a free port, with `handler`'s answers; with `login`, it
    accepts mail only after AUTH with that user and password (over plain loopback)."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.handler = Handler()
        self.port = _free_port()
        self.controller: Controller | None = None
        self.login = login
        self.logins: list[str] = []

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def env(self, **extra: str) -> dict[str, str]:
        """The Saferhub settings that send through this server."""
        return {
            "SAFERHUB_SMTP_HOST": "127.0.0.1",
            "SAFERHUB_SMTP_PORT": str(self.port),
            "SAFERHUB_SMTP_TLS": "none",
            "SAFERHUB_SMTP_FROM": "Saferhub <saferhub@hub.example>",
            "SAFERHUB_SMTP_TIMEOUT": "5",
            **extra,
        }

    def refuse(self, address: str) -> None:
        """Refuse `address` for good (550) from now on."""
        self.handler.refused.add(address.lower())

    def start(self) -> None:
        """Listen (again, on the same port)."""
        for _ in range(50):
            try:
                self.controller = Controller(
                    self.handler,
                    hostname="127.0.0.1",
                    port=self.port,
                    enable_SMTPUTF8=True,
                    **self._auth(),
                )
                self.controller.start()
                return
            except (OSError, RuntimeError):
                time.sleep(0.1)  # the port is still being released after a stop
        raise RuntimeError("the fake SMTP server could not listen")

    def _auth(self) -> dict[str, Any]:
        if self.login is None:
            return {}

        def check(
            server: Any, session: Any, envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            given = (
                (data.login.decode(), data.password.decode())
                if isinstance(data, LoginPassword)
                else None
            )
            if given == self.login:
                self.logins.append(given[0])
                return AuthResult(success=True)
            return AuthResult(success=False, handled=False)

        return {"authenticator": check, "auth_required": True, "auth_require_tls": False}

    def stop(self) -> None:
        """Stop listening: connections are refused, as in an outage."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
