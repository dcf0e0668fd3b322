"""`saferhub chat`: talk to the bot in a terminal, through the same turn loop as Slack and Teams."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta

from bot.conversation.turns import TurnLoop
from dialogs.messages import (
    Address,
    Inbound,
    Input,
    OpenedInput,
    Platform,
    TextInput,
    notice_from_json,
)
from dialogs.plain import as_text
from storage import outbox
from storage.database import Database
from storage.outage import unreachable

EXIT_WORDS = {"exit", "/exit", "bye"}
WORKER = "console"


class ConsoleChat:
    """One person's terminal conversation."""

    def __init__(
        self,
        turns: TurnLoop,
        database: Database,
        email: str,
        write: Callable[[str], None] = print,
    ) -> None:
        self.turns = turns
        self.database = database
        self.email = email.strip().lower()
        self.write = write
        self.address = Address(Platform.CONSOLE, "local", "terminal", self.email)

    async def send(self, user_input: Input) -> None:
        """Run one turn and print the replies, then any notices waiting for this person."""
        inbound = Inbound(self.address, f"console-{uuid.uuid4()}", user_input, email=self.email)
        result = await self.turns.handle(inbound)
        for item in result.replies:
            self.write(as_text(item))
        if result.actor_id is None:
            return
        try:
            await self.show_notices(result.actor_id)
        except Exception as error:
            if not unreachable(error):
                raise
            # The turn was saved; the notices wait in the outbox and come after the next one.

    async def show_notices(self, person_id: int) -> None:
        """Deliver this person's waiting outbox messages to the terminal."""
        now = self.turns.clock.now()
        async with self.database.transaction() as session:
            waiting = await outbox.claim_for_recipient(
                session, person_id, worker=WORKER, now=now, lease=timedelta(minutes=5)
            )
        for message in waiting:
            self.write(as_text(notice_from_json(message.payload)))
            async with self.database.transaction() as session:
                await outbox.mark_sent(
                    session, message.id, worker=WORKER, now=now, platform=Platform.CONSOLE
                )

    async def run(self, read: Callable[[str], str] = input) -> None:
        """The interactive loop; exit, bye or Ctrl-D leaves (an unfinished form is kept)."""
        self.write(f"Saferhub chat as {self.email}. Type exit to leave; your progress is kept.")
        await self.send(OpenedInput())
        while True:
            try:
                line = await asyncio.to_thread(read, "you> ")
            except (EOFError, KeyboardInterrupt):
                self.write("")
                return
            if line.strip().lower() in EXIT_WORDS:
                return
            if line.strip():
                await self.send(TextInput(line))
