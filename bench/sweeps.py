"""Sweeps at scale: the nudge and escalation sweeps cost what is due, not what is stored.

Builds two hubs, prepared like `saferhub demo` plus synthetic rows (10 open recommendations per
owner, none due yet, and closed concerns spread over two years):

- small: 20 000 recommendations (2 000 owners) and 10 000 concerns;
- large: 100 000 recommendations (10 000 owners) and 1 000 000 concerns;

and in each, on a Monday at 9:00, times

- the recommendation nudge sweep with 1 000 and then 10 000 items due (10 per owner): every
  sweep the scheduler would run until nothing is due, each claiming up to 200 owners, writing one
  grouped nudge per owner to the outbox and re-planning every item it touched;
- the concern escalation sweep with 100 and then 1 000 alerts past their acknowledgement
  deadline: each steps up a priority and is re-sent to the managers.

It prints the time to clear everything due, the sweeps that took, and the outbox rows written.
Target: 10 000 due items claimed and enqueued in under 2 s in the large hub. The time should
follow the due items, not the size of the tables. Run from the repository root:

    python -m bench.sweeps [--backend sqlite postgresql] [--postgres URL] [--scale 1]

--scale multiplies every size and count (0.01 for a quick check that the command works).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, func, select, text, update

from bench.common import DEFAULT_POSTGRES, machine, scratch_database
from bench.triage_at_scale import FILL_POSTGRES, FILL_SQLITE
from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.core.unit import UnitOfWork
from bot.prevent import sweeps as prevent_sweeps
from bot.recommendations import nudges
from storage.models import Concern, OutboxMessage, Partner, Person, PersonRole, Recommendation

T = TypeVar("T")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday, 9:00 in London
ITEMS_PER_OWNER = 10
MAX_SWEEPS = 1_000

FILL_RECOMMENDATIONS = """
INSERT INTO recommendation (reference, title, detail, source, theme, owner_id, owning_service,
  grade, due_date, status, due_date_changes, last_update_at, next_nudge_at, last_nudged_at,
  unanswered_nudges, snoozes, escalation_level, version)
SELECT 'BR-' || i, 'Synthetic recommendation ' || i, '', 'Bench workshop', 'process',
  :first_owner + (i % :owners), '', '', :due_date, 'in_progress', 0, :updated, :later, NULL,
  0, 0, 0, 1
FROM {series}
"""
SERIES = {
    "sqlite": "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows) "
    "SELECT i FROM n)",
    "postgresql": "generate_series(1, :rows) AS i",
}


@dataclass(frozen=True)
class Size:
    """How many rows a hub holds."""

    name: str
    recommendations: int
    concerns: int

    @property
    def owners(self) -> int:
        return self.recommendations // ITEMS_PER_OWNER


SIZES = (Size("small", 20_000, 10_000), Size("large", 100_000, 1_000_000))
NUDGES_DUE = (1_000, 10_000)
ALERTS_OVERDUE = (100, 1_000)


def scaled(count: int, scale: float, step: int = 1) -> int:
    """`count` times `scale`, a whole number of `step`s and at least one step."""
    return max(step, round(count * scale / step) * step)


async def build(url: str, size: Size, backend: str) -> tuple[Hub, list[int]]:
    """A demo hub with the owners, the recommendations (none due yet) and the concerns."""
    clock = FixedClock(NOW)
    hub = Hub.build(Settings(database_url=url), clock)
    await hub.migrate()
    await hub.load_sample()
    async with hub.database.transaction() as session:
        cst = await session.scalar(select(Partner).where(Partner.code == "CST"))
        assert cst is not None
        owners = [
            Person(
                email=f"owner{i:05d}@example.org",
                name=f"Owner {i:05d}",
                partner_id=cst.id,
                slack_user_id=f"UO{i:05d}",
                roles=[PersonRole(role="staff")],
            )
            for i in range(size.owners)
        ]
        session.add_all(owners)
        await session.flush()
        owner_ids = [owner.id for owner in owners]
        reporter = owner_ids[0]
        due_date, updated, later = (
            date(2027, 9, 1),
            NOW - timedelta(days=1),
            NOW + timedelta(days=300),
        )
        params: dict[str, object] = {
            "rows": size.recommendations,
            "first_owner": owner_ids[0],
            "owners": size.owners,
            "due_date": due_date,
            "updated": updated,
            "later": later,
        }
        if backend == "sqlite":  # raw SQL on SQLite: times as SQLAlchemy stores them
            params.update(
                due_date=due_date.isoformat(),
                updated=_sqlite_time(updated),
                later=_sqlite_time(later),
            )
        await session.execute(
            text(FILL_RECOMMENDATIONS.format(series=SERIES[backend])),
            params,
        )
        await session.execute(
            text(FILL_POSTGRES if backend == "postgresql" else FILL_SQLITE),
            {
                "rows": size.concerns,
                "reporter": reporter,
                "start": datetime(2025, 1, 1, tzinfo=UTC)
                if backend == "postgresql"
                else "2025-01-01 00:00:00",
            },
        )
    if backend == "postgresql":
        async with hub.database.engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            await connection.commit()
    return hub, owner_ids


def _sqlite_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


async def make_due(hub: Hub, owners: int, items: int) -> None:
    """Make `items` recommendations due now, all 10 of `items / 10` owners; clear the outbox.

    Item BR-i belongs to owner number i mod `owners`, so owner k holds BR-k, BR-(k + owners)...
    """
    due = [
        f"BR-{k + owners * j}"
        for k in range(1, items // ITEMS_PER_OWNER + 1)
        for j in range(ITEMS_PER_OWNER)
    ]
    async with hub.database.transaction() as session:
        await session.execute(delete(OutboxMessage))
        await session.execute(
            update(Recommendation)
            .where(Recommendation.reference.like("BR-%"))
            .values(
                next_nudge_at=NOW + timedelta(days=300),
                last_update_at=NOW - timedelta(days=1),
                last_nudged_at=None,
                unanswered_nudges=0,
            )
        )
        await session.execute(
            update(Recommendation)
            .where(Recommendation.reference.in_(due))
            .values(next_nudge_at=NOW - timedelta(minutes=1), last_update_at=None)
        )


async def make_escalations_due(hub: Hub, reporter: int, count: int) -> None:
    """`count` P2 alerts past their acknowledgement deadline; clear the outbox."""
    async with hub.database.transaction() as session:
        await session.execute(delete(OutboxMessage))
        await session.execute(delete(Concern).where(Concern.reference.like("BE-%")))
        session.add_all(
            Concern(
                reference=f"BE-{i}",
                reporter_id=reporter,
                category="hate_graffiti",
                description="bench",
                location_text="Elm Road",
                street_key="elm road",
                postcode_sector="",
                location_type="street_furniture",
                seen_at=NOW - timedelta(hours=3),
                answers={},
                priority="P2",
                reasons=["targets a group: race"],
                status="new",
                created_at=NOW - timedelta(hours=3),
                ack_due_at=NOW - timedelta(hours=1),
            )
            for i in range(count)
        )


async def until_done(
    hub: Hub, sweep: Callable[[UnitOfWork], Awaitable[T]], idle: Callable[[T], bool]
) -> tuple[float, int]:
    """Run `sweep`, each time in its own transaction as the scheduler does, until a run finds
    nothing due (`idle` says so): the seconds it took and the sweeps that did something."""
    started = time.perf_counter()
    for runs in range(MAX_SWEEPS):
        if idle(await hub.run(sweep)):
            return time.perf_counter() - started, runs
    raise RuntimeError("the sweep never ran dry")


def _no_owners(report: nudges.NudgeReport) -> bool:
    return report.owners == 0


def _none(escalated: int) -> bool:
    return escalated == 0


async def outbox_rows(hub: Hub) -> int:
    async with hub.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


async def measure(backend: str, server: str, scale: float) -> None:
    print(f"\n{backend}:")
    for full in SIZES:
        size = Size(
            full.name,
            scaled(full.recommendations, scale, ITEMS_PER_OWNER),
            scaled(full.concerns, scale),
        )
        async with scratch_database(backend, server) as url:
            started = time.perf_counter()
            hub, owner_ids = await build(url, size, backend)
            print(
                f"  {size.name} hub: {size.recommendations:,} recommendations, {size.owners:,} "
                f"owners, {size.concerns:,} concerns (built in {time.perf_counter() - started:.0f} s)"
            )
            try:
                for due in (scaled(n, scale, ITEMS_PER_OWNER) for n in NUDGES_DUE):
                    await make_due(hub, size.owners, due)
                    seconds, sweeps = await until_done(hub, nudges.sweep, _no_owners)
                    print(
                        f"    nudge sweep, {due:>6,} items due: {seconds:6.2f} s in {sweeps} sweeps, "
                        f"{await outbox_rows(hub):,} nudges queued"
                    )
                for due in (scaled(n, scale) for n in ALERTS_OVERDUE):
                    await make_escalations_due(hub, owner_ids[0], due)
                    seconds, sweeps = await until_done(hub, prevent_sweeps.escalate_due, _none)
                    print(
                        f"    escalation sweep, {due:>5,} alerts overdue: {seconds:6.2f} s in "
                        f"{sweeps} sweeps, {await outbox_rows(hub):,} alerts queued"
                    )
            finally:
                await hub.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every size and count")
    args = parser.parse_args()
    print(f"Sweeps at scale on {machine()}")
    print("Target: 10,000 due items claimed and enqueued in under 2 s (large hub)")
    for backend in args.backend:
        await measure(backend, args.postgres, args.scale)


if __name__ == "__main__":
    asyncio.run(main())
