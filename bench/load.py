"""Many callers at once: simulated callers walk the real call tree against web (gunicorn) + worker.

Usage: bench/load [--callers 500] [--seconds 60] [--no-pause] [--database-url URL]

Each caller is the project's call simulator (``simulator.Call``) over HTTP, on a
thread of its own: it dials, listens for "press N" and presses keys like a
person (a pause of 2–5 s before each key, unless ``--no-pause``), then dials
again until the time is up; a call in progress at the end is finished. Two in
three calls leave a callback request (each from a number of its own, so each
must create exactly one row); one in three looks up the demo detainee by keypad
(audited). The service is the production shape: gunicorn (2 workers, as in the
Procfile) and ``flask worker`` on PostgreSQL (a fresh database on the server
given, dropped afterwards) and Redis (append-only, as the embedded runner).

Printed: calls completed/s, p50/p99 webhook latency as the callers saw it,
errors (non-200, TwiML Twilio would refuse, connection failures), callback
requests created vs expected (must be equal), whether the queued jobs drained,
and the load generator's own CPU; first for a bare Flask endpoint under the same
callers and pacing (bench/bare.py), so the figures can be read against the machine.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
import psycopg
from sqlalchemy.engine import make_url

from bench.harness import AUTH_TOKEN, BIN, ROOT, free_port, gunicorn, scratch_postgres
from embedded.redis import EmbeddedRedis
from simulator import Call, HttpTransport, TwimlProblem

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEMO_A_NUMBER = "201345678"
# What the callers listen for (English prompts), as a person would.
OPTIONS = {
    "callback": "a call back",
    "victim": "a victim of a crime",
    "need": "information about an offender",
    "danger_no": "not in danger",
    "this_number": "this number",
    "skip": "no message",
    "safe_yes": "If it is safe",
    "voicemail_no": "If we should not leave a voicemail",
    "identify_no": "If the specialist should not say",
    "any_time": "If any time is fine",
    "custody": "custody",
    "yes": "correct",
}


def caller_numbers() -> Iterator[str]:
    """Fictional 555-01XX numbers across US area codes, each used once."""
    for area in range(201, 990):
        if phonenumbers.region_code_for_number(phonenumbers.parse(f"+1{area}5550100")) != "US":
            continue
        if not phonenumbers.is_valid_number(phonenumbers.parse(f"+1{area}5550100")):
            continue
        # 0110-0179 only: the demo data uses 0101-0105 and 0181-0184.
        for line in range(110, 180):
            yield f"+1{area}555{line:04d}"


class TimedTransport(HttpTransport):
    """The simulator's HTTP transport, timing every webhook round trip."""

    def __init__(self, base_url: str, tally: Tally) -> None:
        super().__init__(base_url, timeout=15.0)
        self.tally = tally

    def post(self, url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, str]:
        started = time.perf_counter()
        try:
            status, body = super().post(url, params, headers)
        except Exception:
            self.tally.add_request((time.perf_counter() - started) * 1000, ok=False, url=url)
            raise
        self.tally.add_request((time.perf_counter() - started) * 1000, ok=status == 200, url=url)
        return status, body


@dataclass
class Tally:
    """What the callers saw, collected from every thread."""

    latencies_ms: list[float] = field(default_factory=list)
    failed_requests: int = 0
    calls: dict[str, int] = field(default_factory=lambda: {"callback": 0, "custody": 0, "bare": 0})
    # Callers whose confirmation of their number was answered (each must have a request) and
    # those whose confirmation got no answer in time (the server may or may not have stored it).
    confirmed: int = 0
    unanswered_confirmations: int = 0
    failed_calls: list[str] = field(default_factory=list)
    slow: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_request(self, ms: float, ok: bool, url: str) -> None:
        with self.lock:
            self.latencies_ms.append(ms)
            if ms > 250:
                self.slow.append((ms, url.split("?", 1)[0] + " " + url.partition("n=")[2].partition("&")[0]))
            if not ok:
                self.failed_requests += 1

    def add_call(self, kind: str) -> None:
        with self.lock:
            self.calls[kind] += 1

    def add_confirmation(self, answered: bool) -> None:
        with self.lock:
            if answered:
                self.confirmed += 1
            else:
                self.unanswered_confirmations += 1

    def add_failure(self, reason: str) -> None:
        with self.lock:
            self.failed_calls.append(reason)


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (0.5, 0.99) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Caller:
    """One person on the phone: dials, listens, presses keys at a human pace, dials again."""

    def __init__(self, base_url: str, tally: Tally, numbers: Callable[[], str], pause: tuple[float, float]) -> None:
        self.transport = TimedTransport(base_url, tally)
        self.tally = tally
        self.numbers = numbers
        self.pause = pause
        self.random = random.Random(secrets.randbits(32))

    def wait(self) -> None:
        if self.pause[1] > 0:
            time.sleep(self.random.uniform(*self.pause))

    def press(self, call: Call, what: str | None = None, keys: str | None = None) -> None:
        self.wait()
        call.press(keys if keys is not None else call.option_for(OPTIONS[what or ""]))

    def callback_call(self) -> None:
        call = Call(self.transport, AUTH_TOKEN, caller=self.numbers()).start()
        self.press(call, keys="1")
        for what in ("callback", "victim", "need", "danger_no"):
            self.press(call, what)
        # The request is stored when the caller confirms the number (docs/decisions/callback-stored-on-confirm.md).
        try:
            self.press(call, "this_number")
        except Exception:
            self.tally.add_confirmation(answered=False)
            raise
        self.tally.add_confirmation(answered=True)
        heard = [call.last_heard()]
        for what in ("safe_yes", "voicemail_no", "identify_no", "any_time", "skip"):
            self.press(call, what)
            heard.append(call.last_heard())
        if not any("Your request is saved" in text for text in heard):
            raise TwimlProblem(f"not saved: {heard[-1][:120]}")
        self.tally.add_call("callback")

    def custody_call(self) -> None:
        call = Call(self.transport, AUTH_TOKEN, caller=self.numbers()).start()
        self.press(call, keys="1")
        self.press(call, "custody")
        self.press(call, keys=DEMO_A_NUMBER + "#")
        self.press(call, "yes")
        self.press(call, keys="1")  # the first country offered: Mexico
        if "El Paso" not in call.last_heard():
            raise TwimlProblem(f"no answer: {call.last_heard()[:120]}")
        self.tally.add_call("custody")

    def bare_call(self) -> None:
        """The baseline: the same number of posts, at the same pace, to constant TwiML."""
        for _ in range(7):
            self.wait()
            status, _body = self.transport.post(
                self.transport.base_url + "/voice/step", {"CallSid": "CA" + secrets.token_hex(16)}, {}
            )
            if status != 200:
                raise TwimlProblem(f"HTTP {status}")
        self.tally.add_call("bare")

    def run(self, until: float, bare: bool) -> None:
        # Callers do not all dial in the same second.
        time.sleep(self.random.uniform(0, max(self.pause[1], 0.05)))
        while time.monotonic() < until:
            try:
                if bare:
                    self.bare_call()
                elif self.random.random() < 2 / 3:
                    self.callback_call()
                else:
                    self.custody_call()
            except Exception as error:  # every failure is counted and shown, none stops the caller
                self.tally.add_failure(f"{type(error).__name__}: {str(error)[:160]}")


@dataclass
class Run:
    """One load run's figures."""

    tally: Tally
    seconds: float
    cpu_seconds: float

    @property
    def completed(self) -> int:
        return sum(self.tally.calls.values())

    def line(self, name: str) -> str:
        tally = self.tally
        return (
            f"{name:<26} {self.completed / self.seconds:7.1f} calls/s  {len(tally.latencies_ms) / self.seconds:7.1f} "
            f"webhooks/s  p50 {percentile(tally.latencies_ms, 0.5):6.1f} ms  p99 "
            f"{percentile(tally.latencies_ms, 0.99):6.1f} ms  errors {tally.failed_requests + len(tally.failed_calls)}"
            f"  generator CPU {self.cpu_seconds / self.seconds:4.2f} cores"
        )


def drive(
    base_url: str, callers: int, seconds: float, pause: tuple[float, float], bare: bool = False, processes: int = 1
) -> Run:
    """Run ``callers`` caller threads for ``seconds``, spread over ``processes`` generator processes."""
    if processes <= 1:
        return _drive_threads(base_url, callers, seconds, pause, bare, 0, 1)
    shares = [callers // processes + (1 if i < callers % processes else 0) for i in range(processes)]
    context = multiprocessing.get_context("fork")
    with context.Pool(processes) as pool:
        parts = pool.starmap(
            _drive_threads, [(base_url, share, seconds, pause, bare, i, processes) for i, share in enumerate(shares)]
        )
    tally = Tally()
    for part in parts:
        tally.latencies_ms += part.tally.latencies_ms
        tally.failed_requests += part.tally.failed_requests
        tally.failed_calls += part.tally.failed_calls
        tally.slow += part.tally.slow
        tally.confirmed += part.tally.confirmed
        tally.unanswered_confirmations += part.tally.unanswered_confirmations
        for kind, count in part.tally.calls.items():
            tally.calls[kind] += count
    return Run(tally, max(p.seconds for p in parts), sum(p.cpu_seconds for p in parts))


def _drive_threads(
    base_url: str, callers: int, seconds: float, pause: tuple[float, float], bare: bool, part: int, parts: int
) -> Run:
    tally = Tally()
    numbers = itertools.islice(caller_numbers(), part, None, parts)
    numbers_lock = threading.Lock()

    def next_number() -> str:
        with numbers_lock:
            return next(numbers)

    threading.stack_size(512 * 1024)
    started = time.monotonic()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    until = started + seconds
    threads = [
        threading.Thread(target=Caller(base_url, tally, next_number, pause).run, args=(until, bare), daemon=True)
        for _ in range(callers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    tally.lock = None  # type: ignore[assignment]  # a lock does not cross processes; the counting is done
    return Run(tally, elapsed, cpu)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new database on ``server_url``'s server, migrated, with the demo data; dropped afterwards."""
    from models import migrate

    with scratch_postgres(server_url, "voice_load") as url:
        migrate.upgrade(url)
        yield url


@contextmanager
def worker(env: Mapping[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """``flask worker`` (rq + outbox relay + scheduler), as the Procfile runs it."""
    log = tempfile.NamedTemporaryFile("w", prefix="voice-load-worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [str(BIN / "flask"), "--app", "app", "worker"],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=log,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()
        os.unlink(log.name)


def stop_redis_for_a_while(server: EmbeddedRedis, after: float, down_for: float) -> None:
    """The fault: Redis stops mid-load and comes back on the same port with its append-only file."""
    time.sleep(after)
    server.stop()
    print(f"fault: Redis stopped {after:.0f} s into the load", flush=True)
    time.sleep(down_for)
    server.start()
    print(f"fault: Redis started again {down_for:.0f} s later", flush=True)


def warm_up(base_url: str, timeout: float = 120) -> None:
    """Wait until every gunicorn worker has booted and answered a few calls (not measured)."""
    deadline = time.monotonic() + timeout
    tally = Tally()
    numbers = caller_numbers()
    fast = 0
    while fast < 20 and time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            Call(TimedTransport(base_url, tally), AUTH_TOKEN, caller=next(numbers)).start()
        except Exception:
            time.sleep(0.5)
            continue
        fast = fast + 1 if time.perf_counter() - started < 0.1 else 0
    caller = Caller(base_url, tally, lambda: next(numbers), (0.0, 0.0))
    for _ in range(4):
        caller.custody_call()


def count_rows(url: str) -> tuple[int, int, int]:
    """(callback requests, outbox rows not yet handed to rq, look-up audits)."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as connection:
        requests = connection.execute("SELECT count(*) FROM callback_requests").fetchone()[0]
        pending = connection.execute("SELECT count(*) FROM outbox WHERE enqueued_at IS NULL").fetchone()[0]
        audits = connection.execute("SELECT count(*) FROM lookup_audits").fetchone()[0]
    return requests, pending, audits


def queued_jobs(redis_url: str) -> int:
    """Jobs waiting or running in the rq queues."""
    import workers

    connection = workers.connect(redis_url)
    return sum(q.count + q.started_job_registry.count for q in workers.queues(connection))


def main() -> int:
    """Measure bare Flask and then the hotline under the same callers; print one line each and the checks."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=20)
    parser.add_argument("--no-pause", action="store_true", help="Press keys at once: the saturation throughput.")
    parser.add_argument(
        "--stop-redis",
        nargs=2,
        type=float,
        metavar=("AFTER", "FOR"),
        help="Fault: stop Redis AFTER seconds into the load, start it again FOR seconds later.",
    )
    parser.add_argument("--processes", type=int, default=4, help="Load generator processes (threads split over them).")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER))
    args = parser.parse_args()
    pause = (0.0, 0.0) if args.no_pause else (2.0, 5.0)
    pace = "no pauses" if args.no_pause else "a key every 2-5 s"
    print(
        f"{args.callers} callers ({args.processes} generator processes), {pace}, {args.seconds:.0f} s; "
        "gunicorn 2 workers + flask worker; PostgreSQL + Redis"
    )
    sys.stdout.flush()

    with gunicorn("bench.bare:app") as bare_url:
        baseline = drive(bare_url, args.callers, args.baseline_seconds, pause, bare=True, processes=args.processes)
    print(baseline.line("bare Flask (7 posts/call)"))
    sys.stdout.flush()

    with (
        fresh_database(args.database_url) as url,
        tempfile.TemporaryDirectory(prefix="voice-load-") as tmp,
        EmbeddedRedis(Path(tmp) / "redis", persist=True) as redis_server,
    ):
        port = free_port()
        env = {
            "DATABASE_URL": url,
            "REDIS_URL": redis_server.url,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "BUSINESS_HOURS": "mon-sun 00:00-24:00",
            "LOG_LEVEL": "INFO",
        }
        subprocess.run(
            [str(BIN / "flask"), "--app", "app", "demo", "load"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        with gunicorn("app:create_app()", env, port=port) as base_url, worker(env):
            warm_up(base_url)
            before, _pending, _audits = count_rows(url)
            fault = None
            if args.stop_redis:
                fault = threading.Thread(target=stop_redis_for_a_while, args=(redis_server, *args.stop_redis))
                fault.start()
            run = drive(base_url, args.callers, args.seconds, pause, processes=args.processes)
            if fault is not None:
                fault.join()
            print(run.line("hotline"))
            drained_after = None
            waited = time.monotonic()
            while time.monotonic() - waited < 60:
                requests, pending, audits = count_rows(url)
                if pending == 0 and queued_jobs(redis_server.url) == 0:
                    drained_after = time.monotonic() - waited
                    break
                time.sleep(0.5)
    expected = before + run.tally.confirmed
    uncertain = run.tally.unanswered_confirmations
    print(
        f"calls completed: {run.tally.calls['callback']} callback, {run.tally.calls['custody']} custody look-up; "
        f"look-up audits {audits}"
    )
    same = "EQUAL" if requests == expected else "DIFFER"
    print(
        f"callback requests created {requests - before}, expected {expected - before} (callers whose confirmation "
        f"was answered): {same}"
        + (f"; {uncertain} confirmations got no answer in time (stored or not: not counted)" if uncertain else "")
    )
    print(
        "queued work drained "
        + (f"{drained_after:.1f} s after the load" if drained_after is not None else "NOT within 60 s")
    )
    slow = sorted(run.tally.slow, reverse=True)
    if slow:
        print(
            f"webhooks over 250 ms: {len(slow)}; slowest: " + "; ".join(f"{ms:.0f} ms {what}" for ms, what in slow[:5])
        )
    failures = run.tally.failed_calls
    if failures:
        print(f"failed calls: {len(failures)}; first: {failures[:3]}")
    p99 = percentile(run.tally.latencies_ms, 0.99)
    errors = run.tally.failed_requests + len(failures)
    ok = errors == 0 and uncertain == 0 and requests == expected and drained_after is not None
    verdict = "PASS" if ok and (args.no_pause or p99 < 250) else "FAIL"
    print(f"verdict: {verdict} (0 errors, created == expected, drained{'' if args.no_pause else ', p99 < 250 ms'})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
