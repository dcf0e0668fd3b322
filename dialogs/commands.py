"""Recognising global commands in typed text, before any field parser sees it."""

from __future__ import annotations

from dialogs.messages import Command, CommandInput
from dialogs.parsing import clean_text

WORDS: dict[str, Command] = {
    "cancel": Command.CANCEL,
    "stop": Command.CANCEL,
    "quit": Command.CANCEL,
    "abort": Command.CANCEL,
    "back": Command.BACK,
    "go back": Command.BACK,
    "previous": Command.BACK,
    "help": Command.HELP,
    "?": Command.HELP,
    "skip": Command.SKIP,
    "confirm": Command.CONFIRM,
    "submit": Command.CONFIRM,
    "start over": Command.START_OVER,
    "restart": Command.START_OVER,
    "resume": Command.RESUME,
    "continue": Command.RESUME,
    "discard": Command.DISCARD,
}

EDIT_VERBS = ("edit ", "change ")


def parse_command(text: str) -> CommandInput | None:
    """The command `text` spells, or None when it is an ordinary answer."""
    words = " ".join(clean_text(text).lower().rstrip(".!").split())
    if words in WORDS:
        return CommandInput(WORDS[words])
    for verb in EDIT_VERBS:
        if words.startswith(verb) and len(words) > len(verb):
            return CommandInput(Command.EDIT, words[len(verb) :].strip())
    return None
