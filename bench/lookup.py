"""Requests/s and p99 of the signed custody look-ups with 1,000,000 records, vs bare Flask: keypad and SMS.

Keypad: the caller pressing the country key at ``custody.country``. The webhook checks
the signature, runs the look-up (limits query, record query, audit insert, commit) and
renders the answer. Every request is a different call and caller, for a record that
exists, so no limit is hit.

SMS: ``STATUS A<number> <country>`` texted to ``/sms/incoming`` from a new number each
time, each with its own MessageSid (a MessageSid seen before is a duplicate delivery, answered
from the stored reply without a look-up), so every request is a look-up; enough distinct
texts are signed for the whole run.

Usage: bench/lookup [--records 1000000] [--seconds 10] [--connections 64] [--database-url URL]
Target: at least 0.4 of bare on SQLite (0.25 on PostgreSQL), p99 under 50 ms, for both.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

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
from callflows.countries import COMMON_COUNTRIES, country_name
from commands.custody import write_demo_files
from models.base import Database
from workers.imports import import_custody, import_facilities

HELD = {"in custody", "transferred"}


def load_records(url: str, count: int, folder: Path, limit: int = 4000) -> list[tuple[str, str]]:
    """Import ``count`` generated records; returns (A-number, country key) pairs of up to ``limit`` people held."""
    facilities, custody = write_demo_files(folder, count)
    database = Database(url)
    try:
        with facilities.open(encoding="utf-8", newline="") as handle:
            import_facilities(database, handle)
        with custody.open(encoding="utf-8", newline="") as handle:
            import_custody(database, handle, "bench")
    finally:
        database.dispose()
    keys = {code: str(i) for i, code in enumerate(COMMON_COUNTRIES, start=1)}
    wanted: list[tuple[str, str]] = []
    with custody.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["status"] in HELD and row["country_of_birth"] in keys:
                wanted.append((row["a_number"][1:], keys[row["country_of_birth"]]))
                if len(wanted) >= limit:
                    break
    return wanted


def lookup_requests(people: list[tuple[str, str]]) -> list[tuple[str, dict[str, str]]]:
    """(path with the call's state, form) for each look-up: a new call and caller every time."""
    requests = []
    for i, (a_number, key) in enumerate(people):
        state = {"n": "custody.country", "t": "0", "l": "en", "a_number": a_number}
        form = voice_form(f"+1312555{i % 10000:04d}", Digits=key)
        requests.append((sealed_path("/voice/step", state), form))
    return requests


# Every texted look-up comes from a number never seen before: 555 numbers (reserved, assigned to
# nobody's line) in ten area codes, 100,000 in all.
SENDERS = itertools.count()
SENDER_AREAS = ("202", "312", "415", "617", "713", "305", "206", "404", "512", "720")


def new_sender() -> str:
    """A texter's number this run has not used yet."""
    n = next(SENDERS)
    return f"+1{SENDER_AREAS[n // 10_000 % len(SENDER_AREAS)]}555{n % 10_000:04d}"


def sms_form(sender: str, body: str) -> dict[str, str]:
    """An incoming text's form as Twilio posts it: a new MessageSid from ``sender`` to the hotline."""
    sid = "SM" + secrets.token_hex(16)
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+18554886423",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }


def sms_lookup_requests(people: list[tuple[str, str]], count: int) -> list[tuple[str, dict[str, str]]]:
    """(path, form) of ``count`` texted look-ups of ``people`` in turn, each from a new number."""
    requests = []
    for (a_number, key), _ in zip(itertools.cycle(people), range(count), strict=False):
        country = country_name(COMMON_COUNTRIES[int(key) - 1], "en").upper()
        requests.append(("/sms/incoming", sms_form(new_sender(), f"STATUS A{a_number} {country}")))
    return requests


def main() -> int:
    """Load the records, run both servers in turn, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    add_busy_flag(parser)
    args = parser.parse_args()
    require_quiet_machine(args.allow_busy)

    print(f"signed look-ups, {args.records:,} records, {args.connections} connections, {args.seconds} s each")
    print("load average at start: {:.1f} {:.1f} {:.1f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    with tempfile.TemporaryDirectory(prefix="voice-bench-lookup-") as tmp, embedded_backend(args.database_url) as env:
        started = time.perf_counter()
        people = load_records(env["DATABASE_URL"], args.records, Path(tmp))
        print(f"loaded {args.records:,} custody records in {time.perf_counter() - started:.1f} s")
        # The baseline runs right before the hotline, so both meet the same machine load.
        with gunicorn("bench.bare:app") as bare_url:
            forms = [form for _, form in lookup_requests(people[:2000])]
            run_wrk(bare_url, sign_requests(bare_url, "/voice/step", forms[:10]), 2, args.connections)
            bare = run_wrk(bare_url, sign_requests(bare_url, "/voice/step", forms), args.seconds, args.connections)
        print(report("bare Flask (constant TwiML)", bare, bare))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["PUBLIC_BASE_URL"] = base
        with gunicorn("app:create_app()", env, port=port) as url:
            signed = []
            for path, form in lookup_requests(people):
                signed += sign_requests(url, path, [form])
            run_wrk(url, signed[:50], seconds=2, connections=args.connections)
            hotline = run_wrk(url, signed[50:], args.seconds, args.connections)
            # Texts: more distinct ones than the run can send (about 4,000/s at most), so none is a duplicate.
            texts = []
            for path, form in sms_lookup_requests(people, 4000 * args.seconds + 200):
                texts += sign_requests(url, path, [form])
            run_wrk(url, texts[:200], seconds=2, connections=args.connections)
            texted = run_wrk(url, texts[200:], args.seconds, args.connections)
            # For reference: a navigation step of the same call (entering the A-number), no look-up.
            entry = "/voice/step?" + urlencode({"n": "custody.a_number", "t": "0", "l": "en"})
            navigation = run_wrk(
                url,
                sign_requests(
                    url, entry, [dict(form, Digits="201345678") for _, form in lookup_requests(people[:2000])]
                ),
                args.seconds,
                args.connections,
            )
    print(report("hotline A-number entry", navigation, bare))
    print(report("hotline keypad look-up", hotline, bare))
    print(report("hotline SMS look-up", texted, bare))
    # The target: 0.4 of bare on SQLite, 0.25 on a PostgreSQL server sharing the machine's cores.
    target = 0.25 if (args.database_url or "").startswith("postgresql") else 0.4
    for name, result in (("keypad", hotline), ("SMS", texted)):
        ratio = result.requests_per_second / bare.requests_per_second
        met = ratio >= target and result.p99_ms < 50
        verdict = "met" if met else "NOT met"
        print(f"{name}: ratio {ratio:.2f}, p99 {result.p99_ms:.1f} ms (target >= {target:.2f} and < 50 ms): {verdict}")
    return 0 if hotline.errors == texted.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
