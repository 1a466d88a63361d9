"""Generated activity for a period: calls and their events, the live queue, callback requests (with
safe-contact answers) and attempts, referrals, look-ups, registrations and notifications.

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
from models.conversation import Conversation
from models.custody import CustodyEvent
from models.directory import CATEGORIES, Referral
from models.live_queue import CALLBACK, CONNECTED, LEFT, WAITING, QueuedCall
from models.notification import KINDS, Notification
from models.registration import ACTIVE, BY_OPERATOR, BY_SMS, BY_VOICE, CANCELLED, FAILED, Registration

BATCH = 20_000
# How often calls start, by local hour (a daytime hotline with an evening tail).
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 14, 18, 20, 20, 18, 18, 18, 17, 16, 14, 12, 10, 8, 5, 3, 2]
WALK = ["welcome", "main", "custody.a_number", "custody.confirm_number", "custody.country", "custody.confirm_country"]
QUEUE_RESULTS = ["bridged", "bridged", "bridged", "hangup", "leave", "queue-full"]
# How a wait in the live queue ended, by the QueueResult of its last event (queue-full: took a call back).
QUEUE_STATUS = {"bridged": CONNECTED, "hangup": LEFT, "leave": LEFT, "queue-full": CALLBACK}
CLOSED_DISPOSITIONS = ["reached", "resolved", "referred", "left_voicemail", "wrong_number", "closed_unreachable"]


@dataclass(frozen=True)
class Generated:
    """How many rows of each kind were written."""

    calls: int
    events: int
    requests: int
    attempts: int
    lookups: int
    queued: int = 0
    referrals: int = 0
    registrations: int = 0
    notifications: int = 0


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
    closed_only: bool = False,
) -> Generated:
    """Write generated activity between ``start`` and ``end`` (UTC instants); ``prefix`` keeps CallSids apart.

    ``closed_only`` writes finished history alone: no open request, no caller holding, no registration or
    notification still due, nothing dated at or after ``end`` (the demo command passes "now" as the end).
    """
    rng = random.Random(seed)
    per_call = 10
    calls = max(1, events // per_call)
    sessions: list[dict[str, Any]] = []
    queued: list[dict[str, Any]] = []
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
                    queued.append(_queued_call(sid, language, event_input, at + timedelta(seconds=8 * step), end))
                    if closed_only and queued[-1]["status"] == WAITING:
                        queued[-1]["status"], queued[-1]["left_at"] = LEFT, queued[-1]["enqueued_at"]
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
        for batch in _batches(iter(queued)):
            connection.execute(QueuedCall.__table__.insert(), batch)

    attempt_rows: list[dict[str, Any]] = []
    referral_rows: list[dict[str, Any]] = []
    # The parts added after the first release draw from their own stream, so the numbers above stay the same.
    extra = random.Random(seed + 10_000)
    with database.engine.begin() as connection:
        first_id = (connection.execute(select(func.max(CallbackRequest.id))).scalar() or 0) + 1
        rows = []
        for number in range(requests):
            created = _instant(rng, start, end)
            still_open = number < min(50, requests // 20)
            disposition = None if still_open else rng.choice(CLOSED_DISPOSITIONS)
            tries = 0 if still_open else (3 if disposition == "closed_unreachable" else rng.choice([1, 1, 2]))
            closed = None if still_open else created + timedelta(minutes=rng.randrange(10, 60 * 48))
            if closed_only:
                if still_open:
                    # The same draws as above, so the rest of the sample is unchanged; closed instead of open.
                    still_open, disposition, tries = False, "closed_unreachable", 3
                    closed = created + timedelta(minutes=30)
                closed = min(closed, end - timedelta(seconds=1))
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
                    **_safe_contact(extra),
                }
            )
            if disposition == "referred":
                for _ in range(extra.choice([1, 1, 2])):
                    referral_rows.append(_referral(extra, first_id + number, closed or created))
            for attempt in range(tries):
                began = created + timedelta(minutes=5 + rng.randrange(600) * (attempt + 1))
                if closed is not None:
                    began = min(began, closed)
                last = attempt == tries - 1
                attempt_rows.append(
                    {
                        "request_id": first_id + number,
                        "started_at": began,
                        "ended_at": min(began + timedelta(minutes=4), end - timedelta(seconds=1))
                        if closed_only
                        else began + timedelta(minutes=4),
                        "disposition": (disposition if disposition != "closed_unreachable" else "no_answer")
                        if last
                        else "no_answer",
                    }
                )
        for batch in _batches(iter(rows)):
            connection.execute(CallbackRequest.__table__.insert(), batch)
        _move_sequence(connection, "callback_requests")
        for batch in _batches(iter(attempt_rows)):
            connection.execute(CallbackAttempt.__table__.insert(), batch)
        for batch in _batches(iter(referral_rows)):
            connection.execute(Referral.__table__.insert(), batch)

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
    registrations, notifications = _notifications(
        database, extra, start, end, max(1, requests // 5), seed, closed_only=closed_only
    )
    return Generated(
        calls,
        event_count,
        requests,
        len(attempt_rows),
        lookups,
        queued=len(queued),
        referrals=len(referral_rows),
        registrations=registrations,
        notifications=notifications,
    )


def already_generated(database: Database, seed: int, prefix: str = "CA") -> bool:
    """Whether ``generate`` already ran with this seed (its first call is there): running it again would clash."""
    with database.engine.connect() as connection:
        first = select(CallSession.call_sid).where(CallSession.call_sid == f"{prefix}{seed:04d}{0:012d}")
        return connection.execute(first).first() is not None


def real_traffic(database: Database) -> str:
    """What in the database is not generated ("" when nothing): calls, requests or texts from real numbers.

    Generated rows are recognisable: call sids of the sample's own shape (``CA`` or ``LK`` and digits only,
    never Twilio's 32 hexadecimal characters) and fictional 555-01XX numbers.
    """
    with database.engine.connect() as connection:
        sids = connection.execute(select(CallSession.call_sid).where(func.length(CallSession.call_sid) == 34).limit(1))
        if sids.first() is not None:
            return "calls from Twilio"
        phones = connection.execute(
            select(CallbackRequest.phone).where(CallbackRequest.phone.not_like("+1___55501__")).limit(1)
        )
        if phones.first() is not None:
            return "callback requests from real numbers"
        texts = connection.execute(select(func.count()).select_from(Conversation.__table__)).scalar()
        if texts:
            return "text conversations"
    return ""


def _queued_call(sid: str, language: str | None, result: str, at: datetime, end: datetime) -> dict[str, Any]:
    """A live-queue row for a call whose last event was the queue (a few are still waiting)."""
    status = QUEUE_STATUS.get(result, WAITING)
    held = timedelta(seconds=30 + sum(ord(c) for c in sid) % 600)
    done = min(at + held, end - timedelta(seconds=1))
    return {
        "call_sid": sid,
        "language": language or "en",
        "caller_type": None,
        "need": None,
        "urgent": False,
        "queue": "normal",
        "status": status,
        "enqueued_at": at,
        "operator_id": None,
        "offered_at": None,
        "operator_call_sid": None,
        "connected_at": done if status == CONNECTED else None,
        "left_at": done if status in (LEFT, CALLBACK) else None,
        "callback_request_id": None,
    }


def _safe_contact(rng: random.Random) -> dict[str, Any]:
    """A request's safe-contact answers: most callers answer, some say nothing (stored as None)."""
    answered = rng.random() < 0.85
    return {
        "safe_to_call": "yes" if answered else None,
        "voicemail_ok": rng.choice([True, False, False]) if answered else None,
        "may_identify": rng.choice([True, False]) if answered else None,
        "call_window": rng.choice(["morning", "afternoon", "evening", "any", None]) if answered else None,
    }


def _referral(rng: random.Random, request_id: int, at: datetime) -> dict[str, Any]:
    """A service given on a referred request (fictional service names)."""
    category = rng.choices(CATEGORIES, weights=[30, 12, 25, 15, 10, 5, 3])[0]
    number = rng.randrange(500)
    return {
        "request_id": request_id,
        "service_id": f"demo-service-{number}",
        "service_name": f"Demo service {number}",
        "category": category,
        "operator_id": None,
        "at": at,
    }


def _next_id(connection: Any, table: Any) -> int:
    return (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def _move_sequence(connection: Any, table: str) -> None:
    if connection.dialect.name == "postgresql":
        # The ids were given explicitly: move the sequence past them.
        connection.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
        )


def _notifications(
    database: Database,
    rng: random.Random,
    start: datetime,
    end: datetime,
    count: int,
    seed: int,
    closed_only: bool = False,
) -> tuple[int, int]:
    """Registrations made in the period and notifications of custody changes to them; (registrations, notifications)."""
    registrations: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    with database.engine.begin() as connection:
        first_registration = _next_id(connection, Registration.__table__)
        first_event = _next_id(connection, CustodyEvent.__table__)
        for number in range(count):
            registration_id = first_registration + number
            created = _instant(rng, start, end)
            source = rng.choices([BY_SMS, BY_VOICE, BY_OPERATOR], weights=[55, 35, 10])[0]
            confirmed = source != BY_SMS or rng.random() < 0.8
            channels = rng.choice(["sms", "voice", "both"]) if confirmed else "sms"
            # Made-up identifiers: a 9-digit number starting with 9, fictional 555-01XX phones.
            a_number = f"9{seed % 100:02d}{number:06d}"
            registrations.append(
                {
                    "id": registration_id,
                    "reference": f"D{seed % 100:02d}{registration_id % 100_000:05d}",
                    "a_number": a_number,
                    "country": "MX",
                    "phone": f"+1{200 + registration_id // 100 % 800}55501{registration_id % 100:02d}",
                    "language": rng.choice(["en", "es"]),
                    "channels": channels,
                    "voicemail_allowed": False,
                    "texts_any_hour": False,
                    "pin_hash": None,
                    "status": "active" if confirmed else "pending",
                    "source": source,
                    "operator_id": None,
                    "code_hash": None,
                    "code_expires_at": None,
                    "code_failures": 0,
                    "created_at": created,
                    "activated_at": created if confirmed else None,
                    "expires_at": created + timedelta(days=180) if confirmed else None,
                    "expiry_warned_at": None,
                    "ended_at": None,
                    "ended_by": None,
                }
            )
            if not confirmed or rng.random() < 0.4:
                continue
            changed = min(created + timedelta(days=rng.randrange(1, 20)), end - timedelta(seconds=1))
            event_id = first_event + len(events)
            kind = rng.choice(KINDS)
            events.append(
                {
                    "id": event_id,
                    "a_number": a_number,
                    "old_status": "in_custody",
                    "new_status": kind if kind != "transferred" else "in_custody",
                    "old_facility": None,
                    "new_facility": None,
                    "old_case_status": None,
                    "new_case_status": None,
                    "at": changed,
                    "batch": f"demo-{seed}",
                    "recorded_at": changed,
                }
            )
            notifications.append(_notification(rng, registration_id, event_id, kind, channels, changed))
        if closed_only:
            _close_history(registrations, notifications, end)
        for batch in _batches(iter(registrations)):
            connection.execute(Registration.__table__.insert(), batch)
        for batch in _batches(iter(events)):
            connection.execute(CustodyEvent.__table__.insert(), batch)
        for batch in _batches(iter(notifications)):
            connection.execute(Notification.__table__.insert(), batch)
        for table in ("registrations", "custody_events"):
            _move_sequence(connection, table)
    return len(registrations), len(notifications)


def _close_history(registrations: list[dict[str, Any]], notifications: list[dict[str, Any]], end: datetime) -> None:
    """Finish what the sample left live: registrations ended, notifications no longer due, nothing after ``end``."""
    last = end - timedelta(seconds=1)
    for row in registrations:
        ended = min(row["created_at"] + timedelta(days=1), last)
        row.update(status=CANCELLED if row["status"] == ACTIVE else FAILED, ended_at=ended, ended_by="demo history")
        row["expires_at"] = min(row["expires_at"], last) if row["expires_at"] else None
    for row in notifications:
        if row["sms_state"] == "due":
            row["sms_state"] = "skipped"
        if row["voice_state"] == "due":
            row["voice_state"] = "expired"
        for key in ("acknowledged_at", "window_ends_at"):
            if row[key] is not None:
                row[key] = min(row[key], last)


def _notification(
    rng: random.Random, registration_id: int, event_id: int, kind: str, channels: str, at: datetime
) -> dict[str, Any]:
    """A notification with its text and call states as the worker leaves them."""
    texts, calls = channels in ("sms", "both"), channels in ("voice", "both")
    voice_state = rng.choices(["acknowledged", "expired", "due", "skipped"], weights=[55, 25, 10, 10])[0]
    return {
        "registration_id": registration_id,
        "event_id": event_id,
        "kind": kind,
        "event_at": at,
        "created_at": at,
        "sms_state": rng.choices(["sent", "skipped", "due"], weights=[85, 10, 5])[0] if texts else None,
        "sms_due_at": at if texts else None,
        "sms_claimed_at": None,
        "sms_from": None,
        "sms_sid": None,
        "voice_state": voice_state if calls else None,
        "voice_due_at": at if calls else None,
        "voice_attempts": rng.randrange(1, 4) if calls else 0,
        "window_ends_at": at + timedelta(days=3) if calls else None,
        "acknowledged_at": at + timedelta(hours=rng.randrange(1, 48))
        if voice_state == "acknowledged" and calls
        else None,
    }
