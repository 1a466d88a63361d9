"""Generated activity for a period: calls and their events, callback requests and attempts, look-ups.

For the tests, the benchmark and ``flask report demo``. Nothing is real: callback numbers are
fictional 555-01XX numbers, A-numbers are made up, caller hashes are random.
Rows go in through table-level batched INSERTs (a million events in seconds).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from models.audit import RESULTS, LookupAudit
from models.base import Database
from models.call import CallEvent, CallSession
from models.callback import CALLER_TYPES, NEEDS, CallbackRequest
from models.claims import CallbackAttempt

BATCH = 20_000
# How often calls start, by local hour (a daytime hotline with an evening tail).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 20, 20, 18, 18, 18, 17, 16, 14, 12, 10, 8, 5, 3, 2]
WALK = ["welcome", "main", "custody.a_number", "custody.confirm_number", "custody.country", "custody.confirm_country"]
QUEUE_RESULTS = ["bridged", "bridged", "bridged", "hangup", "leave", "queue-full"]
CLOSED_DISPOSITIONS = ["reached", "resolved", "referred", "left_voicemail", "wrong_number", "closed_unreachable"]


@dataclass(frozen=True)
class Generated:
    """How many rows of each kind were written."""

    calls: int
    events: int
    requests: int
    attempts: int
    lookups: int


def _instant(rng: random.Random, start: datetime, end: datetime) -> datetime:
    days = max(1, (end - start).days)
    day = start + timedelta(days=rng.randrange(days))
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    at = day.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
        hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60)
    )
    return min(max(at, start), end - timedelta(seconds=1))


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def generate(
    database: Database,
    start: datetime,
    end: datetime,
    *,
    events: int = 20_000,
    requests: int = 1_000,
    lookups: int = 2_000,
    seed: int = 14,
    prefix: str = "CA",
) -> Generated:
    """Write generated activity between ``start`` and ``end`` (UTC instants); ``prefix`` keeps CallSids apart."""
    rng = random.Random(seed)
    per_call = 10
    calls = max(1, events // per_call)
    sessions: list[dict[str, Any]] = []
    event_count = 0

    def call_rows() -> Iterator[dict[str, Any]]:
        nonlocal event_count
        for number in range(calls):
            sid = f"{prefix}{seed:04d}{number:012d}"
            at = _instant(rng, start, end)
            language = rng.choices(["en", "es", None], weights=[62, 35, 3])[0]
            sessions.append({"call_sid": sid, "from_number": None, "direction": "inbound", "started_at": at})
            steps = per_call if number < calls - 1 else events - event_count
            for step in range(steps):
                node = WALK[step % len(WALK)]
                event_input = None
                if step == steps - 1 and rng.random() < 0.15:
                    node, event_input = "operator.queue", rng.choice(QUEUE_RESULTS)
                yield {
                    "call_sid": sid,
                    "channel": "voice",
                    "node": node,
                    "input": event_input,
                    "outcome": "ok",
                    "language": language if step else None,
                    "at": min(at + timedelta(seconds=8 * step), end - timedelta(seconds=1)),
                }
                event_count += 1

    with database.engine.begin() as connection:
        for batch in _batches(call_rows()):
            connection.execute(CallEvent.__table__.insert(), batch)
        for batch in _batches(iter(sessions)):
            connection.execute(CallSession.__table__.insert(), batch)

    attempt_rows: list[dict[str, Any]] = []
    with database.engine.begin() as connection:
        first_id = (connection.execute(select(func.max(CallbackRequest.id))).scalar() or 0) + 1
        rows = []
        for number in range(requests):
            created = _instant(rng, start, end)
            still_open = number < min(50, requests // 20)
            disposition = None if still_open else rng.choice(CLOSED_DISPOSITIONS)
            tries = 0 if still_open else (3 if disposition == "closed_unreachable" else rng.choice([1, 1, 2]))
            closed = None if still_open else created + timedelta(minutes=rng.randrange(10, 60 * 48))
            # Distinct per id, so the open requests never share a number (one open request per number).
            area = 200 + (first_id + number) // 100 % 800
            rows.append(
                {
                    "id": first_id + number,
                    "phone": f"+1{area}55501{(first_id + number) % 100:02d}",
                    "language": rng.choice(["en", "en", "es"]),
                    "caller_type": rng.choice([*CALLER_TYPES, None]),
                    "need": rng.choice([*NEEDS, None]),
                    "urgent": rng.random() < 0.08,
                    "priority": 0,
                    "source": "voice",
                    "status": "open" if still_open else "closed",
                    "created_at": created,
                    "updated_at": closed or created,
                    "attempts": tries,
                    "disposition": disposition,
                    "closed_at": closed,
                }
            )
            for attempt in range(tries):
                began = created + timedelta(minutes=5 + rng.randrange(600) * (attempt + 1))
                if closed is not None:
                    began = min(began, closed)
                last = attempt == tries - 1
                attempt_rows.append(
                    {
                        "request_id": first_id + number,
                        "started_at": began,
                        "ended_at": began + timedelta(minutes=4),
                        "disposition": (disposition if disposition != "closed_unreachable" else "no_answer")
                        if last
                        else "no_answer",
                    }
                )
        for batch in _batches(iter(rows)):
            connection.execute(CallbackRequest.__table__.insert(), batch)
        if connection.dialect.name == "postgresql":
            # The ids were given explicitly: move the sequence past them.
            connection.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('callback_requests', 'id'),"
                " (SELECT max(id) FROM callback_requests))"
            )
        for batch in _batches(iter(attempt_rows)):
            connection.execute(CallbackAttempt.__table__.insert(), batch)

    def lookup_rows() -> Iterator[dict[str, Any]]:
        for number in range(lookups):
            yield {
                "at": _instant(rng, start, end),
                "channel": rng.choice(["voice", "voice", "sms"]),
                "sid": f"LK{prefix}{seed:04d}{number:010d}",
                "thread": f"T{number % 5000}",
                "caller_hash": f"{rng.getrandbits(256):064x}",
                "a_number": None,
                "country": None,
                "result": rng.choices(RESULTS, weights=[30, 10, 8, 30, 5, 2, 1, 1])[0],
                "fields_disclosed": "",
                "flagged": rng.random() < 0.004,
                "request_key": None,
            }

    with database.engine.begin() as connection:
        for batch in _batches(lookup_rows()):
            connection.execute(LookupAudit.__table__.insert(), batch)
    return Generated(calls, event_count, requests, len(attempt_rows), lookups)
