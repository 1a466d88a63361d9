"""Seconds and peak memory of the quarterly report over 1,000,000 call events and 50,000 requests.

Usage: bench/report [--events 1000000] [--requests 50000] [--database-url postgresql://...] [--skip-postgres]
Target: the report (PDF and CSV) in under 30 s.

Both the quarter and the quarter before it get the full volume (the report compares
them, so it reads both). The report runs in a child process, so its peak memory
(ru_maxrss: imports of matplotlib and WeasyPrint included) is its own. The
baseline printed beside it, from the same database in the same run, is one bare
``SELECT count(*) FROM call_events``: the floor for anything that reads the events.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bench.harness import add_postgres_server_flag, scratch_postgres
from models import migrate
from models.base import Database
from models.report import Period

TARGET_SECONDS = 30.0
QUARTER = "2026Q4"
TZ = ZoneInfo("America/New_York")


def fill(url: str, events: int, requests: int) -> None:
    """Migrate and fill the quarter and the one before with generated activity."""
    from reports.sample import generate

    migrate.upgrade(url)
    database = Database(url)
    period = Period.parse(QUARTER)
    for seed, part in ((2, period.previous()), (1, period)):
        started = time.perf_counter()
        start, end = part.bounds(TZ)
        made = generate(database, start, end, events=events, requests=requests, lookups=events // 20, seed=seed)
        print(
            f"  generated {part.label}: {made.events:,} events, {made.calls:,} calls, {made.requests:,} requests, "
            f"{made.attempts:,} attempts, {made.lookups:,} look-ups, {made.queued:,} queued calls, "
            f"{made.referrals:,} referrals, {made.registrations:,} registrations, {made.notifications:,} notifications"
            f" in {time.perf_counter() - started:.0f} s"
        )
    if database.dialect == "postgresql":
        with database.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    database.dispose()


def measure(url: str, out: Path) -> dict[str, float]:
    """In this (child) process: build the report, write PDF and CSV; timings in seconds."""
    from reports import document

    database = Database(url)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with database.engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM call_events")).scalar()
    timings["baseline_count_events"] = time.perf_counter() - started
    started = time.perf_counter()
    with database.session() as session:
        report = document.build(session, Period.parse(QUARTER), TZ, datetime.now(UTC))
    timings["queries_and_charts"] = time.perf_counter() - started
    mark = time.perf_counter()
    document.write(report, "pdf", out)
    timings["pdf"] = time.perf_counter() - mark
    mark = time.perf_counter()
    document.write(report, "csv", out)
    timings["csv"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    timings["cpu"] = time.process_time()
    return timings


def run(url: str, out: Path) -> float:
    """Measure the report against ``url`` in a child process; print and return its total seconds."""
    child = subprocess.run(
        [sys.executable, "-m", "bench.report", "--measure", url, "--out", str(out)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )  # fmt: skip
    timings = json.loads(child.stdout.strip().splitlines()[-1])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"  report {timings['total']:5.1f} s (queries + charts {timings['queries_and_charts']:.1f} s, "
        f"PDF {timings['pdf']:.1f} s, CSV {timings['csv']:.2f} s; CPU {timings['cpu']:.1f} s), "
        f"peak memory {peak_mb:.0f} MB"
    )
    print(f"  baseline: SELECT count(*) FROM call_events {timings['baseline_count_events']:.2f} s (same run)")
    return float(timings["total"])


def main() -> int:
    """Fill each database, time the report, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50_000)
    add_postgres_server_flag(parser)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.out))))
        return 0

    ok = True
    print("load average at start: {:.1f} {:.1f} {:.1f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    print(f"{args.events:,} call events and {args.requests:,} requests in each of {QUARTER} and the quarter before")
    with tempfile.TemporaryDirectory(prefix="voice-bench-report-") as tmp:
        folder = Path(tmp)
        print("SQLite")
        url = f"sqlite:///{folder / 'bench.db'}"
        fill(url, args.events, args.requests)
        ok &= run(url, folder) < TARGET_SECONDS
        if not args.skip_postgres:
            with scratch_postgres(args.database_url, "voice_bench_report") as url:
                print("PostgreSQL")
                fill(url, args.events, args.requests)
                ok &= run(url, folder) < TARGET_SECONDS
    print(f"target: the report in under {TARGET_SECONDS:.0f} s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
