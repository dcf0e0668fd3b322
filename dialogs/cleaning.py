"""Inbound text made safe to parse, store and show, in one pass at the entry of the turn loop.

Removed: control characters other than line feed and tab (PostgreSQL text cannot hold NUL, and
escape sequences drive terminals), lone surrogates (they cannot be encoded, so not stored), the
bidirectional embedding, override and isolate controls (they reorder the text shown after them,
so a reference or a name could be made to read as another one), the byte order mark, interlinear
annotations, deprecated format controls, and tag characters outside an emoji flag (invisible
text that only machines read). Every other character is kept as typed: zero-width joiner and
non-joiner (emoji sequences, Persian and Indic scripts), the left-to-right and right-to-left marks
that place punctuation in right-to-left text, variation selectors, digits of every script. Line
breaks of every convention become a line feed. Each string is cut to a bound, generous enough
that an over-long answer is refused by its question rather than silently shortened.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from dialogs.messages import (
    ActionInput,
    ChoiceInput,
    CommandInput,
    FileRef,
    FilesInput,
    FormInput,
    Inbound,
    Input,
    TextInput,
    Upload,
)

MAX_TEXT = 10_000  # twice what a parser reads (parsing.MAX_RAW_LENGTH)
MAX_LINE = 320  # a name, an email address, a field name, a command's argument
MAX_REFERENCE = 20  # a record reference such as IR-2026-000001, as stored
MAX_VALUES = 100  # items in a list, fields in a form, files in an upload

LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
EMOJI_FLAG_TAGS = re.compile("\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f")
HIDDEN = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\ufeff"  # byte order mark
    "\ufff9\ufffa\ufffb"  # interlinear annotation
    "\u206a\u206b\u206c\u206d\u206e\u206f"  # deprecated format controls
)
KEPT_CONTROLS = frozenset("\n\t")


def _removed(ch: str) -> bool:
    if ch in KEPT_CONTROLS:
        return False
    if ch in HIDDEN or "\U000e0000" <= ch <= "\U000e007f":
        return True
    return unicodedata.category(ch) in ("Cc", "Cs")


def scrub(raw: str, limit: int = MAX_TEXT) -> str:
    """The first `limit` characters of `raw` without harmful ones (see the module docstring)."""
    text = LINE_BREAKS.sub("\n", raw[:limit])
    flags = {m.start(): m.end() for m in EMOJI_FLAG_TAGS.finditer(text)}
    out: list[str] = []
    i = 0
    while i < len(text):
        end = flags.get(i)
        if end is not None:
            out.append(text[i:end])
            i = end
            continue
        if not _removed(text[i]):
            out.append(text[i])
        i += 1
    return "".join(out)


def scrub_line(raw: str, limit: int = MAX_LINE) -> str:
    """One line (a name, an email address): line breaks and tabs become spaces, then `scrub`."""
    return " ".join(scrub(raw, limit).split())


def _values(raw: str | list[str]) -> str | list[str]:
    if isinstance(raw, str):
        return scrub(raw)
    return [scrub(item) for item in raw[:MAX_VALUES]]


def _upload(upload: Upload) -> Upload:
    return replace(
        upload, name=scrub_line(upload.name, 255), mime_type=scrub_line(upload.mime_type, 100)
    )


def _file(ref: FileRef) -> FileRef:
    return replace(
        ref,
        file_id=scrub_line(ref.file_id, 120),
        name=scrub_line(ref.name, 255),
        mime_type=scrub_line(ref.mime_type, 100),
        sha256=scrub_line(ref.sha256, 64),
    )


def clean_input(item: Input) -> Input:
    """Every string a person supplied in `item`, scrubbed and bounded."""
    match item:
        case TextInput(text=text):
            return TextInput(scrub(text))
        case ChoiceInput(field=name, value=value):
            return ChoiceInput(scrub_line(name), scrub(value))
        case FormInput(form_id=form_id, values=values):
            return FormInput(
                scrub_line(form_id),
                {scrub_line(k): _values(v) for k, v in list(values.items())[:MAX_VALUES]},
            )
        case CommandInput(command=command, argument=argument):
            return CommandInput(command, scrub(argument, MAX_LINE))
        case FilesInput(files=files, uploads=uploads):
            return FilesInput(
                tuple(_file(ref) for ref in files[:MAX_VALUES]),
                tuple(_upload(u) for u in uploads[:MAX_VALUES]),
            )
        case ActionInput(action=action, reference=reference, values=values):
            return ActionInput(
                scrub_line(action),
                scrub_line(reference, MAX_REFERENCE),
                {scrub_line(k): scrub(v) for k, v in list(values.items())[:MAX_VALUES]},
            )
    return item


def clean_inbound(inbound: Inbound) -> Inbound:
    """`inbound` with its input, email and display name scrubbed; the address is the platform's."""
    return replace(
        inbound,
        input=clean_input(inbound.input),
        email=scrub_line(inbound.email) if inbound.email is not None else None,
        display_name=scrub_line(inbound.display_name, 200)
        if inbound.display_name is not None
        else None,
    )
