"""What a channel does with an authenticated body, once its shape was checked (`dialogs.shapes`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """What a channel does with an authenticated body."""

    HANDLE = "handle"  # pass it on to the SDK and the turn loop
    IGNORE = "ignore"  # acknowledge with 200, do nothing (well-formed, but nothing we use)
    REFUSE = "refuse"  # answer 400, do nothing


@dataclass(frozen=True)
class Checked:
    """A verdict, and why (for the log)."""

    verdict: Verdict
    reason: str = ""
