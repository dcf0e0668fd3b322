"""The neutral message vocabulary shared by the engine, the turn loop and every channel.

Channels translate platform payloads into `Inbound` events and render `Outbound` items back.
All text here is plain text: renderers escape every string they place into platform markup, so
nothing a user typed can ever become a mention, a link or formatting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


class Platform(StrEnum):
    """Where a person talks to the bot."""

    CONSOLE = "console"
    SLACK = "slack"
    TEAMS = "teams"
    WEB = "web"
    EMAIL = "email"
    """Outbound only: notices to people outside the chat platforms, who act on the web hub."""


@dataclass(frozen=True)
class Address:
    """Who is speaking, and in which conversation of which platform."""

    platform: Platform
    tenant: str
    conversation: str
    user: str

    @property
    def key(self) -> str:
        """A stable string naming this user's conversation, used to find their dialog session."""
        return f"{self.platform}:{self.tenant}:{self.conversation}:{self.user}"


class Command(StrEnum):
    """Global commands understood at any point of a conversation."""

    CANCEL = "cancel"
    BACK = "back"
    HELP = "help"
    SKIP = "skip"
    EDIT = "edit"
    CONFIRM = "confirm"
    START = "start"
    START_OVER = "start over"
    RESUME = "resume"
    DISCARD = "discard"


@dataclass(frozen=True)
class TextInput:
    """Free text typed by the user."""

    text: str


@dataclass(frozen=True)
class ChoiceInput:
    """A button press or menu pick answering `field` (or a command button when field is empty)."""

    field: str
    value: str


@dataclass(frozen=True)
class FormInput:
    """A whole form submitted at once (Slack modal, Teams card): raw values keyed by field name."""

    form_id: str
    values: Mapping[str, str | list[str]]


@dataclass(frozen=True)
class CommandInput:
    """A command, from a button or a slash command; `argument` names a field, form or record."""

    command: Command
    argument: str = ""


@dataclass(frozen=True)
class FileRef:
    """A photo the hub keeps, as the answers name it: its id in the hub (`photo:ID`), name,
    size and type, and the SHA-256 of the original; the engine never sees the bytes."""

    file_id: str
    name: str
    size: int
    mime_type: str
    sha256: str
    latitude: float | None = None
    longitude: float | None = None
    """Where the photo says it was taken (its GPS), to offer as the location: the hub keeps it
    only if the reporter takes it as the location."""


@dataclass(frozen=True)
class Upload:
    """A file as a channel received it, for the hub to check and keep before the engine sees
    it; `data` is empty when the channel did not fetch it (too large, or one too many)."""

    name: str
    mime_type: str
    size: int
    data: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class FilesInput:
    """Files uploaded in answer to an attachment question: channels send `uploads`, which the
    turn loop keeps and turns into `files` for the engine."""

    files: tuple[FileRef, ...] = ()
    uploads: tuple[Upload, ...] = ()


@dataclass(frozen=True)
class ActionInput:
    """A press of an action button on a notice (acknowledge, approve, done...) about a record."""

    action: str
    reference: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenedInput:
    """The user opened the conversation (console start, App Home, Teams install)."""


Input = TextInput | ChoiceInput | FormInput | CommandInput | FilesInput | ActionInput | OpenedInput


@dataclass(frozen=True)
class Inbound:
    """One event from one person: the unit the turn loop processes exactly once."""

    address: Address
    event_id: str
    input: Input
    email: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class Option:
    """One choice offered to the user."""

    value: str
    label: str


@dataclass(frozen=True)
class Say:
    """A plain statement."""

    text: str


@dataclass(frozen=True)
class Ask:
    """A question about one field, with its choices when it has them."""

    field: str
    kind: str
    prompt: str
    options: tuple[Option, ...] = ()
    help: str = ""
    error: str = ""
    optional: bool = False
    form_id: str = ""


@dataclass(frozen=True)
class SummaryRow:
    """One answered field shown in a summary; only an `editable` row gets an edit button (the
    record a button opened a form about is shown, never offered for change)."""

    field: str
    label: str
    value: str
    editable: bool = True


@dataclass(frozen=True)
class Summary:
    """Every answer, with an edit button per row and an explicit confirm."""

    form_id: str
    title: str
    rows: tuple[SummaryRow, ...]


@dataclass(frozen=True)
class Completed:
    """A form was recorded in the hub under `reference`."""

    reference: str
    text: str


@dataclass(frozen=True)
class NoticeAction:
    """A button on a notice; pressing it sends an `ActionInput`."""

    action: str
    label: str
    reference: str
    style: str = ""


@dataclass(frozen=True)
class Notice:
    """A proactive or informational message about a record, with optional action buttons.

    `photos` counts the record's photos a channel may show with it to a person (never in a
    shared channel); the channel asks the hub for them by `reference`, so no image is stored here.
    """

    kind: str
    title: str
    lines: tuple[str, ...]
    reference: str = ""
    actions: tuple[NoticeAction, ...] = ()
    photos: int = 0


Outbound = Say | Ask | Summary | Completed | Notice


def notice_to_json(notice: Notice) -> dict[str, JsonValue]:
    """A notice as JSON, for the outbox payload."""
    return {
        "kind": notice.kind,
        "title": notice.title,
        "lines": list(notice.lines),
        "reference": notice.reference,
        "actions": [
            {"action": a.action, "label": a.label, "reference": a.reference, "style": a.style}
            for a in notice.actions
        ],
        "photos": notice.photos,
    }


def notice_from_json(data: dict[str, JsonValue]) -> Notice:
    """Rebuild a notice stored by `notice_to_json`."""
    lines = data.get("lines")
    actions = data.get("actions")
    photos = data.get("photos")
    return Notice(
        kind=str(data.get("kind", "")),
        title=str(data.get("title", "")),
        lines=tuple(str(line) for line in lines) if isinstance(lines, list) else (),
        reference=str(data.get("reference", "")),
        actions=tuple(
            NoticeAction(
                str(a["action"]), str(a["label"]), str(a["reference"]), str(a.get("style", ""))
            )
            for a in actions
            if isinstance(a, dict)
        )
        if isinstance(actions, list)
        else (),
        photos=photos if type(photos) is int and photos > 0 else 0,
    )
