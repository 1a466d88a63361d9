"""The referral directory at country scale: 100,000 services (or a real directory), the nearest three, the voice step.

1. Generates an HSDS directory of ``--services`` services spread over random US ZIP codes (or reads a real
   one with ``--hsds PATH``: a folder, zip or datapackage.json) and imports it with ``flask referrals
   import``'s own importer, which also computes the nearest services per ZIP code and category.
2. In-process: the read a caller's step does (``models.directory.read_nearest``, one row by its key) for
   random ZIP codes and categories → p50/p99 in milliseconds (target: p99 < 5 ms); the live search the
   dashboard uses (``nearest``) is timed beside it for comparison.
3. Over HTTP under gunicorn: the signed step where the caller picks a category and hears the three
   nearest services (signature, the read, TwiML) vs bare Flask in the same run. Target: ≥ 0.4 of bare.

Usage: bench/referrals [--services 100000 | --hsds PATH] [--queries 2000] [--seconds 10] [--connections 64]
                       [--database-url URL] [--allow-busy]
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

from sqlalchemy import select

from bench.harness import (
    add_busy_flag,
    embedded_backend,
    free_port,
    gunicorn,
    report,
    require_quiet_machine,
    run_wrk,
    sealed_path,
    sign_requests,
    voice_form,
)
from commands.referrals import generated_rows, write_hsds
from models.base import Database, utcnow
from models.directory import CATEGORIES, NearestList, SearchQuery, nearest, read_nearest
from models.hsds import import_directory
from models.places import Place, all_places, place_for_zip

PER_PLACE = 5


def load_directory(url: str, services: int, folder: Path, rng: random.Random, hsds: Path | None) -> None:
    """Generate and import ``services`` services (or import the real directory ``hsds``)."""
    if hsds is None:
        places = rng.sample(all_places(), max(1, services // PER_PLACE))
        write_hsds(folder, generated_rows(places, PER_PLACE, seed=rng.randrange(1 << 30)))
    database = Database(url)
    try:
        with database.session() as session:
            summary = import_directory(session, hsds or folder, max_miles=60.0)
    finally:
        database.dispose()
    print("  " + "\n  ".join(summary.lines()))


def caller_places(url: str, rng: random.Random, real: bool) -> list[Place]:
    """Where callers call from: anywhere in the country for the generated directory; for a real one, the ZIP
    codes that have services within reach (a caller elsewhere hears "nothing near" after the same one read)."""
    if not real:
        return rng.sample(all_places(), 5000)
    database = Database(url)
    try:
        with database.session() as session:
            zips = sorted(set(session.scalars(select(NearestList.zip))))
    finally:
        database.dispose()
    return [p for p in map(place_for_zip, zips) if p is not None]


def query_latencies(url: str, zips: list[Place], queries: int, rng: random.Random, live: bool) -> list[float]:
    """Milliseconds per nearest-three read (or live search) for random ZIP codes and categories (None = any)."""
    database = Database(url)
    timings = []
    try:
        with database.session() as session:
            for _ in range(queries):
                place = rng.choice(zips)
                category = rng.choice([*CATEGORIES[:-1], None])
                started = time.perf_counter()
                if live:
                    nearest(session, SearchQuery(place.latitude, place.longitude, category, "es", 60.0, now=utcnow()))
                else:
                    read_nearest(session, place.zip, category, "es", 60.0, utcnow())
                timings.append((time.perf_counter() - started) * 1000)
    finally:
        database.dispose()
    return timings


def percentiles(timings: list[float]) -> tuple[float, float]:
    """p50 and p99 of the timings."""
    return statistics.median(timings), statistics.quantiles(timings, n=100)[98]


def step_requests(
    zips: list[Place], count: int, rng: random.Random, digits: str | None = None
) -> list[tuple[str, dict[str, str]]]:
    """(path with the call's state, form) for the category choice that reads the nearest three (``digits``
    "5": the same menu's "more kinds", a step that reads nothing, to show what the read itself costs)."""
    out = []
    for i in range(count):
        place = rng.choice(zips)
        # The ZIP rides sealed in the action URL, as the hotline renders it (a plain one would be ignored).
        state = {"n": "referrals.category", "t": "0", "l": rng.choice(["en", "es"]), "zip": place.zip}
        form = voice_form(f"+1312555{i % 10000:04d}", Digits=digits or str(rng.randint(1, 4)))
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
    """Load, measure the read in-process, then the voice step against bare Flask."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--hsds", type=Path, help="a real HSDS directory instead of the generated one")
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    add_busy_flag(parser)
    args = parser.parse_args()
    rng = random.Random(20261130)

    what = str(args.hsds) if args.hsds else f"{args.services:,} generated services"
    print(f"referral directory: {what}, {args.connections} connections, {args.seconds} s each")
    require_quiet_machine(args.allow_busy)
    with (
        tempfile.TemporaryDirectory(prefix="voice-bench-referrals-") as tmp,
        embedded_backend(args.database_url) as env,
    ):
        started = time.perf_counter()
        load_directory(env["DATABASE_URL"], args.services, Path(tmp), rng, args.hsds)
        print(f"imported, with the nearest lists computed, in {time.perf_counter() - started:.1f} s")
        callers = caller_places(env["DATABASE_URL"], rng, real=args.hsds is not None)
        p50, p99 = percentiles(query_latencies(env["DATABASE_URL"], callers, args.queries, rng, live=False))
        print(f"nearest three, precomputed read ({args.queries} random ZIPs): p50 {p50:.2f} ms, p99 {p99:.2f} ms "
              f"(target < 5 ms): {'met' if p99 < 5 else 'NOT met'}")  # fmt: skip
        live50, live99 = percentiles(query_latencies(env["DATABASE_URL"], callers, args.queries // 4, rng, live=True))
        print(f"  for comparison, the live search the dashboard uses: p50 {live50:.2f} ms, p99 {live99:.2f} ms")

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
            # Where the time goes: the same menu's step that reads nothing ("more kinds of help").
            control = []
            for path, form in step_requests(callers, 500, rng, digits="5"):
                control += sign_requests(url, path, [form])
            navigation = run_wrk(url, control, args.seconds, args.connections)
    print(report("hotline step without the read", navigation, bare))
    print(report("hotline nearest-three step", hotline, bare))
    ratio = hotline.requests_per_second / bare.requests_per_second
    print(f"ratio {ratio:.2f} (target >= 0.40): {'met' if ratio >= 0.4 else 'NOT met'}")
    print("load average at the end: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0 if hotline.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
