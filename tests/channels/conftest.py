"""Fixtures every channel's tests share."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure


class Everything(logging.Handler):
    """Keeps every record that reaches the root logger, formatted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def debug_log() -> Iterator[Everything]:
    """Every logger at DEBUG, configured exactly as `saferhub` configures it, and kept."""
    root = logging.getLogger()
    saved = root.level, list(root.handlers)
    configure("DEBUG")
    handler = Everything()
    root.addHandler(handler)
    yield handler
    root.handlers[:] = saved[1]
    root.setLevel(saved[0])
