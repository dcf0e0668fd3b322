"""Slack's text format: escaping plain text into mrkdwn, reading typed text back, and size limits.

Slack marks mentions and links with angle brackets (`<!channel>`, `<@U123>`, `<http://x|y>`), so
escaping `&`, `<` and `>` is enough to make any user text inert. Text Slack sends us arrives with
those three characters escaped; `unescape` turns it back into the plain text the hub stores.
"""

from __future__ import annotations

SECTION_LIMIT = 3000
FALLBACK_LIMIT = 3000
ELLIPSIS = "…"


def escape(text: str) -> str:
    """Plain text made safe for mrkdwn and message text: no mention, link or channel can form."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Text as typed in Slack (which escapes `&`, `<`, `>`) back to plain text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


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
