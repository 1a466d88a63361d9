"""The look-up audit: every custody look-up attempt, voice or SMS, success or not.

A privacy officer exports it (``flask audit export``); the per-caller limits are
queries over it. The caller's number is never stored, only a keyed hash of it
(``settings.audit_hash_key``), so the table can show a pattern without naming
the person behind it.

``LookupDesk`` is the look-up's hot path: one long-lived DBAPI connection per
process runs the read (limits and record in one statement) and the audit insert, and
commits before the caller hears anything: one SELECT, one INSERT (the style guide measured 0.48–0.57
of bare this way against 0.28–0.32 through ``engine.begin()`` per request).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, Database, sqlite_time, utcnow
from models.disclosure import as_date
from models.record_cache import RecordCache, generation_triggers_present

VOICE = "voice"
SMS = "sms"

# Result classes. The caller hears the same sentence for every "no information"
# class (not found, country mismatch, found but not disclosed); the audit keeps
# them apart for the privacy officer.
DISCLOSED = "disclosed"
STATUS_DISCLOSED = "status_disclosed"
NOT_DISCLOSED = "not_disclosed"
NOT_FOUND = "not_found"
COUNTRY_MISMATCH = "country_mismatch"
LIMITED = "limited"
INCOMPLETE = "incomplete"
# A look-up step replayed after the call ended (a signed request sent again): refused, audited.
CALL_ENDED = "call_ended"
RESULTS = (DISCLOSED, STATUS_DISCLOSED, NOT_DISCLOSED, NOT_FOUND, COUNTRY_MISMATCH, LIMITED, INCOMPLETE, CALL_ENDED)
# Attempts that count against the per-call limit: all that sound alike to the caller,
# so the limit itself cannot tell "not found" from "not disclosed".
FAILED = (NOT_DISCLOSED, NOT_FOUND, COUNTRY_MISMATCH)
WITHHELD_CALLER = "withheld"


class LookupAudit(Base):
    """One look-up attempt: who asked (hashed), for which A-number, and what was disclosed."""

    __tablename__ = "lookup_audits"
    __table_args__ = (
        Index("ix_lookup_audits_caller_hash_at", "caller_hash", "at"),
        Index("ix_lookup_audits_thread_at", "thread", "at"),
        Index("ix_lookup_audits_at", "at"),
        Index("uq_lookup_audits_request_key", "request_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(8))
    # CallSid or MessageSid.
    sid: Mapped[str] = mapped_column(String(64))
    # What the per-call limit counts over: the CallSid, or the texter's hash for SMS.
    thread: Mapped[str] = mapped_column(String(80))
    caller_hash: Mapped[str] = mapped_column(String(64))
    a_number: Mapped[str | None] = mapped_column(String(9))
    country: Mapped[str | None] = mapped_column(String(2))
    result: Mapped[str] = mapped_column(String(24))
    # Comma-separated field names read or texted to the caller ("" when nothing was).
    fields_disclosed: Mapped[str] = mapped_column(String(200), default="")
    # Set on the attempt that hit a limit: the caller's pattern needs a supervisor's review.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # Twilio's I-Twilio-Idempotency-Token (or MessageSid): a retried request is audited once.
    request_key: Mapped[str | None] = mapped_column(String(128))

    @staticmethod
    def since(session: Session, since: datetime) -> Iterator[LookupAudit]:
        """Every attempt from ``since`` on, oldest first (streamed)."""
        query = select(LookupAudit).where(LookupAudit.at >= since).order_by(LookupAudit.at, LookupAudit.id)
        return iter(session.scalars(query.execution_options(yield_per=1000)))

    @staticmethod
    def flagged_callers(session: Session, since: datetime) -> list[tuple[str, int]]:
        """Caller hashes flagged for supervisor review since ``since``, with how many flags."""
        query = (
            select(LookupAudit.caller_hash, func.count())
            .where(LookupAudit.flagged.is_(True), LookupAudit.at >= since)
            .group_by(LookupAudit.caller_hash)
            .order_by(func.count().desc())
        )
        return [(row[0], row[1]) for row in session.execute(query)]


# A text's thread and its audit row, and a call's start and its look-ups, hash the same number.
@lru_cache(maxsize=4096)
def hash_caller(caller: str | None, key: str) -> str:
    """A keyed hash (HMAC-SHA256) of the caller's E.164 number; withheld numbers share one."""
    return hmac.new(key.encode(), (caller or WITHHELD_CALLER).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class LimitCounts:
    """What the limits need to know before a look-up."""

    distinct_other_a_numbers: int
    failed_in_thread: int
    earlier_result: str | None
    # The call's status callback already said it ended (completed, busy, ...).
    call_ended: bool = False


@dataclass(frozen=True)
class FoundRecord:
    """The columns a look-up may disclose."""

    status: str
    country_of_birth: str
    facility_name: str | None
    city: str | None
    state: str | None
    phone: str | None
    case_status: str | None = None
    # What the disclosure rules need (models/disclosure.py).
    date_of_birth: date | None = None
    protected: bool = False
    status_changed_at: datetime | None = None


# One statement for the limits and the record (one round trip on the hot path): the counts
# the limits need, an earlier result for a retried request, and the record with its facility.
# The custody generation comes in the same statement, so in the same snapshot as the record
# (models/record_cache.py): a cached record is used only when it was read at that generation.
_LIMIT_COUNTS = """
  (SELECT COUNT(DISTINCT a_number) FROM lookup_audits
    WHERE caller_hash = :caller_hash AND at >= :since AND a_number <> :a_number
      AND result NOT IN ('limited', 'incomplete')),
  (SELECT COUNT(*) FROM lookup_audits
    WHERE thread = :thread AND at >= :since AND result IN ('not_disclosed', 'not_found', 'country_mismatch')),
  (SELECT result FROM lookup_audits WHERE request_key = :request_key),
  (SELECT COUNT(*) FROM call_sessions
    WHERE call_sid = :sid AND status IN ('completed', 'busy', 'failed', 'no-answer', 'canceled')),
  (SELECT value FROM custody_generation WHERE id = 1)"""
_READ = (
    "SELECT"
    + _LIMIT_COUNTS
    + """,
  r.status, r.country_of_birth, f.name, f.city, f.state, f.phone, r.case_status,
  r.date_of_birth, r.protected, r.status_changed_at
FROM (SELECT 1 AS one) AS asked
LEFT JOIN custody_records r ON r.a_number = :a_number
LEFT JOIN facilities f ON f.code = r.facility_code
"""
)
# The same counts without the record: for an A-number this process has cached.
_READ_COUNTS = "SELECT" + _LIMIT_COUNTS + "\n"
# The per-caller limit is taken atomically (docs/decisions/lookup-limit-in-audit-transaction.md):
# the count and the audit row that adds to it happen under one lock per caller hash,
# held to the end of the transaction. PostgreSQL: an advisory transaction lock on the hash;
# SQLite: the database's write lock, taken up front with BEGIN IMMEDIATE.
_LOCK_CALLER = "SELECT pg_advisory_xact_lock(:lock_id)"
_AUDIT = """
INSERT INTO lookup_audits
  (at, channel, sid, thread, caller_hash, a_number, country, result, fields_disclosed, flagged, request_key)
VALUES
  (:at, :channel, :sid, :thread, :caller_hash, :a_number, :country, :result, :fields_disclosed, :flagged, :request_key)
ON CONFLICT (request_key) DO NOTHING
"""
# The reply to a text, stored with its MessageSid (claimed in the same transaction) so a retried delivery gets it.
_KEEP_REPLY = """
UPDATE processed_messages SET reply = :reply, replied_at = :at WHERE message_sid = :message_sid
"""
_CLAIM = """
INSERT INTO processed_messages (message_sid, received_at) VALUES (:message_sid, :at)
ON CONFLICT (message_sid) DO NOTHING
RETURNING message_sid
"""


@lru_cache(maxsize=32)
def _bound(sql: str) -> str:
    """PostgreSQL: ``sql`` (written with :name parameters) with psycopg's %(name)s, so values travel bound."""
    return re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql)


def _found(record: list[Any]) -> FoundRecord:
    """The record's row as a FoundRecord (SQLite hands dates and times back as text)."""
    *values, born, protected, changed = record
    if isinstance(changed, str):
        changed = datetime.fromisoformat(changed)
    if changed is not None and changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    return FoundRecord(*values, as_date(born), bool(protected), changed)


class DeskTransaction:
    """The statements of one look-up, on the desk's connection, inside one transaction."""

    def __init__(
        self,
        cursor: Any,
        sql: dict[str, str],
        postgres: bool,
        cache: RecordCache | None = None,
        pipeline: Any = None,
    ) -> None:
        self._cursor = cursor
        self._sql = sql
        self._postgres = postgres
        self._cache = cache
        # PostgreSQL: psycopg's pipeline. Statements whose results nobody waits for go with the next
        # one that is waited for (one round trip), each with its values bound, never in the SQL text:
        # a statement the server logs (a lock wait, an error) shows $1, not an A-number or a hash.
        self._pipeline = pipeline
        if postgres:
            self._cursor.execute("BEGIN")

    def _run(self, name: str, params: dict[str, Any], wait: bool = True) -> None:
        """Run statement ``name``; on PostgreSQL, with what is pending before it, in one round trip.

        With ``wait=False`` a PostgreSQL statement only joins the pending ones (the caller's lock
        goes with the read, the audit INSERT with the COMMIT).
        """
        if not self._postgres:
            self._cursor.execute(self._sql[name], params)
            return
        # Prepared once per connection by psycopg (extended protocol), as the PREPARE it replaced was.
        self._cursor.execute(self._sql[name], params, prepare=True)
        if wait:
            self._pipeline.sync()

    def commit(self) -> None:
        """Commit the look-up (durably), and wait for it."""
        if self._postgres:
            self._cursor.execute("COMMIT")
            self._pipeline.sync()
        else:
            self._cursor.connection.commit()

    def _time(self, value: datetime) -> Any:
        # SQLite has no time type: store the text form SQLAlchemy's DateTime writes, so
        # the ORM reads these rows back and ``at >= since`` compares like with like.
        return value if self._postgres else sqlite_time(value)

    def claim_message(self, message_sid: str, now: datetime) -> bool:
        """Mark a MessageSid processed; False when it already was (a duplicate delivery)."""
        self._run("claim", {"message_sid": message_sid, "at": self._time(now)})
        return self._cursor.fetchone() is not None

    def keep_reply(self, message_sid: str, reply: str | None, now: datetime) -> None:
        """Store the reply to a text claimed in this transaction (``claim_message``), committed with its audit row."""
        self._run("keep_reply", {"message_sid": message_sid, "reply": reply, "at": self._time(now)}, wait=False)

    def lock_caller(self, caller_hash: str) -> None:
        """Hold this caller's limit until the transaction ends (other look-ups by them wait)."""
        if self._postgres:
            # The advisory lock key is a signed 64-bit integer: the hash's first 60 bits.
            self._run("lock", {"lock_id": int(caller_hash[:15], 16)}, wait=False)
        elif not self._cursor.connection.in_transaction:
            self._cursor.execute("BEGIN IMMEDIATE")

    def read(
        self, caller_hash: str, thread: str, a_number: str, since: datetime, request_key: str | None, sid: str = ""
    ) -> tuple[LimitCounts, FoundRecord | None]:
        """The limit counts (distinct other A-numbers, failed attempts, an earlier result) and the record."""
        params = {
            "sid": sid,
            "caller_hash": caller_hash,
            "thread": thread,
            "a_number": a_number,
            "since": self._time(since),
            "request_key": request_key,
        }
        cache = self._cache
        if cache is not None and cache.known(a_number):
            self._run("counts", params)
            distinct, failed, earlier, ended, generation = self._cursor.fetchone()
            hit, found = cache.get(a_number, generation)
            if hit:
                return LimitCounts(distinct or 0, failed or 0, earlier, bool(ended)), found
        self._run("read", params)
        distinct, failed, earlier, ended, generation, *record = self._cursor.fetchone()
        found = None if record[0] is None else _found(record)
        if cache is not None:
            cache.put(a_number, generation, found)
        return LimitCounts(distinct or 0, failed or 0, earlier, bool(ended)), found

    def audit(
        self,
        *,
        at: datetime,
        channel: str,
        sid: str,
        thread: str,
        caller_hash: str,
        a_number: str | None,
        country: str | None,
        result: str,
        fields_disclosed: tuple[str, ...] = (),
        flagged: bool = False,
        request_key: str | None = None,
    ) -> None:
        """Write the attempt's audit row (once per request key)."""
        self._run(
            "audit",
            {
                "at": self._time(at),
                "channel": channel,
                "sid": sid,
                "thread": thread,
                "caller_hash": caller_hash,
                "a_number": a_number,
                "country": country,
                "result": result,
                "fields_disclosed": ",".join(fields_disclosed),
                "flagged": flagged,
                "request_key": request_key,
            },
            wait=False,
        )


class LookupDesk:
    """The look-up's one long-lived database connection per process."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.postgres = database.dialect == "postgresql"
        statements = {
            "read": _READ,
            "counts": _READ_COUNTS,
            "audit": _AUDIT,
            "claim": _CLAIM,
            "keep_reply": _KEEP_REPLY,
            "lock": _LOCK_CALLER,
        }
        # sqlite3 takes :name as written. PostgreSQL: psycopg's %(name)s, bound server-side and
        # prepared once per connection (see ``DeskTransaction._run``).
        self.sql = {name: _bound(sql) for name, sql in statements.items()} if self.postgres else statements
        self._connection: Any = None
        self._cursor: Any = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        # Records this process has read, used only while the generation triggers exist.
        self.cache = RecordCache()
        self._cache_usable = False

    def _connect(self) -> Any:
        # gunicorn forks after import: a connection opened in another process is not ours to use.
        if self._connection is None or self._pid != os.getpid():
            raw = self.database.engine.raw_connection()
            connection = raw.driver_connection
            # Detached from the pool: this connection is the desk's for the life of the process.
            raw.detach()
            try:
                self._cache_usable, self._cursor = self._set_up(connection)
            except BaseException:
                # Half set up (say, a statement prepared before its table exists): never kept.
                with contextlib.suppress(Exception):
                    connection.close()
                raise
            self._connection = connection
            self._pid = os.getpid()
        return self._connection

    def _set_up(self, connection: Any) -> tuple[bool, Any]:
        # Whether the record cache may be used, and the cursor the look-ups run on.
        cursor = connection.cursor()
        try:
            cache_usable = generation_triggers_present(cursor, self.postgres)
        finally:
            cursor.close()
            connection.commit()
        if not self.postgres:
            return cache_usable, connection.cursor()
        # The desk says BEGIN and COMMIT itself, so it can send them with other statements.
        connection.autocommit = True
        return cache_usable, connection.cursor()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        self._cursor = None
        if connection is not None:
            # A broken connection may fail to close; it is gone either way.
            with contextlib.suppress(Exception):
                connection.close()

    @contextmanager
    def transaction(self) -> Iterator[DeskTransaction]:
        """One look-up's statements, committed (durably) before the caller is answered."""
        with self._lock:
            connection = self._connect()
            # PostgreSQL: two round trips in psycopg's pipeline: BEGIN, the caller's lock and
            # the read; then the audit INSERT and COMMIT, whose answer is waited for before the caller
            # hears anything.
            cache = self.cache if self._cache_usable else None
            try:
                with connection.pipeline() if self.postgres else contextlib.nullcontext() as pipeline:
                    tx = DeskTransaction(self._cursor, self.sql, self.postgres, cache, pipeline)
                    yield tx
                    tx.commit()
            except BaseException:
                if self.postgres:
                    # A fresh connection prepares its statements anew (one changed by a migration
                    # under a running worker fails until it is prepared again).
                    self._drop()
                    raise
                try:
                    connection.rollback()
                except Exception:
                    # The connection is broken: reconnect on the next look-up.
                    self._drop()
                raise

    def read_row(self, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
        """The one row of a read outside any look-up's transaction (``sql`` written with :name parameters).

        On the desk's connection, values bound, so a look-up's first read needs no pooled session.
        """
        with self._lock:
            self._connect()
            try:
                if self.postgres:
                    # Its own implicit transaction (the connection is in autocommit mode); prepared once per connection.
                    self._cursor.execute(_bound(sql), params, prepare=True)
                else:
                    # sqlite3 begins no transaction for a SELECT: nothing is held after it.
                    self._cursor.execute(sql, params)
                return tuple(self._cursor.fetchone())
            except BaseException:
                # A broken connection is opened anew on the next look-up.
                self._drop()
                raise

    def close(self) -> None:
        """Close the connection (tests, process exit)."""
        with self._lock:
            if self._pid == os.getpid():
                self._drop()
            self._connection = None
