"""A forked child (rq's work horse) never reuses the parent's pooled database connections."""

from __future__ import annotations

import os

from sqlalchemy import text

from models.base import Database


def backend_id(database: Database) -> object:
    with database.engine.connect() as connection:
        if database.dialect == "postgresql":
            return connection.execute(text("SELECT pg_backend_pid()")).scalar()
        return id(connection.connection.driver_connection)


def test_a_forked_child_opens_its_own_connection_and_the_parent_keeps_working(database_url: str) -> None:
    database = Database(database_url)
    try:
        parent_backend = backend_id(database)
        read, write = os.pipe()
        child = os.fork()
        if child == 0:  # the work horse
            os.close(read)
            try:
                same = backend_id(database) == parent_backend
                os.write(write, b"same" if same else b"own")
            finally:
                os._exit(0)
        os.close(write)
        answer = os.read(read, 16)
        os.waitpid(child, 0)
        os.close(read)
        assert answer == b"own"
        assert backend_id(database) == parent_backend
    finally:
        database.dispose()
