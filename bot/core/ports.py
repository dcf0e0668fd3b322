"""The ports channels plug into: how the outbox reaches a person through a platform.

The dispatcher (bot/outbox) sends through a `Deliverer`; each channel implements one. Only values
and a protocol live here, so a channel depends on this module and never on the dispatcher.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from dialogs.messages import JsonValue, Notice, notice_from_json, notice_to_json

REPLACES = "replaces"  # the payload key naming the delivered message a row updates
VIA = "via"  # the payload key naming the only platform that may deliver a row
# The most buttons one notice carries: every channel can lay that many out as one group.
MAX_NOTICE_ACTIONS = 25


@dataclass(frozen=True)
class Recipient:
    """Who a message is for, and every way we know to reach them."""

    person_id: int
    email: str
    slack_user_id: str | None
    teams_aad_id: str | None
    addresses: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    channel: str = ""
    preferred: str = ""
    """The platform the person prefers (slack, teams, email), or "" for none in particular."""
    email_failing: bool = False
    """A mail server refused their address for good: no channel emails them until it is cleared."""

    @classmethod
    def shared_channel(cls, channel_id: str) -> Recipient:
        """A shared channel (the alerts channel) rather than a person."""
        return cls(0, "", None, None, {}, channel_id)


@dataclass(frozen=True)
class SharedChannel:
    """A platform's channel rather than a person (the alerts channel), kept as "platform:id"."""

    platform: str
    channel: str

    @classmethod
    def parse(cls, kept: str) -> SharedChannel:
        """The channel an outbox row names ("slack:C0123456789")."""
        platform, _, channel = kept.partition(":")
        return cls(platform, channel)


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


@dataclass(frozen=True)
class Replacement:
    """A delivered message to update in place: the platform, conversation and id it was given."""

    platform: str
    conversation: str
    message_id: str


@dataclass(frozen=True)
class OutboxPayload:
    """What an outbox row carries: a notice, and the delivered message it replaces, if any.

    Stored as the notice's JSON with the replaced message beside it under "replaces".
    """

    notice: Notice
    replaces: Replacement | None = None
    via: str = ""
    """Only this platform may deliver it (a sign-in link goes by email, to the directory's
    address, whatever the person's preferred channel); "" for the person's own choice."""

    def to_json(self) -> dict[str, JsonValue]:
        """The payload as the outbox stores it."""
        stored = notice_to_json(self.notice)
        if self.via:
            stored[VIA] = self.via
        if self.replaces is not None:
            stored[REPLACES] = {
                "platform": self.replaces.platform,
                "conversation": self.replaces.conversation,
                "message_id": self.replaces.message_id,
            }
        return stored

    @classmethod
    def from_json(cls, stored: dict[str, JsonValue]) -> OutboxPayload:
        """The payload of a stored row (one without "replaces" sends a new message)."""
        target = stored.get(REPLACES)
        replaces = (
            Replacement(
                str(target.get("platform")),
                str(target.get("conversation")),
                str(target.get("message_id")),
            )
            if isinstance(target, dict)
            else None
        )
        via = stored.get(VIA)
        return cls(notice_from_json(stored), replaces, via if isinstance(via, str) else "")


@dataclass(frozen=True)
class Headline:
    """What may be said of a record outside the hub (an email): what kind of thing it is, its
    reference, the organisation it comes from and its deadline. Never a person's details, a
    description or free text: a domain builds it from codes and dates only."""

    what: str
    """"Information request", "Visual-audit concern", "Recommendation"..."""
    reference: str
    organisation: str = ""
    """The organisation it comes from, by name ("" when it is the partnership's own)."""
    due: date | None = None


@dataclass(frozen=True)
class Picture:
    """A record's photo as a channel may show it to a person: the cleaned copy (no metadata) or
    a thumbnail of it, named for what it is ("Photo 1 of CN-..."), never by the reporter's file
    name, which can hold their words."""

    name: str
    filename: str
    mime_type: str
    data: bytes


# The hub's photos of a record (by reference) for a channel to show in a person's chat.
PhotoSource = Callable[[str], Awaitable[list[Picture]]]


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

    async def replace(self, target: Replacement, notice: Notice) -> None:
        """Replace an earlier message on this platform (e.g. to remove buttons once acted on)."""
        ...
