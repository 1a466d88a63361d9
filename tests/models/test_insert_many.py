"""``insert_many``: the call-event buffer's one-statement INSERT reads back as the ORM wrote it, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from models.base import Database, insert_many
from models.call import CallEvent, CallSession


def test_rows_read_back_as_written_and_a_taken_key_is_skipped(database_url: str) -> None:
    database = Database(database_url)
    at = datetime(2026, 11, 30, 18, 0, 0, 5, tzinfo=UTC)
    try:
        with database.session() as session:
            insert_many(
                session,
                CallSession.__table__,
                [
                    {"call_sid": "CA1", "started_at": at, "relay": True, "caller_last4": "0143"},
                    # Keys in another order, and a time in another zone: stored as the same instant in UTC.
                    {
                        "relay": False,
                        "caller_last4": None,
                        "call_sid": "CA2",
                        "started_at": at.astimezone(timezone(timedelta(hours=-6))),
                    },
                ],
                unique="call_sid",
            )
            insert_many(
                session,
                CallSession.__table__,
                [{"call_sid": "CA1", "started_at": at, "relay": False, "caller_last4": "9999"}],
                unique="call_sid",
            )
            insert_many(
                session, CallEvent.__table__, [{"call_sid": "CA1", "node": "welcome", "at": at, "channel": "voice"}]
            )
            insert_many(session, CallEvent.__table__, [])
            session.commit()
        with database.session() as session:
            calls = {row.call_sid: row for row in session.scalars(select(CallSession))}
            assert (calls["CA1"].started_at, calls["CA1"].relay, calls["CA1"].caller_last4) == (at, True, "0143")
            assert (calls["CA2"].started_at, calls["CA2"].relay, calls["CA2"].caller_last4) == (at, False, None)
            # The ORM's own comparisons work on what was written (SQLite compares the stored text).
            assert (
                session.scalar(
                    select(CallEvent.node).where(CallEvent.at >= at, CallEvent.at < at + timedelta(seconds=1))
                )
                == "welcome"
            )
    finally:
        database.dispose()
