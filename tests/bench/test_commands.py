"""The benchmark commands run from a checkout and print their figures (at toy sizes here).

Speed is never asserted: the machine is shared. What is asserted is what someone running the
documented command relies on: it finishes, prints every figure the README's performance section
quotes, and its correctness checks (every notice delivered once) hold.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_SERVER

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"([0-9][0-9,]*(?:\.[0-9]+)?)"


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Each benchmark on both backends; PostgreSQL skips or fails like the rest of the suite."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")
    return str(request.param)


def bench(module: str, *args: str) -> str:
    """Run `python -m bench.MODULE ARGS` from the repository root; its output."""
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args, "--postgres", PG_SERVER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def figures(pattern: str, output: str) -> list[float]:
    """Every number `pattern` (with NUMBER in it) finds in `output`."""
    return [float(found.replace(",", "")) for found in re.findall(pattern, output)]


def test_inbound_turns_prints_latency_throughput_memory_and_the_ratio_to_bare_bolt(
    backend: str,
) -> None:
    replicas = "2" if backend == "postgresql" else "1"
    output = bench(
        "inbound_turns",
        "--backend", backend, "--replicas", replicas, "--users", "12", "--rate", "20",
        "--seconds", "1", "--concurrency", "4", "--saturate-seconds", "1",
    )  # fmt: skip
    served_as = "2 replicas" if replicas == "2" else "one process"
    assert f"{backend}, saferhub serve as {served_as}" in output
    assert figures(r", (\d+) not acknowledged with 200\)", output) == [0]
    assert len(figures(r"ack latency +p50 +" + NUMBER, output)) == 2
    assert len(figures(r"full turn \(event -> reply posted\) +p50 +" + NUMBER, output)) == 2
    [turns] = figures(r"sustained full turns/s +" + NUMBER, output)
    [rss] = figures(r"peak RSS of a server process +" + NUMBER + " MB", output)
    [bare] = figures(r"bare bolt AsyncApp \(verify \+ ack, empty handler\): +" + NUMBER, output)
    [ratio] = figures(r"ratio: Saferhub full turns/s / bare bolt acks/s = " + NUMBER, output)
    assert turns > 0 and bare > 0 and rss > 0
    assert ratio == pytest.approx(turns / bare, abs=0.006)


def test_sweeps_print_the_time_for_each_number_due_in_both_hub_sizes(backend: str) -> None:
    output = bench("sweeps", "--backend", backend, "--scale", "0.01")
    assert "small hub: 200 recommendations, 20 owners, 100 concerns" in output
    assert "large hub: 1,000 recommendations, 100 owners, 10,000 concerns" in output
    assert len(figures(r"nudge sweep, +" + NUMBER + " items due", output)) == 4
    assert len(figures(r"escalation sweep, +" + NUMBER + " alerts overdue", output)) == 4
    # The last run in each hub re-sends every overdue alert to the sample's two managers.
    assert figures(NUMBER + " alerts queued", output)[1::2] == [20, 20]


def test_outbox_delivery_reports_every_notice_delivered_exactly_once(backend: str) -> None:
    output = bench(
        "outbox_delivery",
        "--backend", backend, "--notices", "100", "--recipients", "100", "--throttle-every", "25",
    )  # fmt: skip
    assert f"{backend}: 100 notices to 100 people, 2 dispatcher(s)" in output
    assert len(figures(NUMBER + " notices/s", output)) == 1
    assert "each notice exactly once: yes (0 missing, 0 twice, 0 still pending)" in output


def test_triage_at_scale_prints_percentiles_per_table_size_against_the_smallest(
    backend: str,
) -> None:
    output = bench(
        "triage_at_scale", "--backend", backend, "--rows", "100", "1000", "--samples", "5"
    )
    assert "1,000 concerns" in output
    assert len(figures(r"triage \(neighbour lookup \+ rules\) +p50 +" + NUMBER, output)) == 2
    assert len(figures(r"whole record .* p95 +" + NUMBER, output)) == 2
    assert len(figures(r"triage p50 is x" + NUMBER + " of the smallest table's", output)) == 2
