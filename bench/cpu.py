"""CPU per request in one process: signed webhooks vs bare Flask, called as gunicorn calls them.

Wall-clock benchmarks need a quiet machine; CPU time per request does not (much): each
request is a raw WSGI call of the app in this process, and ``os.times`` (user + system) counts
every thread of the process (the call-event flush, the log writer, the hand-over), so a
cost moved to a background thread still counts. Bare Flask (``bench/bare.py``) is
measured the same way in the same run, rounds alternating.

Kinds of request: ``incoming`` (a new call, ``POST /voice/incoming``), ``menu`` (1 pressed at the
main menu: a cached answer, as bench/webhooks' menu step), ``navigation``
(the A-number typed at ``custody.a_number``), ``lookup`` (the country key at
``custody.country``: the sealed A-number decrypted, the audited look-up, the answer), ``sms``
(``STATUS A<number> <country>`` texted to ``/sms/incoming``: the audited look-up and its reply).
Every look-up is a new call and caller (a new texter and MessageSid) for a record that exists,
so no limit is hit.

Usage: bench/cpu [--records 60000] [--requests 2000] [--rounds 5] [--kinds bare,lookup] [--database-url URL]
To see where the time goes, run it under a sampling profiler, e.g.
``py-spy record --format raw -r 1000 -o lookup.txt -- .venv/bin/python -m bench.cpu --kinds lookup``.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.harness import embedded_backend, sign_requests
from bench.lookup import load_records, lookup_requests, sms_lookup_requests
from bench.webhooks import call_forms

BASE_URL = "http://127.0.0.1:8000"
# Every request's caller is new too: a caller seen before is answered from caches, and one
# looking up many A-numbers meets the look-up limit.
CALLERS = itertools.count(2_000_000)
KINDS = ("bare", "incoming", "menu", "navigation", "lookup", "sms")


def environ(path: str, body: str, signature: str) -> dict[str, Any]:
    """A WSGI environ as gunicorn builds it for a signed form POST."""
    parts = urlsplit(path)
    data = body.encode()
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "RAW_URI": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "HTTP_HOST": "127.0.0.1:8000",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(data)),
        "HTTP_X_TWILIO_SIGNATURE": signature,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(data),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def requests_of(kind: str, people: list[tuple[str, str]], count: int) -> list[dict[str, Any]]:
    """``count`` fresh environs of ``kind``: every call, caller and A-number new, as on a real line.

    Replayed requests would be answered from the per-process caches of engine steps and
    rendered documents (a real line sees a new A-number with each call), so look-ups take
    the next unused people from ``people``; bare takes the look-up's requests, as bench/lookup does.
    """
    if kind == "incoming":
        pairs = [("/voice/incoming", form) for form in call_forms(count)]
    elif kind == "menu":
        pairs = [("/voice/step?n=main&t=0&l=en", dict(form, Digits="1")) for form in call_forms(count)]
    elif kind == "navigation":
        entry = "/voice/step?" + urlencode({"n": "custody.a_number", "t": "0", "l": "en"})
        numbers = random.sample(range(200_000_000, 299_999_999), count)
        pairs = [
            (entry, dict(form, Digits=f"{n}#"))
            for (_, form), n in zip(lookup_requests([("0", "1")] * count), numbers, strict=True)
        ]
    else:
        if len(people) < count:
            raise SystemExit("not enough people held for distinct look-ups: raise --records")
        asked = [people.pop() for _ in range(count)]
        if kind == "sms":
            # A new texter each time already (bench.lookup.new_sender).
            return [environ(r.path, r.body, r.signature) for r in sign_requests_each(sms_lookup_requests(asked, count))]
        pairs = lookup_requests(asked)
    signed = [
        s for path, form in pairs for s in sign_requests(BASE_URL, path, [dict(form, From=f"+1312{next(CALLERS)}")])
    ]
    return [environ(r.path, r.body, r.signature) for r in signed]


def sign_requests_each(pairs: list[tuple[str, dict[str, str]]]) -> list[Any]:
    """Each (path, form) signed for the bench's base URL."""
    return [signed for path, form in pairs for signed in sign_requests(BASE_URL, path, [form])]


def run(app: Callable[..., Iterable[bytes]], environs: list[dict[str, Any]]) -> tuple[float, float, list[bytes]]:
    """CPU µs per request (all threads of the process), of it in the kernel, and the bodies answered."""
    bodies: list[bytes] = []
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        statuses.append(status)

    before = os.times()
    for env in environs:
        result = app(env, start_response)
        bodies.append(b"".join(result))
        close = getattr(result, "close", None)
        if close is not None:
            close()
    after = os.times()
    bad = [s for s in statuses if not s.startswith("200")]
    if bad:
        raise SystemExit(f"{len(bad)} requests answered {bad[0]}")
    user, system = after.user - before.user, after.system - before.system
    return (user + system) / len(environs) * 1e6, system / len(environs) * 1e6, bodies


def main() -> int:
    """Load records, build the app in this process, measure each kind in alternating rounds."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=60_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    kinds = args.kinds.split(",")

    print("load average at start: {:.1f} {:.1f} {:.1f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    with tempfile.TemporaryDirectory(prefix="voice-bench-cpu-") as tmp, embedded_backend(args.database_url) as env:
        people = load_records(env["DATABASE_URL"], args.records, Path(tmp), limit=10**9)
        random.shuffle(people)
        print(f"{len(people):,} people held to look up")
        os.environ.update(env, PUBLIC_BASE_URL=BASE_URL)
        from app import create_app
        from bench.bare import app as bare

        hotline = create_app()
        for thread in threading.enumerate():  # start-up work on threads (the ZIP table) is not a request's
            if thread.name.endswith("warm-up"):
                thread.join()
        apps = {"bare": bare, "incoming": hotline, "menu": hotline, "navigation": hotline, "lookup": hotline}
        apps["sms"] = hotline
        for kind in kinds:  # warm-up: caches, the first connection, mappers
            _, _, bodies = run(apps[kind], requests_of(kind, people, 300))
            if kind == "menu" and not all(b"custody" in b for b in bodies):
                raise SystemExit("the menu step did not reach the custody look-up")
        figures: dict[str, list[float]] = {kind: [] for kind in kinds}
        kernel: dict[str, list[float]] = {kind: [] for kind in kinds}
        for _ in range(args.rounds):
            for kind in kinds:
                environs = requests_of(kind, people, args.requests)
                micros, system, bodies = run(apps[kind], environs)
                if kind == "lookup" and any(b"Thank you for calling the VOICE hotline" in b for b in bodies):
                    raise SystemExit("a look-up started the call over: its sealed state did not verify")
                if kind == "sms" and not all(b"<Message>" in b for b in bodies):
                    raise SystemExit("a texted look-up got no reply")
                figures[kind].append(micros)
                kernel[kind].append(system)
        time.sleep(0.2)  # let the background threads finish what the last round noted
    bare_median = statistics.median(figures["bare"]) if "bare" in figures else None
    for kind, values in figures.items():
        median = statistics.median(values)
        rounds = ", ".join(f"{v:.0f}" for v in values)
        ratio = f"  bare/this {bare_median / median:.2f}" if bare_median else ""
        system = statistics.median(kernel[kind])
        print(f"{kind:<11} median {median:7.0f} µs CPU per request (kernel {system:4.0f}){ratio}   rounds: {rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
