"""Twenty operators claiming at once never get the same request (real threads, real databases)."""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import text

from models import CallbackRequest, Operator, claims
from models.base import Base, Database, utcnow

OPERATORS = 20


def fill(database: Database, requests: int) -> list[Operator]:
    now = utcnow()
    with database.session() as session:
        session.add_all(
            CallbackRequest(
                phone=f"+1202555{i:04d}", language="en", urgent=i % 7 == 0, priority=i % 3,
                created_at=now - timedelta(seconds=i), updated_at=now,
            )
            for i in range(requests)
        )  # fmt: skip
        operators = [Operator(email=f"op{i}@voice.test", name="", role="operator") for i in range(OPERATORS)]
        session.add_all(operators)
    return operators


def work_the_queue(database: Database, operators: list[Operator]) -> list[int]:
    """Each operator claims and completes until the queue is empty; returns every claimed id."""
    claimed: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(len(operators))
    errors: list[BaseException] = []

    def operator_loop(operator: Operator) -> None:
        try:
            start.wait()
            while True:
                with database.session() as session:
                    item = claims.claim_next(session, operator, utcnow())
                    if item is None:
                        return
                    item_id = item.id
                with lock:
                    claimed.append(item_id)
                with database.session() as session:
                    claims.complete(session, item_id, operator, utcnow(), "resolved")
        except BaseException as error:  # surfaced in the test thread below
            errors.append(error)

    threads = [threading.Thread(target=operator_loop, args=(op,)) for op in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return claimed


@pytest.fixture
def pg_database(postgres_url: str):
    database = Database(postgres_url, pool_size=OPERATORS + 2)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    database.dispose()


def test_twenty_operators_claiming_at_once_on_postgresql_never_share_a_request(pg_database: Database) -> None:
    operators = fill(pg_database, 300)
    claimed = work_the_queue(pg_database, operators)
    doubles = [rid for rid, n in Counter(claimed).items() if n > 1]
    assert doubles == []
    assert len(claimed) == 300
    with pg_database.session() as session:
        assert claims.queue(session, status=claims.OPEN) == []
        history = session.execute(text("SELECT count(*) FROM callback_history WHERE event = 'claimed'")).scalar()
    assert history == 300


def same_operator_in_ten_tabs(database: Database) -> None:
    operators = fill(database, 50)
    same = [operators[0]] * 10
    results: list[int | None] = []
    barrier = threading.Barrier(len(same))

    def tab(operator: Operator) -> None:
        barrier.wait()
        with database.session() as session:
            item = claims.claim_next(session, operator, utcnow())
            results.append(item.id if item else None)

    threads = [threading.Thread(target=tab, args=(op,)) for op in same]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 10 and len(set(results)) == 1 and None not in results
    with database.session() as session:
        assert len(claims.queue(session, status=claims.CLAIMED)) == 1


def test_one_operator_in_ten_tabs_holds_one_claim_on_postgresql(pg_database: Database) -> None:
    same_operator_in_ten_tabs(pg_database)


def test_one_operator_in_ten_tabs_holds_one_claim_on_sqlite(tmp_path, sqlite_template) -> None:
    path = tmp_path / "tabs.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    try:
        same_operator_in_ten_tabs(database)
    finally:
        database.dispose()


def test_concurrent_claims_on_sqlite_never_share_a_request(tmp_path, sqlite_template) -> None:
    path = tmp_path / "claims.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    try:
        operators = fill(database, 120)
        claimed = work_the_queue(database, operators[:8])
        assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 120
    finally:
        database.dispose()
