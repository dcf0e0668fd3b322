"""How long a new concern's triage takes (cluster lookup included) as the concern table grows.

Fills a scratch database with N synthetic concerns spread over 400 streets, 120 postcode sectors
and two years, then records new concerns through the real service (triage, reference, audit,
outbox) and prints p50/p95/p99 per concern. Run at two sizes to see that the cost follows the
neighbours found, not the table size:

    python -m bench.triage_at_scale [--backend sqlite postgresql] [--postgres URL]
        [--rows 10000 1000000] [--samples 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from bench.common import DEFAULT_POSTGRES, machine, percentile, scratch_database
from bot.clock import FixedClock
from bot.config import Settings
from bot.conversation.hub import Hub
from bot.prevent.concerns import record_concern
from bot.prevent.triage import Flags, Neighbour, place_of, triage
from dialogs.messages import JsonValue
from storage import records
from storage.models import Person

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ANSWERS: dict[str, JsonValue] = {
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
  escalation_level, fold_count, outcome, removal_note, version)
SELECT 'BN-' || i, :reporter, 'hate_sticker', 'synthetic', 'street ' || (i % 400), 'street ' || (i % 400),
  'EC' || (i % 120) || ' 1', 'wall_bridge', datetime(:start, '+' || (i % 730) || ' days'), '{}', 'P3', '[]',
  'closed', 'official', datetime(:start, '+' || (i % 730) || ' days'), 0, 0, '', '', 1 FROM n
"""
FILL_POSTGRES = """
INSERT INTO concern (reference, reporter_id, category, description, location_text, street_key,
  postcode_sector, location_type, seen_at, answers, priority, reasons, status, marking, created_at,
  escalation_level, fold_count, outcome, removal_note, version)
SELECT 'BN-' || i, :reporter, 'hate_sticker', 'synthetic', 'street ' || (i % 400), 'street ' || (i % 400),
  'EC' || (i % 120) || ' 1', 'wall_bridge', CAST(:start AS timestamptz) + (i % 730) * interval '1 day', '{}', 'P3', '[]',
  'closed', 'official', CAST(:start AS timestamptz) + (i % 730) * interval '1 day', 0, 0, '', '', 1
FROM generate_series(1, :rows) AS i
"""


async def measure(url: str, rows: int, samples: int, postgres: bool) -> dict[str, float]:
    clock = FixedClock(NOW)
    hub = Hub.build(Settings(database_url=url), clock)
    await hub.migrate()
    await hub.load_sample()
    async with hub.database.transaction() as session:
        reporter = await session.scalar(select(Person).where(Person.email == "alex@example.org"))
        assert reporter is not None, "the sample directory has alex@example.org"
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
        location: dict[str, JsonValue] = {
            "text": f"street {i % 400}",
            "postcode": None,
            "lat": None,
            "lon": None,
        }
        answers = {**ANSWERS, "location": location, "seen_at": clock.now().isoformat()}
        place = place_of(location)
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
    return {
        f"{name}_p50": statistics.median(values),
        f"{name}_p95": percentile(values, 0.95),
        f"{name}_p99": percentile(values, 0.99),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    print(f"Triage of a new concern on {machine()}, {args.samples} samples each")
    print("Target: triage p95 < 20 ms at 1,000,000 concerns")
    for backend in args.backend:
        print(f"\n{backend}:")
        baseline = None
        for rows in args.rows:
            async with scratch_database(backend, args.postgres) as url:
                figures = await measure(url, rows, args.samples, backend == "postgresql")
            baseline = baseline or figures["triage_p50"]
            print(f"  {rows:>9,} concerns (filled in {figures['fill_s']:.1f} s):")
            for name, label in (
                ("triage", "triage (neighbour lookup + rules)"),
                ("record", "whole record (triage, reference, audit, outbox, commit)"),
            ):
                print(
                    f"    {label:<58} p50 {figures[name + '_p50']:6.2f} ms  "
                    f"p95 {figures[name + '_p95']:6.2f} ms  p99 {figures[name + '_p99']:6.2f} ms"
                )
            print(
                f"    triage p50 is x{figures['triage_p50'] / baseline:.2f} of the smallest table's"
            )


if __name__ == "__main__":
    asyncio.run(main())
