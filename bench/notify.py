"""Notifications created/s and texts handed to Twilio/s under a per-number limit.

Usage: bench/notify [--registrations 100000] [--changes 10000] [--workers 6] [--database-url postgresql://...]

100,000 active text registrations; an import with 10,000 custody changes of registered people; then
``create_due`` (notifications created per second) and worker processes running ``send_due_texts``
against the fake Twilio REST API (tests/fake_twilio.py, in its own process) with 10 sending numbers
limited to 50 texts/s each by the shared Redis token bucket. Prints the achieved rate against the
limit (target >= 95 %), duplicates (0) and lost (0), next to a baseline from the same run: the bare
REST client posting to the same fake with the same number of processes, no database and no limit.
Quiet hours are off for the run, so the time of day does not decide the figure.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import func, select, text

from bench.harness import scratch_postgres
from callflows.countries import normalize_country
from commands.custody import write_demo_files
from config import NotificationSettings, load_settings
from embedded.redis import EmbeddedRedis
from models import migrate
from models.base import Database, utcnow
from models.notification import Notification
from models.registration import REFERENCE_ALPHABET
from workers import connect
from workers.imports import import_custody, import_facilities
from workers.notify import SendingRate, create_due, send_due_texts
from workers.twilio_rest import twilio_client

ROOT = Path(__file__).resolve().parent.parent
SENDING_NUMBERS = tuple(f"+1855555{100 + i:04d}" for i in range(10))  # fictional 555-01XX toll-free stand-ins
LIMIT_PER_NUMBER = 50.0
TARGET = 0.95


def reference(index: int) -> str:
    """A distinct 5-character reference per index (the alphabet registrations use)."""
    base = len(REFERENCE_ALPHABET)
    chars = []
    for _ in range(5):
        index, digit = divmod(index, base)
        chars.append(REFERENCE_ALPHABET[digit])
    return "".join(chars)


def phone(index: int) -> str:
    """A fictional number: 555-01XX in one of 800 area codes."""
    return f"+1{200 + (index // 100) % 800}55501{index % 100:02d}"


def load_registrations(database: Database, custody: Path, count: int) -> list[tuple[str, str, str]]:
    """Insert ``count`` active text registrations for the first records; returns (a_number, country, status)."""
    rows, people = [], []
    now = utcnow()
    stamp = (lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f")) if database.dialect == "sqlite" else (lambda v: v)
    with custody.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for index, row in enumerate(reader):
            if index >= count:
                break
            a_number, country = row[0].removeprefix("A"), normalize_country(row[3])
            people.append((a_number, country, row[5]))
            rows.append(
                {
                    "reference": reference(index), "a_number": a_number, "country": country, "phone": phone(index),
                    "at": stamp(now - timedelta(hours=1)), "expires": stamp(now + timedelta(days=365)),
                }
            )  # fmt: skip
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO registrations (reference, a_number, country, phone, language, channels, "
                "voicemail_allowed, "
                "texts_any_hour, status, source, code_failures, created_at, activated_at, expires_at) "
                "VALUES (:reference, :a_number, :country, :phone, 'en', 'sms', false, false, 'active', 'operator', 0, "
                ":at, :at, :expires)"
            ),
            rows,
        )
    return people


def write_changes(people: list[tuple[str, str, str]], target: Path, count: int, header: list[str]) -> int:
    """A feed file that moves ``count`` registered people on: held → released, otherwise back in custody."""
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for a_number, country, status in people[:count]:
            held = status in ("in custody", "transferred")
            writer.writerow(
                (f"A{a_number}", "Bench", "Person", country, "1980-01-01", "released" if held else "in custody",
                 "" if held else "DEMOKRM", "2026-11-25T12:00:00Z")
            )  # fmt: skip
    return count


def send_worker(database_url: str, redis_url: str, base_url: str) -> None:
    """One worker process: send due texts until none are left."""
    settings = bench_settings(database_url, redis_url, base_url)
    database = Database(database_url)
    client = twilio_client(settings)
    rate = SendingRate(connect(redis_url), settings.notifications.rate_per_number)
    # Until nothing is due or in flight (a text whose outcome was unknown waits for the reconcile).
    while True:
        run = send_due_texts(database, settings, client, rate, limit=50)
        if run.sent + run.reconciled + run.failed == 0:
            with database.session() as session:
                open_rows = session.scalar(select(func.count()).where(Notification.sms_state.in_(("due", "sending"))))
            if not open_rows:
                break
            time.sleep(0.5)
    database.dispose()


def bare_worker(base_url: str, count: int, offset: int) -> None:
    """The baseline: the REST client posting texts to the fake, nothing else."""
    settings = load_settings({}, twilio_api_base_url=base_url)
    client = twilio_client(settings)
    for index in range(count):
        client.messages.create(to=phone(offset + index), from_=SENDING_NUMBERS[index % 10], body="baseline")


def bench_settings(database_url: str, redis_url: str, base_url: str):
    """The hotline's settings for the run: 10 sending numbers at 50/s each, quiet hours off."""
    return load_settings(
        {},
        database_url=database_url,
        redis_url=redis_url,
        twilio_api_base_url=base_url,
        log_level="WARNING",
        notifications=NotificationSettings(
            quiet_start=clock(0, 0),
            quiet_end=clock(0, 0),
            sending_numbers=SENDING_NUMBERS,
            rate_per_number=LIMIT_PER_NUMBER,
        ),
    )


def run_processes(target, args_list: list[tuple]) -> float:
    """Run one process per argument tuple; returns the wall time."""
    started = time.perf_counter()
    processes = [multiprocessing.Process(target=target, args=args) for args in args_list]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return time.perf_counter() - started


def messages(base_url: str) -> list[dict]:
    """Every text the fake holds, oldest first (Twilio's list, like the fake's, is newest first)."""
    reply = requests.get(f"{base_url}/2010-04-01/Accounts/AC{'0' * 32}/Messages.json", timeout=60)
    return reply.json()["messages"][::-1]


def run(url: str, args: argparse.Namespace, redis_url: str, base_url: str, folder: Path) -> bool:
    """The whole run on one database; prints the figures; True when the targets are met."""
    migrate.upgrade(url)
    database = Database(url)
    try:
        facilities, custody = write_demo_files(folder, args.registrations)
        with facilities.open(encoding="utf-8", newline="") as handle:
            import_facilities(database, handle)
        with custody.open(encoding="utf-8", newline="") as handle:
            import_custody(database, handle, "bench-initial")
        settings = bench_settings(url, redis_url, base_url)
        create_due(database, settings)  # the first import's events are read once (no registrations yet match)
        people = load_registrations(database, custody, args.registrations)
        with custody.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        changes = folder / "changes.csv"
        write_changes(people, changes, args.changes, header)
        started = time.perf_counter()
        with changes.open(encoding="utf-8", newline="") as handle:
            summary = import_custody(database, handle, "bench-changes")
        import_seconds = time.perf_counter() - started
        started = time.perf_counter()
        created = create_due(database, settings)
        create_seconds = time.perf_counter() - started
        print(
            f"  import of {args.changes:,} changes: {import_seconds:.2f} s ({summary.events:,} custody events); "
            f"notifications created: {created:,} in {create_seconds:.2f} s = {created / create_seconds:,.0f}/s"
        )
        before = len(messages(base_url))
        wall = run_processes(send_worker, [(url, redis_url, base_url)] * args.workers)
        sent = [m for m in messages(base_url)[before:] if m["body"] != "baseline"]
        with database.session() as session:
            states = dict(
                session.execute(select(Notification.sms_state, func.count()).group_by(Notification.sms_state)).all()
            )
        per_number = Counter(m["from"] for m in sent)
        times = sorted(m["received_at"] for m in sent)
        span = (times[-1] - times[0]) if len(times) > 1 else wall
        limit = LIMIT_PER_NUMBER * len(SENDING_NUMBERS)
        achieved = len(sent) / span if span > 0 else 0.0
        duplicates = len(sent) - len({(m["to"], m["body"]) for m in sent})
        lost = created - states.get("sent", 0) + max(0, states.get("sent", 0) - (len(sent) - duplicates))
        print(
            f"  texts handed to the fake Twilio API: {len(sent):,} in {span:.1f} s (workers ran {wall:.1f} s) = "
            f"{achieved:,.0f}/s against a limit of {limit:,.0f}/s ({len(SENDING_NUMBERS)} numbers x "
            f"{LIMIT_PER_NUMBER:.0f}/s): {achieved / limit:.0%}"
        )
        busiest = max(per_number.values()) if per_number else 0
        print(
            f"  per number: {min(per_number.values(), default=0):,}-{busiest:,} texts; states {dict(states)}; "
            f"duplicates {duplicates}; lost {lost}"
        )
        return achieved / limit >= TARGET and duplicates == 0 and lost == 0
    finally:
        database.dispose()


def main() -> int:
    """Start Redis and the fake Twilio, measure the baseline, run the benchmark on SQLite (and PostgreSQL)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=6, help="sending worker processes")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"), help="also run on PostgreSQL")
    args = parser.parse_args()
    print("load average at start: {:.1f} {:.1f} {:.1f} on {} CPUs".format(*os.getloadavg(), os.cpu_count()))
    ok = True
    with tempfile.TemporaryDirectory(prefix="voice-bench-notify-") as tmp:
        folder = Path(tmp)
        redis_server = EmbeddedRedis(folder / "redis", persist=False).start()
        fake = subprocess.Popen(
            [sys.executable, "-m", "tests.fake_twilio"], cwd=ROOT, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        try:
            base_url = fake.stdout.readline().strip()
            per = max(1, args.changes // args.workers)
            wall = run_processes(bare_worker, [(base_url, per, i * per) for i in range(args.workers)])
            print(
                f"baseline (bare REST client -> fake, {args.workers} processes, no database, no limit): "
                f"{per * args.workers / wall:,.0f} texts/s"
            )
            print("SQLite")
            ok &= run(f"sqlite:///{folder / 'bench.db'}", args, redis_server.url, base_url, folder / "sqlite")
            if args.database_url:
                with scratch_postgres(args.database_url, "voice_bench_notify") as url:
                    print("PostgreSQL")
                    redis_flush = connect(redis_server.url)
                    redis_flush.flushall()
                    ok &= run(url, args, redis_server.url, base_url, folder / "postgres")
        finally:
            fake.kill()
            redis_server.stop()
    print(f"target: >= {TARGET:.0%} of the limit, 0 duplicates, 0 lost: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
