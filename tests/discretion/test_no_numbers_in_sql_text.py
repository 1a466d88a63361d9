"""A look-up that waits on a lock shows PostgreSQL only placeholders: no A-number, no caller hash in the SQL text."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import psycopg
import pytest
from sqlalchemy.engine import make_url

from models.audit import LookupDesk, hash_caller
from models.base import utcnow

A_NUMBER = "209000077"


def test_a_waiting_look_up_statement_holds_no_a_number_or_hash(app) -> None:
    database = app.extensions["hotline"].database
    if database.dialect != "postgresql":
        pytest.skip("PostgreSQL's own view of a waiting statement")
    caller_hash = hash_caller("+12025550143", app.extensions["hotline"].settings.audit_hash_key)
    dsn = make_url(database.url).set(drivername="postgresql").render_as_string(hide_password=False)
    desk = LookupDesk(database)
    with psycopg.connect(dsn, autocommit=True) as holder, psycopg.connect(dsn, autocommit=True) as watcher:
        holder.execute("BEGIN")
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (int(caller_hash[:15], 16),))

        def look_up() -> None:
            with desk.transaction() as tx:
                tx.lock_caller(caller_hash)
                tx.read(caller_hash, "CA1", A_NUMBER, utcnow() - timedelta(days=1), "key-1", sid="CA1")

        worker = threading.Thread(target=look_up)
        worker.start()
        waiting: list[str] = []
        for _ in range(100):
            waiting = [
                row[0]
                for row in watcher.execute(
                    "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            ]
            if waiting:
                break
            time.sleep(0.05)
        holder.execute("COMMIT")
        worker.join(10)
    desk.close()
    assert waiting, "the look-up never waited on the caller's lock"
    for text in waiting:
        assert A_NUMBER not in text and caller_hash not in text and str(int(caller_hash[:15], 16)) not in text
