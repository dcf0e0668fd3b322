"""Teams activities as neutral inputs: typed text, card submissions and uploaded photos.

An activity is first checked against the shape the handler and the SDK read (`check`): a
malformed one is refused with 400 before anything is stored or called. A card's Action.Submit
arrives as a message whose `value` holds the button's data (written by `cards.py`) merged with
the card's input values; only well-formed data becomes an input. The client can send any data:
whether it answers what the person was offered is for the turn loop.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity, ChannelAccount

from bot.channels.shapes import Checked, Verdict
from bot.channels.teams import cards
from bot.channels.teams.photos import SentFile, SentFiles
from dialogs.form import FormDefinition
from dialogs.messages import (
    ActionInput,
    Address,
    ChoiceInput,
    Command,
    CommandInput,
    FormInput,
    Input,
    Platform,
    TextInput,
)
from dialogs.shapes import Boolean, ListOf, Nullable, Obj, Text, obj, problem

MAX_NAME = 100
MAX_VALUE = 5000
MAX_FILES = 10
FILE_DOWNLOAD_INFO = "application/vnd.microsoft.teams.file.download.info"
IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
}
HANDLED = ("message", "conversationUpdate", "installationUpdate", "invoke")

# Ids are kept in columns: an AAD object id or tenant id in 64 characters, and a conversation id
# with them in a 400-character address key.
_PLAIN = re.compile(r"[!-~]+")  # printable ASCII without spaces, as Teams ids are
# Conversation and member ids go into connector URL paths, which the SDK does not encode: none of
# the characters that would change a path (Teams' own ids use letters, digits and :@._;=,+!-).
_PATH_SAFE = re.compile(r"[A-Za-z0-9:@._;=,+!*()~$-]+")
_GUID = Text(64, _PLAIN)
_ID = Text(256, _PATH_SAFE)
_NAME = Text(256)
_ACCOUNT = obj(
    "id", id=_ID, name=Nullable(_NAME), aadObjectId=Nullable(_GUID), role=Nullable(_NAME)
)
_ENVELOPE = obj(
    "type",
    type=Text(64),
    id=Nullable(_ID),
    serviceUrl=Text(2000),
    channelId=Nullable(_NAME),
    name=Nullable(_NAME),
    text=Nullable(Text(40_000)),
    replyToId=Nullable(_ID),
    action=Nullable(_NAME),
    locale=Nullable(Text(35, re.compile(r"[A-Za-z0-9_-]+"))),
    **{
        "from": Nullable(_ACCOUNT),
        "recipient": Nullable(_ACCOUNT),
        "conversation": Nullable(
            obj(
                "id",
                id=_ID,
                conversationType=Nullable(_NAME),
                tenantId=Nullable(_GUID),
                isGroup=Nullable(Boolean()),
                name=Nullable(_NAME),
            )
        ),
        "channelData": Nullable(
            obj(
                tenant=Nullable(obj("id", id=_GUID)),
                team=Nullable(obj("id", id=_ID, name=Nullable(_NAME))),
                channel=Nullable(obj("id", id=_ID)),
                eventType=Nullable(_NAME),
            )
        ),
        "entities": Nullable(
            ListOf(obj(type=Nullable(_NAME), text=Nullable(_NAME), mentioned=Nullable(_ACCOUNT)))
        ),
        "attachments": Nullable(
            ListOf(
                obj(
                    contentType=Nullable(_NAME),
                    contentUrl=Nullable(Text(2000)),
                    name=Nullable(_NAME),
                )
            )
        ),
        "membersAdded": Nullable(ListOf(_ACCOUNT)),
        "membersRemoved": Nullable(ListOf(_ACCOUNT)),
    },
)
_ADDRESSED = obj(
    "id",
    "from",
    "conversation",
    "recipient",
    "channelData",
    id=_ID,
    **{"from": Obj(), "conversation": Obj(), "recipient": Obj(), "channelData": Obj()},
)


def check(body: object) -> Checked:
    """Whether to handle, ignore or refuse an authenticated activity (its JSON, as posted)."""
    if not isinstance(body, dict):
        return Checked(Verdict.REFUSE, "the body is not an object")
    found = problem(_ENVELOPE, body, "activity")
    if found:
        return Checked(Verdict.REFUSE, found)
    if body["type"] not in HANDLED:
        return Checked(Verdict.IGNORE, "a kind of activity we do not use")
    found = problem(_ADDRESSED, body, "activity")
    return Checked(Verdict.REFUSE, found) if found else Checked(Verdict.HANDLE)


@dataclass(frozen=True)
class FormCardRequest:
    """The user asked for a form as one card; the channel sends it without a turn."""

    form_id: str


Received = Input | FormCardRequest | SentFiles


def user_key(account: ChannelAccount | None) -> str:
    """The user part of an Address: the AAD object id, by which the directory links people."""
    if account is None:
        return ""
    if account.aad_object_id:
        return str(account.aad_object_id)
    raw = str(account.id or "")
    return raw if len(raw) <= 64 else "id-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


def tenant_of(activity: Activity) -> str:
    """The Microsoft 365 tenant the activity comes from."""
    if activity.conversation is not None and activity.conversation.tenant_id:
        return str(activity.conversation.tenant_id)
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = data.get("tenant")
    return str(tenant.get("id", "")) if isinstance(tenant, dict) else ""


def address_of(activity: Activity, conversation_id: str) -> Address:
    """The neutral address of the sender in `conversation_id` (their 1:1 chat with the bot)."""
    return Address(
        Platform.TEAMS, tenant_of(activity), conversation_id, user_key(activity.from_property)
    )


def event_id(activity: Activity) -> str:
    """A dedupe key for the activity: Teams ids are unique only within a conversation."""
    conversation = activity.conversation.id if activity.conversation is not None else ""
    return hashlib.sha256(f"{conversation}\n{activity.id}".encode()).hexdigest()


def is_personal(activity: Activity) -> bool:
    """Whether the activity comes from the user's 1:1 chat with the bot."""
    conversation = activity.conversation
    return conversation is not None and conversation.conversation_type in (None, "personal")


def received(activity: Activity, forms: Mapping[str, FormDefinition]) -> Received | None:
    """What the user did, or None when the activity carries nothing the bot can use."""
    if isinstance(activity.value, dict):
        return submitted(activity.value, forms)
    text = without_bot_mention(activity)
    if text:
        return TextInput(text[:MAX_VALUE])
    files = _files(activity)
    return SentFiles(files) if files else None


def without_bot_mention(activity: Activity) -> str:
    """The message text with the @mention of the bot (in a team channel) taken out.

    Hand-written: the SDK's `remove_recipient_mention` raises on a mention without a name.
    """
    text = str(activity.text or "")
    bot_id = activity.recipient.id if activity.recipient is not None else None
    for entity in activity.entities or []:
        data = entity.model_dump(by_alias=True, exclude_none=True)
        mentioned = data.get("mentioned")
        if (
            data.get("type") == "mention"
            and isinstance(mentioned, dict)
            and mentioned.get("id") == bot_id
        ):
            text = text.replace(str(data.get("text") or ""), " ")
    return text.strip()


def _name(value: object) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_NAME else None


def _value(value: object) -> str | None:
    return value if isinstance(value, str) and len(value) <= MAX_VALUE else None


def submitted(data: Mapping[str, Any], forms: Mapping[str, FormDefinition]) -> Received | None:
    """A card submission's data as an input; None when it is not one of our buttons (or asks
    for one of `forms` as a card when it has none)."""
    kind = data.get(cards.KIND)
    form_id = _name(data.get("form"))
    if kind == cards.CHOICE:
        field, value = _name(data.get("field")), _value(data.get("value"))
        return ChoiceInput(field, value) if field and value is not None else None
    if kind == cards.ANSWER:
        field = _name(data.get("field"))
        answer = _value(data.get(cards.ANSWER_INPUT)) or ""
        at = _value(data.get(cards.ANSWER_TIME_INPUT)) or ""
        return ChoiceInput(field, f"{answer} {at}".strip()) if field else None
    if kind == cards.COMMAND:
        commands = {c.value: c for c in Command}
        command = commands.get(str(data.get("command")))
        argument = _value(data.get("argument")) or ""
        return CommandInput(command, argument[:MAX_NAME]) if command else None
    if kind == cards.FORM_CARD and form_id and cards.has_form_card(forms.get(form_id)):
        return FormCardRequest(form_id)
    if kind == cards.FORM and form_id:
        return FormInput(form_id, form_values(data))
    if kind == cards.ACTION:
        action, reference = _name(data.get("action")), _name(data.get("reference"))
        if not action or not reference:
            return None
        values = {
            key: text
            for key, raw in data.items()
            if key not in (cards.KIND, "action", "reference")
            and _name(key)
            and (text := _value(raw))
        }
        return ActionInput(action, reference, values)
    return None


def form_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The non-empty values of a whole-form card, keyed by input id (blank ones are left for
    chat). Every input is passed on: the turn loop refuses, and audits, any that the person's
    conversation does not offer, rather than it being dropped here."""
    return {
        name: text.strip()
        for name, raw in data.items()
        if name not in (cards.KIND, "form")
        and _name(name)
        and (text := _value(raw))
        and text.strip()
    }


def _files(activity: Activity) -> tuple[SentFile, ...]:
    """Uploaded files (pre-authenticated download URLs) and pasted images (Bot Connector URLs)."""
    found: list[SentFile] = []
    for attachment in (activity.attachments or [])[:MAX_FILES]:
        content_type = str(attachment.content_type or "")
        name = str(attachment.name or "image")[:200]
        if content_type == FILE_DOWNLOAD_INFO and isinstance(attachment.content, dict):
            file_type = str(attachment.content.get("fileType", "")).lower()
            url = str(attachment.content.get("downloadUrl") or "")
            mime = IMAGE_TYPES.get(file_type, f"application/{file_type or 'octet-stream'}")
            found.append(SentFile(name, mime[:100], url, authorised=False))
        elif content_type.startswith("image/"):
            url = str(attachment.content_url or "")
            found.append(SentFile(name, content_type[:100], url, authorised=True))
    return tuple(found)
