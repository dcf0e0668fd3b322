"""Slack's text format: escaping plain text into mrkdwn, reading typed text back, and size limits.

Slack marks mentions and links with angle brackets (`<!channel>`, `<@U123>`, `<http://x|y>`), so
escaping `&`, `<` and `>` is enough to make any user text inert. Text Slack sends us arrives with
those three characters escaped and with pasted links, mentions and channels in that markup;
`from_slack` turns it back into the plain text the hub stores (a pasted link as its URL).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

SECTION_LIMIT = 3000
FALLBACK_LIMIT = 3000
ELLIPSIS = "…"
MARKUP = re.compile(r"<([^<>]*)>")
USER_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^<>]*)?>")
BROADCASTS = ("here", "channel", "everyone")


def escape(text: str) -> str:
    """Plain text made safe for mrkdwn and message text: no mention, link or channel can form."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Text as typed in Slack (which escapes `&`, `<`, `>`) back to plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def from_slack(text: str, names: Mapping[str, str] | None = None) -> str:
    """Text as Slack sends it, as the person typed or pasted it.

    `<https://x>` becomes the URL, `<https://x|label>` the label with the URL after it (or just
    what was typed, when Slack linked a bare domain), `<mailto:a@b|a@b>` the address, `<@U123>`
    the person's name from `names` (or their id), `<#C123|name>` `#name`, `<!here>` `@here`,
    and the escaped `&lt;`, `&gt;` and `&amp;` the characters typed.
    """
    pieces: list[str] = []
    end = 0
    for found in MARKUP.finditer(text):
        pieces.append(unescape(text[end : found.start()]))
        pieces.append(_plain(found.group(1), names or {}))
        end = found.end()
    pieces.append(unescape(text[end:]))
    return "".join(pieces)


def mentioned(text: str) -> list[str]:
    """The ids of the people mentioned in Slack text (`<@U123>`), in order, each once."""
    return list(dict.fromkeys(USER_MENTION.findall(text)))


def _plain(markup: str, names: Mapping[str, str]) -> str:
    """One piece of Slack markup (without its angle brackets) as plain text."""
    target, _, label = markup.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        return "@" + (label.removeprefix("@") or names.get(target[1:]) or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        special = target[1:].split("^")[0]
        return "@" + special if special in BROADCASTS or not label else label
    url = unescape(target)
    if url.startswith("mailto:"):
        address = url.removeprefix("mailto:")
        return address if label in ("", address) else f"{label} ({address})"
    bare = url.split("://", 1)[-1]
    if not label or label == url:
        return url
    return label if label in (bare, bare.rstrip("/")) else f"{label} ({url})"


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis when too long.

    "Edit the locat…" reads as a typo, and a cut escaped text could end in a broken `&am`. Only
    a single word longer than `limit` is cut inside itself.
    """
    if len(text) <= limit:
        return text
    cut = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit))
    kept = text[: cut + 1].rstrip(" \n,:.-–")  # not ";", which ends an escape (&amp;)
    return kept + ELLIPSIS if kept else clip(text, limit)


def chunks(markup: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split mrkdwn into pieces of at most `limit` characters, at line breaks where possible.

    Never splits inside an escape such as `&amp;`.
    """
    pieces: list[str] = []
    rest = markup
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
            amp = rest.rfind("&", cut - 5, cut)
            if amp != -1 and ";" not in rest[amp:cut]:
                cut = amp
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest or not pieces:
        pieces.append(rest)
    return pieces
