"""Each event of a request reaches each person once, whether or not earlier notices were out.

A phone stands in for Slack: it shows every message posted to a person and edits them in place,
as a chat client would. The outbox is delivered to it between the steps people take.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import FixedClock
from bot.conversation.hub import Hub
from bot.core.ports import Attempt, Delivered, Recipient, Replacement
from bot.outbox.dispatcher import Dispatcher
from dialogs.messages import Notice
from tests.sharing.test_lifecycle import press, submit_request


@dataclass
class Phone:
    """Every person's chat as they see it: messages in order, each showing its latest version."""

    platform: str = "slack"
    messages: dict[str, list[tuple[str, Notice]]] = field(default_factory=dict)
    where: dict[str, tuple[str, int]] = field(default_factory=dict)

    def can_reach(self, recipient: Recipient) -> bool:
        return True

    async def send(self, recipient: Recipient, notice: Notice, attempt: Attempt) -> Delivered:
        chat = self.messages.setdefault(recipient.email, [])
        message_id = f"m{len(self.where) + 1}"
        self.where[message_id] = (recipient.email, len(chat))
        chat.append((message_id, notice))
        return Delivered(message_id, recipient.email)

    async def replace(self, target: Replacement, notice: Notice) -> None:
        email, position = self.where[target.message_id]
        self.messages[email][position] = (target.message_id, notice)

    def chat(self, email: str) -> list[str]:
        """What `email` reads, one string per message (title and lines)."""
        return ["\n".join((n.title, *n.lines)) for _id, n in self.messages.get(email, [])]


async def deliver(hub: Hub, clock: FixedClock, phone: Phone) -> None:
    dispatcher = Dispatcher(hub.database, clock, [phone], worker="test")
    while (await dispatcher.tick()).sent:
        pass


def mentions(chat: list[str], words: str) -> int:
    return sum(words in message for message in chat)


async def test_a_requester_hears_of_a_decline_once_when_every_notice_was_delivered(
    person, sample_hub, clock
):
    phone = Phone()
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    await deliver(sample_hub, clock, phone)
    await jordan.send(press("acknowledge"))
    await deliver(sample_hub, clock, phone)
    await jordan.send(press("decline"))
    await jordan.say("Third-party confidentiality", "The logs name neighbours", "confirm")
    await deliver(sample_hub, clock, phone)

    chat = phone.chat("alex@example.org")
    assert mentions(chat, "declined it") == 1
    assert chat[-1].startswith("Your information request IR-2026-0001: declined")
    assert chat[0] == (
        "IR-2026-0001: see the newer message below\n"
        "This request has moved on; the newest message about it is below."
    )
    assert mentions(phone.chat("jordan@example.org"), "declined it") == 1  # his own, edited


async def test_a_requester_hears_of_a_decline_once_when_nothing_was_delivered_yet(
    person, sample_hub, clock
):
    phone = Phone()
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    await jordan.send(press("acknowledge"))
    await jordan.send(press("decline"))
    await jordan.say("Third-party confidentiality", "The logs name neighbours", "confirm")
    await deliver(sample_hub, clock, phone)

    chat = phone.chat("alex@example.org")
    assert len(chat) == 1 and mentions(chat, "declined it") == 1


async def test_fulfilment_reaches_the_requester_once(person, sample_hub, clock):
    phone = Phone()
    alex, jordan = person("alex@example.org"), person("jordan@example.org")
    await submit_request(alex)
    await jordan.send(press("approve"))
    await jordan.say("Call logs for the two residents", "None", "Needed for the panel", "confirm")
    await deliver(sample_hub, clock, phone)
    await jordan.send(press("fulfil"))
    await jordan.say("ok", "confirm")  # what was sent: what the decision approved
    await deliver(sample_hub, clock, phone)
    assert mentions(phone.chat("alex@example.org"), "marked it fulfilled") == 1
