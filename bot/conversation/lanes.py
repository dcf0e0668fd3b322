"""A channel's background turns: tracked tasks, and one lane per conversation to keep order.

Platforms want an answer within seconds, so a channel acknowledges first and runs the turn in
the background; turns of one conversation (and their replies) still run one at a time.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Lanes:
    """Background work of one channel, and a lock per conversation key."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background; a failure is logged, never lost."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s background work failed", self.name, exc_info=task.exception())

    def lane(self, key: str) -> asyncio.Lock:
        """The lock of one conversation, so its turns and their replies keep their order."""
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def idle(self) -> None:
        """Wait until no background work is in flight (used by tests and shutdown)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def stop(self, patience: float) -> None:
        """Let work in flight finish for up to `patience` seconds, then cancel what is left."""
        try:
            await asyncio.wait_for(self.idle(), timeout=patience)
        except TimeoutError:
            for task in list(self._tasks):
                task.cancel()
