"""A PostgreSQL outage on demand: the test's database taken from its clients, as a crash or a
failover would, on the shared server (no project code involved).

`strike()` terminates every connection to the database; with `refuse=True` it also stops it
accepting new ones until `end()`, for an outage that outlasts the clients' retries.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.database import Database


@dataclass
class Outage:
    """Takes the database at `url` from its clients, through an admin connection to `server`."""

    url: str
    server: str

    @property
    def database(self) -> str:
        return str(make_url(self.url).database)

    async def strike(self, *, refuse: bool) -> None:
        """Terminate every connection to the database and, if `refuse`, accept no new one."""
        statements = [
            f'ALTER DATABASE "{self.database}" WITH ALLOW_CONNECTIONS {str(not refuse).lower()}',
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.database}' AND pid <> pg_backend_pid()",
        ]
        await self._admin(statements)

    async def end(self) -> None:
        """Let clients connect again."""
        await self._admin([f'ALTER DATABASE "{self.database}" WITH ALLOW_CONNECTIONS true'])

    async def _admin(self, statements: list[str]) -> None:
        admin = Database(self.server)
        try:
            async with admin.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                for statement in statements:
                    await connection.execute(text(statement))
        finally:
            await admin.dispose()
