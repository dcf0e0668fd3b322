"""The ports channels plug into: how the outbox reaches a person through a platform.

The dispatcher (bot/outbox) sends through a `Deliverer`; each channel implements one. Only values
and a protocol live here, so a channel depends on this module and never on the dispatcher.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from dialogs.messages import Notice


@dataclass(frozen=True)
class Recipient:
    """Who a message is for, and every way we know to reach them."""

    person_id: int
    email: str
    slack_user_id: str | None
    teams_aad_id: str | None
    addresses: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    channel: str = ""

    @classmethod
    def shared_channel(cls, channel_id: str) -> Recipient:
        """A shared channel (the alerts channel) rather than a person."""
        return cls(0, "", None, None, {}, channel_id)


@dataclass(frozen=True)
class Attempt:
    """One send of an outbox row: its id, and when an earlier send whose outcome was never
    recorded began (None when no earlier send can be out there)."""

    outbox_id: int
    unconfirmed_since: datetime | None = None


@dataclass(frozen=True)
class Delivered:
    """Where the platform put the message, so it can be replaced later; `follow_up` is the
    channel's own bookkeeping, run only once the delivery is recorded."""

    message_id: str
    conversation: str
    follow_up: Callable[[], Awaitable[None]] | None = field(default=None, compare=False)


class DeliveryFailed(Exception):
    """A send failed; `retry_after` (seconds) when the platform said when to try again.

    `maybe_delivered` when the message may be out there all the same (the platform's answer was
    lost, or an earlier unconfirmed send could not be checked): the row stays unconfirmed.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent
        self.maybe_delivered = maybe_delivered


class Deliverer(Protocol):
    """A channel's way of sending proactive messages."""

    platform: str

    def can_reach(self, recipient: Recipient) -> bool:
        """Whether this channel has an address for the recipient."""
        ...

    async def send(self, recipient: Recipient, notice: Notice, attempt: Attempt) -> Delivered:
        """Send a new message; raise DeliveryFailed on failure.

        When `attempt.unconfirmed_since` is set an earlier send may have delivered it: a channel
        that can find that message returns it instead of sending again.
        """
        ...

    async def replace(self, conversation: str, message_id: str, notice: Notice) -> None:
        """Replace an earlier message (e.g. to remove buttons once acted on)."""
        ...
