"""A PostgreSQL server of the tests' own, on its own port, that a fault test may stop and start.

The shared server at 127.0.0.1:5432 cannot be stopped under other tests, so the fault tests run
`initdb` in a temporary directory and start `postgres` there, on a free port and with its socket
in that directory. PostgreSQL refuses to run as root: as root, the commands run as the `postgres`
user (`runuser`). Stopping is a fast shutdown, as a restart or a failover does it: every
connection is terminated and new ones are refused until the server is started again.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from bot.clock import Clock
from bot.config import Settings
from bot.conversation.hub import Hub
from storage.database import Database


class ServerUnavailable(RuntimeError):
    """No private PostgreSQL server can be started here; the message says why."""


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise ServerUnavailable("PostgreSQL's initdb is not installed (/usr/lib/postgresql/*/bin)")
    return Path(initdb).parent


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    """One throwaway cluster in a temporary directory, started and stopped with pg_ctl."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.port = _free_port()
        self.root = Path(tempfile.mkdtemp(prefix="saferhub-pg-"))
        self.data = self.root / "data"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise ServerUnavailable("running as root and runuser is missing")
            shutil.chown(self.root, user="postgres")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        try:
            self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
            self.start()
        except ServerUnavailable:
            shutil.rmtree(self.root, ignore_errors=True)
            raise

    def _run(self, program: str, *args: str) -> None:
        command = [*self.prefix, str(self.bindir / program), *args]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ServerUnavailable(f"{program} could not run: {error}") from error
        if done.returncode != 0:
            raise ServerUnavailable(f"{program} failed: {done.stderr.strip()[-500:]}")

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def running(self) -> bool:
        """Whether the postmaster is up: true as soon as it serves clients, which can be
        before `start`'s `pg_ctl -w` has noticed and returned."""
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        if self.running():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Cut:
    """Whether a planned cut has happened."""

    fired: bool = False


class Outage:
    """Hubs on fresh databases of the private server, and ways to take the server away."""

    def __init__(self, server: PrivatePostgres, clock: Clock) -> None:
        self.server = server
        self.clock = clock
        self.hubs: list[Hub] = []
        self.restarts: list[asyncio.Task[None]] = []

    async def hub(self, retry_seconds: float = 10.0) -> Hub:
        """A hub with the sample loaded, waiting out an outage for `retry_seconds`."""
        name = f"hub_{uuid.uuid4().hex[:10]}"
        admin = Database(self.server.url("postgres"))
        try:
            async with admin.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            await admin.dispose()
        settings = Settings(
            database_url=self.server.url(name), database_retry=timedelta(seconds=retry_seconds)
        )
        hub = Hub.build(settings, self.clock)
        self.hubs.append(hub)
        await hub.database.create_all()
        await hub.load_sample()
        return hub

    async def stop(self) -> None:
        await asyncio.to_thread(self.server.stop)

    def start_after(self, seconds: float) -> asyncio.Task[None]:
        """Bring the server back `seconds` from now, while the test carries on."""

        async def later() -> None:
            await asyncio.sleep(seconds)
            await asyncio.to_thread(self.server.start)

        task = asyncio.get_running_loop().create_task(later())
        self.restarts.append(task)
        return task

    @contextmanager
    def cut_when(self, hub: Hub, fragment: str) -> Iterator[Cut]:
        """Stop the server the first time `hub` is about to run a statement containing
        `fragment`: the statement then meets a connection that died in mid-transaction."""
        done = Cut()

        def cut(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if not done.fired and fragment in statement:
                done.fired = True
                self.server.stop()

        engine = hub.database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", cut)
        try:
            yield done
        finally:
            event.remove(engine, "before_cursor_execute", cut)

    async def close(self) -> None:
        for task in self.restarts:
            await task
        if not self.server.running():
            await asyncio.to_thread(self.server.start)
        for hub in self.hubs:
            await hub.close()
