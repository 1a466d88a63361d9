"""Requests/s and p50/p99 of signed ``POST /voice/incoming`` vs bare Flask, 64 connections.

Usage: bench/webhooks [--seconds 10] [--connections 64] [--database-url URL]
Target: at least 0.6 of bare.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys

from bench.harness import embedded_backend, free_port, gunicorn, report, run_wrk, sign_requests


def call_forms(count: int) -> list[dict[str, str]]:
    """Distinct new calls, as Twilio posts them to the Voice URL."""
    return [
        {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": f"+1202555{i % 10000:04d}",
            "To": "+18554886423",
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        for i in range(count)
    ]


def main() -> int:
    """Run both servers in turn and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()

    forms = call_forms(2000)
    print(f"signed POST /voice/incoming, {args.connections} connections, {args.seconds} s each, gunicorn 2 workers")
    with gunicorn("bench.bare:app") as bare_url:
        run_wrk(
            bare_url, sign_requests(bare_url, "/voice/incoming", forms[:10]), seconds=2, connections=args.connections
        )
        bare = run_wrk(bare_url, sign_requests(bare_url, "/voice/incoming", forms), args.seconds, args.connections)
    print(report("bare Flask (constant TwiML)", bare, bare))
    with embedded_backend(args.database_url) as env:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env["PUBLIC_BASE_URL"] = base
        with gunicorn("app:create_app()", env, port=port) as url:
            requests = sign_requests(url, "/voice/incoming", forms)
            run_wrk(url, requests[:10], seconds=2, connections=args.connections)
            hotline = run_wrk(url, requests, args.seconds, args.connections)
    print(report("hotline /voice/incoming", hotline, bare))
    ratio = hotline.requests_per_second / bare.requests_per_second
    print(f"ratio {ratio:.2f} (target >= 0.60)")
    return 0 if hotline.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
