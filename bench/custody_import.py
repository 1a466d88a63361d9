"""Rows/s of ``flask custody import``: 1,000,000 rows into SQLite and PostgreSQL, then 1% changes.

Usage: bench/import [--rows 1000000] [--database-url postgresql://...] [--skip-postgres]
Target: at least 20,000 rows/s on the first pass.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import add_busy_flag, add_postgres_server_flag, require_quiet_machine, scratch_postgres
from commands.custody import write_demo_files
from models import migrate
from models.base import Database
from workers.imports import import_custody, import_facilities

TARGET = 20_000
STATUS_CYCLE = {"in custody": "transferred", "transferred": "released", "released": "in custody"}


def write_changes(source: Path, target: Path, every: int = 100) -> int:
    """Copy the feed with every ``every``-th record moved on (status, facility, time): 1% by default."""
    changed = 0
    with source.open(encoding="utf-8", newline="") as inp, target.open("w", encoding="utf-8", newline="") as out:
        reader, writer = csv.reader(inp), csv.writer(out)
        writer.writerow(next(reader))
        for index, row in enumerate(reader):
            if index % every == every - 1:
                status = STATUS_CYCLE.get(row[5], "in custody")
                row[5] = status
                row[6] = "DEMOKRM" if status in ("in custody", "transferred") else ""
                row[7] = "2026-11-20T12:00:00Z"
                changed += 1
            writer.writerow(row)
    return changed


def run(url: str, facilities: Path, first: Path, second: Path, rows: int) -> tuple[float, float]:
    """Import both files into ``url``; returns rows/s of each pass."""
    migrate.upgrade(url)
    database = Database(url)
    try:
        with facilities.open(encoding="utf-8", newline="") as handle:
            import_facilities(database, handle)
        rates = []
        for label, path in (("first pass", first), ("1% changes", second)):
            started, cpu = time.perf_counter(), time.process_time()
            with path.open(encoding="utf-8", newline="") as handle:
                summary = import_custody(database, handle, path.name)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            rates.append(rows / seconds)
            # CPU seconds of this process too: on a shared machine wall time also measures the neighbours.
            print(
                f"  {label:<11} {seconds:6.1f} s  {rows / seconds:9,.0f} rows/s  (importer CPU {cpu:5.1f} s)   "
                f"inserted {summary.inserted:,} "
                f"changed {summary.changed:,} unchanged {summary.unchanged:,} rejected {len(summary.rejected)} "
                f"events {summary.events:,}"
            )
        return rates[0], rates[1]
    finally:
        database.dispose()


def main() -> int:
    """Generate the files, import them into each database, print rows/s."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    add_postgres_server_flag(parser)
    add_busy_flag(parser)
    args = parser.parse_args()
    require_quiet_machine(args.allow_busy)

    ok = True
    print("load average at start: {:.1f} {:.1f} {:.1f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    with tempfile.TemporaryDirectory(prefix="voice-bench-import-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        facilities, first = write_demo_files(folder, args.rows)
        second = folder / "custody-changes.csv"
        changed = write_changes(first, second)
        seconds = time.perf_counter() - started
        print(f"generated {args.rows:,} rows (and a copy with {changed:,} changed) in {seconds:.1f} s")

        print("SQLite")
        sqlite_first, _ = run(f"sqlite:///{folder / 'bench.db'}", facilities, first, second, args.rows)
        ok &= sqlite_first >= TARGET

        if not args.skip_postgres:
            with scratch_postgres(args.database_url, "voice_bench_import") as url:
                print("PostgreSQL")
                pg_first, _ = run(url, facilities, first, second, args.rows)
                ok &= pg_first >= TARGET
    print(f"target: >= {TARGET:,} rows/s on the first pass: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
