"""`saferhub chat`: talk to the bot in a terminal, through the same turn loop as Slack and Teams.

A photo is attached by typing its file path (several separated by commas): a line naming only
files that exist is sent as those files, read from disk, for the hub to check and keep.
"""

from __future__ import annotations

import asyncio
import mimetypes
import uuid
from collections.abc import Callable
from pathlib import Path

from bot.conversation import surfaces
from bot.conversation.hub import Hub
from dialogs.form import FieldKind
from dialogs.messages import (
    Address,
    Ask,
    FilesInput,
    Inbound,
    Input,
    Notice,
    OpenedInput,
    Platform,
    TextInput,
    Upload,
)
from dialogs.parsing import MAX_FILE_BYTES
from dialogs.plain import as_text

EXIT_WORDS = {"exit", "/exit", "bye"}
PHOTO_HINT = "  (here, type a photo's file path; several separated by commas)"
WORKER = "console"


class ConsoleChat:
    """One person's terminal conversation."""

    def __init__(
        self,
        hub: Hub,
        email: str,
        write: Callable[[str], None] = print,
    ) -> None:
        self.hub = hub
        self.email = email.strip().lower()
        self.write = write
        self.address = Address(Platform.CONSOLE, "local", "terminal", self.email)

    async def send(self, user_input: Input) -> None:
        """Run one turn and print the replies, then any notices waiting for this person."""
        inbound = Inbound(self.address, f"console-{uuid.uuid4()}", user_input, email=self.email)
        result = await self.hub.turns.handle(inbound)
        for item in result.replies:
            self.write(as_text(item))
            if isinstance(item, Ask) and item.kind == FieldKind.ATTACHMENT:
                self.write(PHOTO_HINT)
        if result.actor_id is not None:
            await surfaces.show_waiting(
                self.hub, result.actor_id, WORKER, Platform.CONSOLE, self._show
            )

    def _show(self, notice: Notice) -> None:
        self.write(as_text(notice))

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
                await self.send(typed(line))


def typed(line: str) -> Input:
    """What a typed line sends: the files it names when it names only files that exist (a
    photo's path), else the text."""
    parts = [part.strip().strip("'\"") for part in line.split(",")]
    paths = [_file(part) for part in parts]
    found = [path for path in paths if path is not None]
    if not found or len(found) < len(parts):
        return TextInput(line)
    return FilesInput(uploads=tuple(_read(path) for path in found))


def _file(typed_path: str) -> Path | None:
    """The file `typed_path` names, if one is there (a line that cannot be a path is not one)."""
    if not typed_path:
        return None
    try:
        path = Path(typed_path).expanduser()
        return path if path.is_file() else None
    except (OSError, ValueError, RuntimeError):  # too long, a NUL, an unknown ~user
        return None


def _read(path: Path) -> Upload:
    """The file's bytes (cut short past the hub's limit, which then refuses it as too large)."""
    with path.open("rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Upload(path.name, mime, len(data), data)
