"""The referral directory at country scale: 100,000 services, the nearest-three query, the signed voice step.

1. Generates an HSDS directory of ``--services`` services spread over random US ZIP codes and
   imports it with ``flask referrals import``'s own importer (the import time is printed too).
2. In-process: the nearest-three query (``models.directory.nearest``) for random ZIP codes and
   categories → p50/p99 in milliseconds. Target: p99 < 20 ms.
3. Over HTTP under gunicorn: the signed step where the caller picks a category and hears the three
   nearest services (signature, the search, TwiML) vs bare Flask in the same run. Target: ≥ 0.4 of bare.

Usage: bench/referrals [--services 100000] [--queries 2000] [--seconds 10] [--connections 64] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import embedded_backend, free_port, gunicorn, report, run_wrk, sealed_path, sign_requests, voice_form
from commands.referrals import generated_rows, write_hsds
from models.base import Database, utcnow
from models.directory import CATEGORIES, SearchQuery, nearest
from models.hsds import import_directory
from models.places import Place, all_places

PER_PLACE = 5


def load_directory(url: str, services: int, folder: Path, rng: random.Random) -> list[Place]:
    """Generate and import ``services`` services; returns the ZIP places they were put around."""
    places = rng.sample(all_places(), max(1, services // PER_PLACE))
    write_hsds(folder, generated_rows(places, PER_PLACE, seed=rng.randrange(1 << 30)))
    database = Database(url)
    try:
        with database.session() as session:
            summary = import_directory(session, folder)
    finally:
        database.dispose()
    print("  " + "\n  ".join(summary.lines()))
    return places


def query_latencies(url: str, zips: list[Place], queries: int, rng: random.Random) -> list[float]:
    """Milliseconds per nearest-three query for random ZIP codes and categories (None = any category)."""
    database = Database(url)
    timings = []
    try:
        with database.session() as session:
            for _ in range(queries):
                place = rng.choice(zips)
                category = rng.choice([*CATEGORIES[:-1], None])
                started = time.perf_counter()
                nearest(session, SearchQuery(place.latitude, place.longitude, category, "es", 60.0, now=utcnow()))
                timings.append((time.perf_counter() - started) * 1000)
    finally:
        database.dispose()
    return timings


def step_requests(zips: list[Place], count: int, rng: random.Random) -> list[tuple[str, dict[str, str]]]:
    """(path with the call's state, form) for the category choice that reads the nearest three."""
    out = []
    for i in range(count):
        place = rng.choice(zips)
        # The ZIP rides sealed in the action URL, as the hotline renders it (a plain one would be ignored).
        state = {"n": "referrals.category", "t": "0", "l": rng.choice(["en", "es"]), "zip": place.zip}
        form = voice_form(f"+1312555{i % 10000:04d}", Digits=str(rng.randint(1, 4)))
        out.append((sealed_path("/voice/step", state), form))
    return out


# The beginnings of referrals.found and referrals.nothing_near, in English and Spanish.
SEARCHED = (
    "Here are the nearest services",
    "We did not find that kind",
    "Estos son los servicios",
    "No encontramos ese tipo",
)


def warm_up(url: str, signed: list, limit_seconds: float = 180) -> None:
    """Wait until every worker has loaded the ZIP table (each loads it once, in the background, at start)."""
    import requests as http

    deadline = time.monotonic() + limit_seconds
    quick = 0
    while quick < 10 and time.monotonic() < deadline:
        for item in signed:
            started = time.monotonic()
            http.post(
                url + item.path,
                data=item.body,
                headers={"X-Twilio-Signature": item.signature, "Content-Type": "application/x-www-form-urlencoded"},
                timeout=60,
            )
            quick = quick + 1 if time.monotonic() - started < 0.5 else 0
            if quick >= 10:
                break
    # The step must really search: each answer is the list or "nothing of that kind near", in either language.
    searched = 0
    for item in signed:
        answer = http.post(
            url + item.path,
            data=item.body,
            headers={"X-Twilio-Signature": item.signature, "Content-Type": "application/x-www-form-urlencoded"},
            timeout=60,
        ).text
        searched += any(words in answer for words in SEARCHED)
    print(f"answers that searched around the caller's ZIP code: {searched} of {len(signed)}")
    if searched < len(signed):
        raise SystemExit("the step did not search for every request: not measuring")


def main() -> int:
    """Load, measure the query in-process, then the voice step against bare Flask."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    rng = random.Random(20261130)

    print(f"referral directory: {args.services:,} services, {args.connections} connections, {args.seconds} s each")
    print("load average at start: {:.1f} {:.1f} {:.1f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    with (
        tempfile.TemporaryDirectory(prefix="voice-bench-referrals-") as tmp,
        embedded_backend(args.database_url) as env,
    ):
        started = time.perf_counter()
        load_directory(env["DATABASE_URL"], args.services, Path(tmp), rng)
        print(f"generated and imported {args.services:,} services in {time.perf_counter() - started:.1f} s")
        # Callers are anywhere in the country, not only where services are.
        callers = rng.sample(all_places(), 5000)
        timings = query_latencies(env["DATABASE_URL"], callers, args.queries, rng)
        p50 = statistics.median(timings)
        p99 = statistics.quantiles(timings, n=100)[98]
        print(f"nearest three in-process ({args.queries} random ZIPs): p50 {p50:.2f} ms, p99 {p99:.2f} ms "
              f"(target < 20 ms): {'met' if p99 < 20 else 'NOT met'}")  # fmt: skip

        requests = step_requests(callers, 2000, rng)
        with gunicorn("bench.bare:app") as bare_url:
            forms = [form for _, form in requests]
            run_wrk(bare_url, sign_requests(bare_url, "/voice/step", forms[:10]), 2, args.connections)
            bare = run_wrk(bare_url, sign_requests(bare_url, "/voice/step", forms), args.seconds, args.connections)
        print(report("bare Flask (constant TwiML)", bare, bare))
        port = free_port()
        env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
        with gunicorn("app:create_app()", env, port=port) as url:
            signed = []
            for path, form in requests:
                signed += sign_requests(url, path, [form])
            warm_up(url, signed[:50])
            run_wrk(url, signed[:50], seconds=2, connections=args.connections)
            hotline = run_wrk(url, signed[50:], args.seconds, args.connections)
    print(report("hotline nearest-three step", hotline, bare))
    ratio = hotline.requests_per_second / bare.requests_per_second
    print(f"ratio {ratio:.2f} (target >= 0.40): {'met' if ratio >= 0.4 else 'NOT met'}")
    return 0 if hotline.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
