"""Calls: one session row per CallSid and an append-only event per webhook step.

Navigation steps are the hot path, so their events are buffered in the process
and batch-inserted by a background thread (see "The hot path" in the style
guide); ``EventBuffer.flush`` also runs at process exit.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, false, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, Session, mapped_column

from callflows.masking import last_digits
from models.audit import hash_caller
from models.base import Base, Database, insert_many, utcnow

log = logging.getLogger("voice.models.call")

MAX_PENDING = 100_000


class CallSession(Base):
    """One phone call, keyed by Twilio's CallSid."""

    __tablename__ = "call_sessions"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Not the caller's number: the keyed hash the look-up audit uses, so the two
    # tables join on a pattern without naming anyone, and the last four digits for a person to read.
    caller_hash: Mapped[str | None] = mapped_column(String(64))
    caller_last4: Mapped[str | None] = mapped_column(String(4))
    to_number: Mapped[str | None] = mapped_column(String(32))
    direction: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str | None] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    status: Mapped[str | None] = mapped_column(String(32))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    # A relay (711) call: the operator's whisper says to expect a relay (settings.relay_caller_ids).
    relay: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    @staticmethod
    def is_relay(session: Session, call_sid: str) -> bool:
        """True when the call ``call_sid`` came from a relay service."""
        return bool(session.scalar(select(CallSession.relay).where(CallSession.call_sid == call_sid)))

    @staticmethod
    def relay_calls(session: Session, call_sids: list[str]) -> set[str]:
        """Those of ``call_sids`` that came from a relay service (one query for a list of callers)."""
        if not call_sids:
            return set()
        query = select(CallSession.call_sid).where(CallSession.call_sid.in_(call_sids), CallSession.relay.is_(True))
        return set(session.scalars(query))

    @staticmethod
    def record_status(session: Session, call_sid: str, status: str, duration: int | None, now: datetime) -> None:
        """Record a status callback: the final status and, on completion, the duration."""
        final = status in FINAL_STATUSES
        values: dict[str, Any] = {"status": status}
        if duration is not None:
            values["duration_seconds"] = duration
        if final:
            values["ended_at"] = now
        changed = session.execute(update(CallSession).where(CallSession.call_sid == call_sid).values(**values))
        if changed.rowcount == 0:
            # The status callback can overtake the buffered start of the call.
            session.add(CallSession(call_sid=call_sid, started_at=now, **values))


FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


class CallEvent(Base):
    """One step of a call or text thread: which node, what input, what came of it."""

    __tablename__ = "call_events"
    __table_args__ = (Index("ix_call_events_call_sid_at", "call_sid", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8), default="voice")
    node: Mapped[str] = mapped_column(String(64))
    input: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    @staticmethod
    def for_call(session: Session, call_sid: str) -> list[CallEvent]:
        """Every event of one call, oldest first."""
        query = select(CallEvent).where(CallEvent.call_sid == call_sid).order_by(CallEvent.at, CallEvent.id)
        return list(session.scalars(query))


_Status = tuple[str, str, int | None, datetime]


@dataclass(frozen=True)
class _CallStart:
    call_sid: str
    from_number: str | None
    to_number: str | None
    direction: str | None
    at: datetime
    relay: bool = False


class EventBuffer:
    """Collects call starts and events in memory and writes them in batches."""

    def __init__(
        self,
        database: Database,
        interval: float = 0.05,
        normalize_number: Callable[[str | None], str | None] = lambda number: number,
        caller_hash_key: str = "",
        max_pending: int = MAX_PENDING,
    ) -> None:
        self.database = database
        self.interval = interval
        # Caller IDs are parsed off the request path, in the flush thread.
        self.normalize_number = normalize_number
        self.caller_hash_key = caller_hash_key
        # While the database is down the buffer grows; past this many rows the oldest are dropped
        # (counted and logged) rather than the process running out of memory.
        self.max_pending = max_pending
        self.dropped = 0
        self._lock = threading.Lock()
        # One flush at a time: a flush called while the background thread writes a batch returns
        # only once that batch is written (so "flush, then read" sees every earlier row).
        self._flushing = threading.Lock()
        self._starts: list[_CallStart] = []
        self._events: list[dict[str, Any]] = []
        self._statuses: list[tuple[str, str, int | None, datetime]] = []
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._failures = 0
        self._closed = False
        atexit.register(self.flush)

    def start_call(
        self,
        call_sid: str,
        from_number: str | None,
        to_number: str | None,
        direction: str | None,
        relay: bool = False,
    ) -> None:
        """Note a new call; its session row is written with the next batch."""
        with self._lock:
            self._starts.append(_CallStart(call_sid, from_number, to_number, direction, utcnow(), relay))
            self._cap(self._starts)
        self._ensure_thread()

    def record(
        self,
        call_sid: str,
        node: str,
        *,
        input: str | None = None,
        outcome: str | None = None,
        language: str | None = None,
        channel: str = "voice",
    ) -> None:
        """Note one step of a call; it is written with the next batch."""
        event = {
            "call_sid": call_sid,
            "channel": channel,
            "node": node,
            "input": input,
            "outcome": outcome,
            "language": language,
            "at": utcnow(),
        }
        with self._lock:
            self._events.append(event)
            self._cap(self._events)
        self._ensure_thread()

    def record_status(self, call_sid: str, status: str, duration: int | None) -> None:
        """Note a status callback; written with the next batch, retried if the database is down."""
        with self._lock:
            self._statuses.append((call_sid, status, duration, utcnow()))
            self._cap(self._statuses)
        self._ensure_thread()

    def _cap(self, rows: list[Any]) -> None:
        # Called with the lock held.
        excess = len(rows) - self.max_pending
        if excess > 0:
            del rows[:excess]
            self.dropped += excess
            log.error("call event buffer full: oldest rows dropped", extra={"dropped": excess})

    def flush(self) -> int:
        """Write everything buffered now; returns how many rows were written."""
        with self._flushing:
            return self._flush()

    def _flush(self) -> int:
        with self._lock:
            starts, self._starts = self._starts, []
            events, self._events = self._events, []
            statuses, self._statuses = self._statuses, []
        if not starts and not events and not statuses:
            return 0
        try:
            self._write(starts, events, statuses)
        except OperationalError:
            # The database is unreachable: keep the rows for the next attempt rather than lose them.
            log.error(
                "call event flush failed: database unreachable",
                extra={"pending": len(starts) + len(events) + len(statuses)},
            )
            with self._lock:
                self._starts[:0] = starts
                self._events[:0] = events
                self._statuses[:0] = statuses
                for rows in (self._starts, self._events, self._statuses):
                    self._cap(rows)
            self._failures += 1
            return 0
        except Exception:
            # The database refused the batch (bad data): write it row by row so that only the
            # bad rows are dropped, not other callers' events with them.
            written = self._write_one_by_one(starts, events, statuses)
            self._failures = 0
            return written
        self._failures = 0
        return len(starts) + len(events) + len(statuses)

    def _write(
        self,
        starts: list[_CallStart],
        events: list[dict[str, Any]],
        statuses: list[tuple[str, str, int | None, datetime]],
    ) -> None:
        with self.database.session() as session:
            if starts:
                self._insert_starts(session, starts)
            # A table-level INSERT: the ORM's bulk path costs several times more per row.
            insert_many(session, CallEvent.__table__, events)
            for call_sid, status, duration, at in statuses:
                CallSession.record_status(session, call_sid, status, duration, at)

    def _write_one_by_one(
        self,
        starts: list[_CallStart],
        events: list[dict[str, Any]],
        statuses: list[tuple[str, str, int | None, datetime]],
    ) -> int:
        written = 0
        rows: list[tuple[list[_CallStart], list[dict[str, Any]], list[Any]]] = [
            *(([start], [], []) for start in starts),
            *(([], [event], []) for event in events),
            *(([], [], [status]) for status in statuses),
        ]
        for one in rows:
            try:
                self._write(*one)
                written += 1
            except Exception as error:
                self.dropped += 1
                # Only the row's kind, call and the error's class: never its values (numbers, input).
                row = one[0][0].call_sid if one[0] else one[1][0]["call_sid"] if one[1] else one[2][0][0]
                log.error(
                    "call event row dropped: the database refused it",
                    extra={"call_sid": str(row)[:64], "error": type(error).__name__, "dropped_total": self.dropped},
                )
        return written

    def _insert_starts(self, session: Session, starts: list[_CallStart]) -> None:
        # Several processes (and Twilio retries) may note the same call: the first row wins.
        rows = {}
        for start in starts:
            number = self.normalize_number(start.from_number)
            rows.setdefault(
                start.call_sid,
                {
                    "call_sid": start.call_sid,
                    "caller_hash": hash_caller(number, self.caller_hash_key),
                    "caller_last4": last_digits(number) or None,
                    "to_number": start.to_number,
                    "direction": start.direction,
                    "started_at": start.at,
                    "relay": start.relay,
                },
            )
        insert_many(session, CallSession.__table__, list(rows.values()), unique="call_sid")

    def close(self) -> None:
        """Write what is buffered and stop the background thread."""
        self._closed = True
        self._wake.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=5)
        self.flush()

    def _ensure_thread(self) -> None:
        # gunicorn forks workers after the app is built: each process needs its own thread.
        if self._closed or (self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()):
            return
        with self._lock:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="call-event-flush", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            # Back off while the database is down instead of logging every 50 ms.
            self._wake.wait(self.interval * min(2**self._failures, 100))
            self._wake.clear()
            self.flush()
