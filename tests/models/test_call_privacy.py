"""What call_sessions and the event buffer keep: no numbers, no lost batches."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import inspect, select, text

from models import CallEvent, CallSession, EventBuffer, LookupAudit
from models.audit import hash_caller
from models.base import Database
from tests.conftest import flush_events

CALLER = "+12025550143"


def test_call_sessions_keep_the_keyed_hash_and_last_four_not_the_number(app, call) -> None:
    caller = call(caller=CALLER)
    flush_events(app)
    hotline = app.extensions["hotline"]
    with hotline.database.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("call_sessions")}
        row = connection.execute(text("SELECT * FROM call_sessions")).mappings().one()
    assert "from_number" not in columns
    assert not any("5550143" in str(value) for value in row.values())
    assert row["caller_last4"] == "0143" and row["call_sid"] == caller.call_sid
    assert row["caller_hash"] == hash_caller(CALLER, hotline.settings.audit_hash_key)


def test_the_engine_hides_sql_parameters_from_errors(app) -> None:
    database = app.extensions["hotline"].database
    assert database.engine.hide_parameters
    with pytest.raises(Exception) as caught, database.session() as session:
        session.execute(text("SELECT no_such_column FROM call_sessions WHERE call_sid = :n"), {"n": CALLER})
    assert CALLER not in str(caught.value)


def test_a_refused_row_is_dropped_alone_and_logged_without_its_values(app, caplog) -> None:
    buffer: EventBuffer = app.extensions["hotline"].events
    buffer.record("CA" + "1" * 32, "main", input="1")
    # A lone surrogate cannot be stored by any driver (PostgreSQL also refuses NUL bytes).
    buffer.record("CA" + "2" * 32, "custody.ask", input=CALLER + "\ud800")
    buffer.record("CA" + "3" * 32, "main", input="2")
    caplog.set_level(logging.ERROR, logger="voice")
    logging.getLogger("voice").propagate = True
    try:
        flush_events(app)
    finally:
        logging.getLogger("voice").propagate = False
    with app.extensions["hotline"].database.session() as session:
        stored = list(session.scalars(select(CallEvent.call_sid).order_by(CallEvent.id)))
    assert stored == ["CA" + "1" * 32, "CA" + "3" * 32]
    assert buffer.dropped == 1
    dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert dropped and all("5550143" not in r.getMessage() + str(r.__dict__) for r in caplog.records)


def test_a_nul_byte_or_an_overlong_number_drops_only_its_own_row_on_postgresql(app) -> None:
    database = app.extensions["hotline"].database
    if database.dialect != "postgresql":
        pytest.skip("SQLite stores NUL bytes and long strings")
    buffer: EventBuffer = app.extensions["hotline"].events
    buffer.start_call("CA" + "4" * 32, CALLER, "+1" + "8" * 38, "inbound")
    buffer.start_call("CA" + "5" * 32, CALLER, "+18554886423", "inbound")
    buffer.record("CA" + "5" * 32, "main", input="a\x00b")
    buffer.record("CA" + "5" * 32, "main", input="1")
    flush_events(app)
    with database.session() as session:
        assert list(session.scalars(select(CallSession.call_sid))) == ["CA" + "5" * 32]
        assert list(session.scalars(select(CallEvent.input))) == ["1"]
    assert buffer.dropped == 2


def test_the_buffer_has_a_cap_while_the_database_is_down(tmp_path) -> None:
    unreachable = Database(f"sqlite:///{tmp_path / 'missing' / 'voice.db'}")
    buffer = EventBuffer(unreachable, interval=3600, max_pending=10)
    buffer._closed = True  # no background thread: this test flushes by hand
    for number in range(25):
        buffer.record(f"CA{number:032d}", "main", input="1")
    assert buffer.flush() == 0
    assert len(buffer._events) == 10 and buffer.dropped == 15
    # The newest rows are the ones kept.
    assert buffer._events[-1]["call_sid"] == f"CA{24:032d}"
    buffer._events.clear()  # nothing left for the exit-time flush
    unreachable.dispose()


def test_the_audit_joined_with_call_sessions_names_no_one() -> None:
    columns = {c.name for c in LookupAudit.__table__.columns} | {c.name for c in CallSession.__table__.columns}
    assert not {"from_number", "phone", "caller"} & columns


def test_the_migration_replaces_stored_numbers_with_hash_and_last_four(tmp_path) -> None:
    from config import load_settings
    from models import migrate

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(url, "0006")
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO call_sessions (call_sid, from_number, started_at) "
                "VALUES ('CA1', '+12025550143', '2026-11-01 10:00:00.000000')"
            )
        )
    migrate.upgrade(url)
    with database.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM call_sessions")).mappings().one()
    database.dispose()
    assert "from_number" not in row
    assert row["caller_last4"] == "0143"
    assert row["caller_hash"] == hash_caller(CALLER, load_settings().audit_hash_key)
