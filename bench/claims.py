"""Claims/s, p99 claim latency and double claims: 20 operators work 100,000 requests in PostgreSQL.

Usage: bench/claims [DATABASE_URL] [--requests 100000] [--operators 20]
A fresh database is created on the server of DATABASE_URL (default
postgresql://postgres@127.0.0.1:5432/test, or BENCH_DATABASE_URL), migrated,
filled, worked until empty by one process per operator (claim, then complete),
and dropped. Target: p99 claim latency < 50 ms, 0 double claims.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from collections import Counter
from typing import Any

from sqlalchemy import text

from bench.harness import add_busy_flag, require_quiet_machine, scratch_postgres
from models import Operator, claims, migrate
from models.base import Database, utcnow

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def fill(url: str, requests: int, operators: int) -> list[int]:
    """Queue ``requests`` callback requests (a mix of urgent and priorities) and create the operators."""
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                """
                INSERT INTO callback_requests (phone, language, urgent, priority, field_office, source, status,
                                               created_at, updated_at, attempts)
                SELECT '+1202' || lpad(i::text, 7, '0'), CASE WHEN i % 3 = 0 THEN 'es' ELSE 'en' END,
                       i % 20 = 0, i % 4, 'WAS', 'voice', 'open',
                       now() - make_interval(secs => i), now(), 0
                FROM generate_series(1, :n) AS i
                """
            ),
            {"n": requests},
        )
        connection.execute(text("ANALYZE callback_requests"))
    with database.session() as session:
        staff = [Operator(email=f"bench{i}@voice.test", name="", role="operator") for i in range(operators)]
        session.add_all(staff)
        session.flush()
        ids = [o.id for o in staff]
    database.dispose()
    return ids


def work(url: str, operator_id: int, ready: Any, results: Any) -> None:
    """One operator: claim and complete until the queue is empty; puts ids and latencies (s) on ``results``."""
    database = Database(url, pool_size=1, max_overflow=0)
    with database.session() as session:
        operator = session.get(Operator, operator_id)
        session.expunge(operator)
    claimed: list[int] = []
    claim_times: list[float] = []
    complete_times: list[float] = []
    # Start together, once every process has imported and connected (spawning is not measured).
    ready.wait()
    while True:
        began = time.perf_counter()
        with database.session() as session:
            item = claims.claim_next(session, operator, utcnow())
            item_id = item.id if item else None
        claim_times.append(time.perf_counter() - began)
        if item_id is None:
            break
        claimed.append(item_id)
        began = time.perf_counter()
        with database.session() as session:
            claims.complete(session, item_id, operator, utcnow(), "resolved")
        complete_times.append(time.perf_counter() - began)
    database.dispose()
    results.put((claimed, claim_times[:-1], complete_times))


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def main() -> int:
    """Create, fill, work and drop the benchmark database; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url", nargs="?", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--operators", type=int, default=20)
    add_busy_flag(parser)
    args = parser.parse_args()
    require_quiet_machine(args.allow_busy)

    with scratch_postgres(args.url, "voice_bench_claims") as url:
        migrate.upgrade(url)
        began = time.perf_counter()
        operator_ids = fill(url, args.requests, args.operators)
        print(f"queued {args.requests:,} requests in {time.perf_counter() - began:.1f} s", flush=True)
        context = multiprocessing.get_context("spawn")
        ready = context.Barrier(args.operators + 1)
        queue = context.Queue()
        workers = [context.Process(target=work, args=(url, op, ready, queue)) for op in operator_ids]
        for process in workers:
            process.start()
        ready.wait()
        start = time.perf_counter()
        results = [queue.get() for _ in workers]
        elapsed = time.perf_counter() - start
        for process in workers:
            process.join()
        claimed = [i for ids, _, _ in results for i in ids]
        claim_times = [t for _, times, _ in results for t in times]
        complete_times = [t for _, _, times in results for t in times]
        doubles = sum(1 for n in Counter(claimed).values() if n > 1)
        database = Database(url)
        with database.engine.connect() as connection:
            left = connection.execute(text("SELECT count(*) FROM callback_requests WHERE status <> 'closed'")).scalar()
            history_doubles = connection.execute(
                text(
                    "SELECT count(*) FROM (SELECT request_id FROM callback_history WHERE event = 'claimed' "
                    "GROUP BY request_id HAVING count(*) > 1) AS d"
                )
            ).scalar()
        database.dispose()
        p99 = percentile(claim_times, 99) * 1000
        print(f"operators            {args.operators} (one process each)")
        print(f"requests claimed     {len(claimed):,} (left open: {left})")
        print(f"elapsed              {elapsed:.1f} s")
        print(f"claims/s             {len(claimed) / elapsed:,.0f}  (each followed by a complete)")
        print(f"claim latency        p50 {statistics.median(claim_times) * 1000:.1f} ms, p99 {p99:.1f} ms")
        print(f"complete latency     p50 {statistics.median(complete_times) * 1000:.1f} ms, "
              f"p99 {percentile(complete_times, 99) * 1000:.1f} ms")  # fmt: skip
        print(f"double claims        {doubles} (history: {history_doubles})")
        print(f"target p99 < 50 ms   {'met' if p99 < 50 else 'NOT met'}")
        return 0 if doubles == 0 and history_doubles == 0 and left == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
