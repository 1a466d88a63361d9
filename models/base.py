"""The declarative base, the engine/session pair and time helpers."""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, configure_mappers, sessionmaker
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type; without this it would hand back naive values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store times timezone-aware in UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_time(value: datetime) -> str:
    """An aware time as SQLAlchemy stores it in SQLite (UTC, text), for statements that bypass its types."""
    v = value.astimezone(UTC)
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031  (one format call: a hot path)
        v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond
    )  # fmt: skip


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]], unique: str | None = None) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in one statement; with ``unique``, a row
    whose ``unique`` column is already taken is skipped.

    On SQLite the values go straight to the driver (times as ``sqlite_time`` text; so text, numbers,
    flags and times only): SQLAlchemy's per-value processing cost more than the INSERT itself.
    PostgreSQL gets SQLAlchemy's batched insert.
    """
    if not rows:
        return
    connection = session.connection()
    columns = tuple(rows[0])
    if connection.dialect.name != "sqlite":
        statement = postgresql_insert(table)
        session.execute(statement.on_conflict_do_nothing(index_elements=[unique]) if unique else statement, rows)
        return
    values = [
        tuple(sqlite_time(value) if isinstance(value, datetime) else value for value in map(row.__getitem__, columns))
        for row in rows
    ]
    connection.exec_driver_sql(_sqlite_insert(table.name, columns, unique), values)


@functools.lru_cache(maxsize=64)
def _sqlite_insert(table: str, columns: tuple[str, ...], unique: str | None) -> str:
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return sql + (f" ON CONFLICT ({unique}) DO NOTHING" if unique else "")


class Base(DeclarativeBase):
    """Base of every model."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime}


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web and worker processes read while one writes; a busy
    # timeout makes a writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _forget_pool_after_fork(database: weakref.ref[Database]) -> None:
    found = database()
    if found is not None:
        found.engine.dispose(close=False)


class Database:
    """One engine and its session factory for a process."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = normalize_database_url(url)
        # SQL parameters (phone numbers, A-numbers) never reach an exception message or a log.
        options: dict[str, Any] = {"future": True, "hide_parameters": True}
        if self.url.startswith("sqlite"):
            options["connect_args"] = {"timeout": 10, "check_same_thread": False}
        else:
            options.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
        options.update(engine_options)
        self.engine: Engine = create_engine(self.url, **options)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _tune_sqlite)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Mappers are configured at start-up: left to the first query, it cost a worker's first
        # caller a few hundred milliseconds.
        configure_mappers()
        # rq's worker forks a work horse per job while its outbox relay thread uses
        # this pool: a forked child must never reuse the parent's connections
        # (SQLAlchemy docs, "Using Connection Pools with Multiprocessing or os.fork()").
        os.register_at_fork(after_in_child=functools.partial(_forget_pool_after_fork, weakref.ref(self)))

    @property
    def dialect(self) -> str:
        """The SQL dialect name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
