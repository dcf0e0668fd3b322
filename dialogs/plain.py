"""Outbound items as plain text: the terminal chat, and replies kept for later delivery.

Where no buttons or cards can be shown, choices are listed and the summary says what to type.
"""

from __future__ import annotations

from dialogs.messages import Ask, Completed, Notice, Outbound, Say, Summary
from dialogs.parsing import clean_text

CONFIRM_HINT = "Say confirm to submit, edit and a field name to change something, or cancel."


def safe(text: str) -> str:
    """User text without control characters, so nothing can drive a terminal."""
    return "\n".join(clean_text(line) for line in text.split("\n"))


def as_text(item: Outbound) -> str:
    """One outbound item as plain text."""
    match item:
        case Say(text=text):
            return safe(text)
        case Ask():
            lines = [f"! {safe(item.error)}"] if item.error else []
            lines.append(safe(item.prompt))
            lines.extend(f"  {i}. {safe(o.label)}" for i, o in enumerate(item.options, start=1))
            if item.optional:
                lines.append("  (optional: say skip)")
            return "\n".join(lines)
        case Summary():
            rows = [f"  {safe(r.label)}: {safe(r.value)}" for r in item.rows]
            return "\n".join(
                [f"Please check your {safe(item.title.lower())}:", *rows, CONFIRM_HINT]
            )
        case Completed(text=text):
            return f"Done: {safe(text)}"
        case Notice():
            lines = [f"[{safe(item.title)}]", *(f"  {safe(line)}" for line in item.lines)]
            if item.actions:
                lines.append("  Actions: " + ", ".join(safe(a.label) for a in item.actions))
            return "\n".join(lines)
    return ""
