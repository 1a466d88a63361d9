"""Requests/s and p50/p99 of signed ``POST /voice/incoming`` and a menu step vs bare Flask, at 32 and 64 connections.

The menu step is a caller at the main menu pressing 1 (``POST /voice/step``): the state from
the action URL, the engine, the call event, the answer from the process's cache of rendered
documents, as for most key presses of a call.

Usage: bench/webhooks [--seconds 10] [--rounds 3] [--connections 32,64] [--database-url URL]
Target: at least 0.6 of bare for each at each connection count (median of the alternating rounds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys

from bench.harness import (
    add_busy_flag,
    embedded_backend,
    free_port,
    gunicorn,
    report,
    require_quiet_machine,
    run_wrk,
    sign_requests,
    voice_form,
)


def call_forms(count: int) -> list[dict[str, str]]:
    """Distinct new calls, as Twilio posts them to the Voice URL."""
    return [voice_form(f"+1202555{i % 10000:04d}", status="ringing") for i in range(count)]


def main() -> int:
    """Load the bare baseline and the hotline in alternating rounds; print each round and the median ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="32,64", help="comma-separated connection counts")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--log-level", default="INFO", help="INFO (production) writes one line per webhook.")
    add_busy_flag(parser)
    args = parser.parse_args()
    require_quiet_machine(args.allow_busy)

    counts = [int(c) for c in args.connections.split(",")]
    print(
        f"signed POST /voice/incoming and a menu step, {args.connections} connections, gunicorn 2 workers, "
        f"{args.rounds} alternating rounds of {args.seconds} s per connection count"
    )
    steps = {"/voice/incoming": "/voice/incoming", "menu step": "/voice/step?n=main&t=0&l=en"}
    ratios: dict[tuple[str, int], list[float]] = {(name, c): [] for name in steps for c in counts}
    errors = 0
    with embedded_backend(args.database_url) as env, gunicorn("bench.bare:app") as bare_url:
        port = free_port()
        env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
        env["LOG_LEVEL"] = args.log_level
        with gunicorn("app:create_app()", env, port=port) as url:
            warm = call_forms(50)
            run_wrk(bare_url, sign_requests(bare_url, "/voice/incoming", warm), 2, max(counts))
            run_wrk(url, sign_requests(url, "/voice/incoming", warm), 2, max(counts))
            for connections in counts:
                for round_number in range(1, args.rounds + 1):
                    # Fresh calls each round, so every request is a new call as on a real line.
                    forms = call_forms(2000)
                    bare = run_wrk(
                        bare_url, sign_requests(bare_url, "/voice/incoming", forms), args.seconds, connections
                    )
                    print(f"{connections} connections, round {round_number}")
                    print("  " + report("bare Flask (constant TwiML)", bare, bare))
                    for name, path in steps.items():
                        pressed = forms if path == "/voice/incoming" else [dict(f, Digits="1") for f in forms]
                        hotline = run_wrk(url, sign_requests(url, path, pressed), args.seconds, connections)
                        print("  " + report(f"hotline {name}", hotline, bare))
                        ratios[name, connections].append(hotline.requests_per_second / bare.requests_per_second)
                        errors += hotline.errors
    for (name, connections), values in ratios.items():
        rounds = ", ".join(f"{r:.2f}" for r in values)
        median = statistics.median(values)
        verdict = "met" if median >= 0.6 else "NOT met"
        print(
            f"{name}, {connections} connections: median ratio {median:.2f} (target >= 0.60: {verdict}); "
            f"rounds: {rounds}"
        )
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
