"""A fake SMTP server on loopback for the email channel's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.smtp import FakeSmtp


@pytest.fixture
def smtp() -> Iterator[FakeSmtp]:
    server = FakeSmtp()
    server.start()
    yield server
    server.stop()
