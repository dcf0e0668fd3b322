"""Outbox delivery by email: one message per notice, through the configured SMTP server.

Each send connects, (upgrades to TLS,) logs in when a user is set, and speaks MAIL, RCPT and DATA
itself so a failure can be placed: a refusal of the recipient (5xx at RCPT or DATA) marks the
address failing and ends the row; a temporary answer (4xx) or a connection that fails before the
message was sent is tried again; a connection lost after the message went out may have delivered
it. A later bounce email is never read: only refusals during the SMTP conversation are seen.

Email cannot be looked for or edited once sent, so an unconfirmed earlier send is sent again (with
the same Message-ID, which mail systems use to spot the copy) and `replace` does nothing. Nothing
personal is logged: outbox ids only, never addresses.
"""

from __future__ import annotations

import logging
from typing import NoReturn

import aiosmtplib

from bot.channels.email.message import build, compose
from bot.channels.email.settings import EmailSettings, TlsMode
from bot.conversation import surfaces
from bot.conversation.hub import Hub
from bot.core.ports import Attempt, Delivered, DeliveryFailed, Headline, Recipient, Replacement
from dialogs.messages import Notice, Platform

log = logging.getLogger(__name__)


class EmailDeliverer:
    """Sends outbox notices as emails that carry no personal data."""

    platform = Platform.EMAIL.value

    def __init__(self, settings: EmailSettings, hub: Hub) -> None:
        self.settings = settings
        self.hub = hub

    def can_reach(self, recipient: Recipient) -> bool:
        """Whether the person has an email address no mail server has refused."""
        return bool(recipient.email) and not recipient.email_failing and not recipient.channel

    async def send(self, recipient: Recipient, notice: Notice, attempt: Attempt) -> Delivered:
        """Email the notice; DeliveryFailed says whether to try again."""
        unsettled = attempt.unconfirmed_since is not None
        if not self.can_reach(recipient):  # a shared channel's row, or an address gone since
            raise DeliveryFailed("no email address to send to", permanent=True)
        headline = await self._headline(notice, unsettled)
        email = compose(notice, headline, self.hub.settings.public_url)
        try:
            message = build(
                email,
                to=recipient.email,
                sender=self.settings.sender,
                outbox_id=attempt.outbox_id,
                now=self.hub.clock.now(),
            )
        except DeliveryFailed as failed:
            await surfaces.email_refused(self.hub, recipient.person_id, "address not valid")
            failed.maybe_delivered = unsettled
            raise
        envelope_to = message["To"].addresses[0].addr_spec
        await self._transmit(message.as_bytes(), envelope_to, recipient, attempt, unsettled)
        return Delivered(str(message["Message-ID"]), "")

    async def replace(self, target: Replacement, notice: Notice) -> None:
        """Nothing: a sent email cannot be changed, and its link leads to the hub, which shows
        the record as it is now; a second email only to say a button is gone would be noise."""

    async def _headline(self, notice: Notice, unsettled: bool) -> Headline | None:
        """The record's headline; a database that cannot answer means try again later, rather
        than an email that says less."""
        if not notice.reference:
            return None
        try:
            return await surfaces.headline(self.hub, notice.reference)
        except Exception as error:
            raise DeliveryFailed(
                f"could not look the record up ({type(error).__name__})", maybe_delivered=unsettled
            ) from error

    async def _transmit(
        self, data: bytes, to: str, recipient: Recipient, attempt: Attempt, unsettled: bool
    ) -> None:
        """Hand the message to the SMTP server, noting the step each failure comes at."""
        settings = self.settings
        client = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            use_tls=settings.tls is TlsMode.IMPLICIT,
            start_tls=settings.tls is TlsMode.STARTTLS,
            timeout=settings.timeout,
            username=settings.user or None,
            password=settings.password or None,
        )
        step = "connect"
        try:
            await client.connect()
            step = "MAIL"
            await client.mail(settings.sender.addr_spec)
            step = "RCPT"
            await client.rcpt(to)
            step = "DATA"
            await client.data(data)
        except aiosmtplib.SMTPResponseException as error:
            client.close()
            await self._refused(error, step, recipient, attempt, unsettled)
        except (aiosmtplib.SMTPException, OSError) as error:  # timeouts and lost connections
            client.close()
            after_data = step == "DATA"
            log.warning(
                "email for outbox %s failed at %s: %s",
                attempt.outbox_id,
                step,
                type(error).__name__,
            )
            raise DeliveryFailed(
                f"mail server unreachable at {step} ({type(error).__name__})",
                maybe_delivered=unsettled or after_data,
            ) from error
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()  # the message was accepted: a lost goodbye changes nothing

    async def _refused(
        self,
        error: aiosmtplib.SMTPResponseException,
        step: str,
        recipient: Recipient,
        attempt: Attempt,
        unsettled: bool,
    ) -> NoReturn:
        """A mail server's answer that is not yes: the recipient refused for good, or not now."""
        reason = f"{error.code} {_short(error.message)}"
        log.warning("email for outbox %s refused at %s: %s", attempt.outbox_id, step, error.code)
        if error.code >= 500 and step in ("RCPT", "DATA"):
            await surfaces.email_refused(self.hub, recipient.person_id, reason)
            raise DeliveryFailed(f"refused: {reason}", permanent=True, maybe_delivered=unsettled)
        raise DeliveryFailed(f"not accepted at {step}: {reason}", maybe_delivered=unsettled)


def _short(message: str) -> str:
    """A mail server's reason, on one line and short, without the address it may repeat (the
    reason reaches the outbox's log)."""
    return " ".join(word for word in message.split() if "@" not in word)[:120]
