"""How long a new concern's triage takes (cluster lookup included) as the concern table grows.

Fills a scratch database with N synthetic concerns spread over 400 streets, 120 postcode sectors
and two years, then records new concerns through the real service (triage, reference, audit,
outbox) and prints p50/p95/p99 per concern. Run at two sizes to see that the cost follows the
neighbours found, not the table size:

    python bench/triage_at_scale.py --rows 10000 1000000 [--postgres URL] [--samples 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

from bot.clock import FixedClock
from bot.config import Settings
from bot.hub import Hub
from bot.services.concerns import record_concern
from bot.services.triage import Flags, Neighbour, place_of, triage
from storage import records
from storage.database import Database
from storage.models import Person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANSWERS = {
    "danger_now": "no",
    "about_person": "no",
    "category": "hate_sticker",
    "description": "bench",
    "location_type": "street_furniture",
    "still_there": "yes",
    "extent": "single",
    "targets": ["race"],
    "threat_violence": "no",
    "names_target": "no",
    "terror_reference": "no",
    "photos": None,
    "already_reported": "none",
    "removal_requested": "no",
    "show_name": "no",
    "marking": "official",
}

FILL_SQLITE = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows)
INSERT INTO concern (reference, reporter_id, category, description, location_text, street_key,
  postcode_sector, location_type, seen_at, answers, priority, reasons, status, marking, created_at,
  escalation_level, fold_count, outcome, version)
SELECT 'BN-' || i, :reporter, 'hate_sticker', 'synthetic', 'street ' || (i % 400), 'street ' || (i % 400),
  'EC' || (i % 120) || ' 1', 'wall_bridge', datetime(:start, '+' || (i % 730) || ' days'), '{}', 'P3', '[]',
  'closed', 'official', datetime(:start, '+' || (i % 730) || ' days'), 0, 0, '', 1 FROM n
"""
FILL_POSTGRES = """
INSERT INTO concern (reference, reporter_id, category, description, location_text, street_key,
  postcode_sector, location_type, seen_at, answers, priority, reasons, status, marking, created_at,
  escalation_level, fold_count, outcome, version)
SELECT 'BN-' || i, :reporter, 'hate_sticker', 'synthetic', 'street ' || (i % 400), 'street ' || (i % 400),
  'EC' || (i % 120) || ' 1', 'wall_bridge', CAST(:start AS timestamptz) + (i % 730) * interval '1 day', '{}', 'P3', '[]',
  'closed', 'official', CAST(:start AS timestamptz) + (i % 730) * interval '1 day', 0, 0, '', 1
FROM generate_series(1, :rows) AS i
"""


async def scratch(kind: str, server: str, tag: str) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:////tmp/saferhub-bench-{tag}.db"
    name = f"saferhub_bench_{tag}"
    admin = Database(server)
    async with admin.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return server.rsplit("/", 1)[0] + f"/{name}"


async def measure(url: str, rows: int, samples: int, postgres: bool) -> dict[str, float]:
    clock = FixedClock(NOW)
    hub = Hub.build(Settings(database_url=url), clock)
    await hub.migrate()
    await hub.load_sample()
    async with hub.database.transaction() as session:
        reporter = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
        started = time.perf_counter()
        await session.execute(
            text(FILL_POSTGRES if postgres else FILL_SQLITE),
            {
                "rows": rows,
                "reporter": reporter.id,
                "start": datetime(2025, 1, 1, tzinfo=UTC) if postgres else "2025-01-01 00:00:00",
            },
        )
    fill = time.perf_counter() - started
    if postgres:
        async with hub.database.engine.connect() as connection:
            await connection.execute(text("ANALYZE concern"))
            await connection.commit()
    triage_ms, record_ms = [], []
    config = hub.settings.triage
    window = timedelta(days=max(config.repeat_days, config.cluster_days))
    for i in range(samples):
        clock.advance(minutes=37)
        answers = {
            **ANSWERS,
            "location": {"text": f"street {i % 400}", "postcode": None, "lat": None, "lon": None},
            "seen_at": clock.now().isoformat(),
        }
        place = place_of(answers["location"])
        start = time.perf_counter()
        async with hub.database.transaction() as session:
            found = await records.concerns_near(
                session,
                since=clock.now() - window,
                street_key=place.street_key,
                postcode_sector=place.postcode_sector,
                box=None,
            )
            neighbours = [
                Neighbour(c.reference, place_of({"text": c.location_text}), c.seen_at)
                for c in found
            ]
            triage(answers, place, clock.now(), neighbours, Flags(), config)
        triage_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        async with hub.unit() as uow:
            await record_concern(uow, reporter, answers, platform="bench")
        record_ms.append((time.perf_counter() - start) * 1000)
    await hub.close()
    return {"fill_s": fill, **percentiles("triage", triage_ms), **percentiles("record", record_ms)}


def percentiles(name: str, values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        f"{name}_p50": statistics.median(ordered),
        f"{name}_p95": ordered[int(len(ordered) * 0.95) - 1],
        f"{name}_p99": ordered[int(len(ordered) * 0.99) - 1],
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="server URL, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
    )
    args = parser.parse_args()
    kind = "postgresql" if args.postgres else "sqlite"
    print(
        f"triage of a new concern ({kind}, {args.samples} samples each); target p95 < 20 ms at 1,000,000 rows"
    )
    baseline = None
    for rows in args.rows:
        tag = uuid.uuid4().hex[:8]
        url = await scratch(kind, args.postgres or "", tag)
        figures = await measure(url, rows, args.samples, bool(args.postgres))
        baseline = baseline or figures["triage_p50"]
        print(f"  {rows:>9,} concerns (filled in {figures['fill_s']:.1f} s):")
        for name, label in (
            ("triage", "triage (neighbour lookup + rules)"),
            ("record", "whole record (triage, reference, audit, outbox, commit)"),
        ):
            print(
                f"    {label:<58} p50 {figures[name + '_p50']:6.2f} ms  p95 {figures[name + '_p95']:6.2f} ms  p99 {figures[name + '_p99']:6.2f} ms"
            )
        print(f"    triage p50 is x{figures['triage_p50'] / baseline:.2f} of the smallest table's")
        if kind == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"/tmp/saferhub-bench-{tag}.db{suffix}").unlink(missing_ok=True)
        else:
            admin = Database(args.postgres)
            async with admin.engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(
                    text(f'DROP DATABASE IF EXISTS "saferhub_bench_{tag}" WITH (FORCE)')
                )
            await admin.dispose()


if __name__ == "__main__":
    asyncio.run(main())
