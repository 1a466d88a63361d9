"""Call-tree steps under load: a cached menu step, an effect without a write, and the callback request write.

Usage: bench/calltree [--seconds 5] [--connections 64] [--database-url URL]
Each figure is a ratio to bare Flask measured in the same run (see bench/harness.py).
"""

from __future__ import annotations

import argparse
import os
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.harness import (
    AUTH_TOKEN,
    SignedRequest,
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


def answer(number: int, digits: str) -> dict[str, str]:
    """A caller's key press, as Twilio posts it to a Gather action."""
    return voice_form(f"+1202555{number:04d}", Digits=digits)


def signed(base_url: str, paths_and_forms: list[tuple[str, dict[str, str]]]) -> list[SignedRequest]:
    """Sign each (path, form) pair for ``base_url``."""
    validator = RequestValidator(AUTH_TOKEN)
    return [
        SignedRequest(path, urlencode(form), validator.compute_signature(base_url + path, form))
        for path, form in paths_and_forms
    ]


def scenarios(base_url: str, count: int) -> dict[str, list[SignedRequest]]:
    """The three kinds of step, each as ``count`` distinct signed requests."""
    menu = "/voice/step?" + urlencode({"n": "main", "t": "0", "l": "en"})
    creates = []
    for number in range(count):
        state = {"n": "callback.message_offer", "t": "0", "l": "en", "callback_to": "caller"}
        state |= {"caller": f"+1202555{number % 10000:04d}", "caller_type": "victim", "need": "other"}
        creates.append((sealed_path("/voice/step", state), answer(number, "2")))
    return {
        "menu step (cached)": sign_requests(base_url, menu, [answer(n, "2") for n in range(count)], AUTH_TOKEN),
        "hours effect (no write)": sign_requests(base_url, menu, [answer(n, "3") for n in range(count)], AUTH_TOKEN),
        "callback request (write)": signed(base_url, creates),
    }


def main() -> int:
    """Run bare Flask, then the hotline, and print one line per kind of step."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    add_busy_flag(parser)
    args = parser.parse_args()
    require_quiet_machine(args.allow_busy)
    print(f"signed POST /voice/step, {args.connections} connections, {args.seconds} s each, gunicorn 2 workers")
    with gunicorn("bench.bare:app") as bare_url:
        bare_requests = sign_requests(bare_url, "/voice/incoming", [answer(n, "2") for n in range(500)], AUTH_TOKEN)
        run_wrk(bare_url, bare_requests[:10], seconds=2, connections=args.connections)
        bare = run_wrk(bare_url, bare_requests, args.seconds, args.connections)
    print(report("bare Flask (constant TwiML)", bare, bare))
    errors = 0
    with embedded_backend(args.database_url) as env:
        port = free_port()
        env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
        env["BUSINESS_HOURS"] = "mon-sun 00:00-24:00"
        with gunicorn("app:create_app()", env, port=port) as url:
            for name, requests in scenarios(url, 2000).items():
                run_wrk(url, requests[:10], seconds=1, connections=args.connections)
                result = run_wrk(url, requests, args.seconds, args.connections)
                errors += result.errors
                print(report(name, result, bare))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
