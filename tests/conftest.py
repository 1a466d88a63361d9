"""Shared fixtures, in the manner of Flask's tutorial: app, client, runner, and signed Twilio doors.

Every test that uses ``app`` runs against a real database (a fresh SQLite file,
and PostgreSQL too when ``TEST_DATABASE_URL`` is set) and a real Redis server
that the suite starts itself. Only Twilio's REST API is replaced, at the HTTP
boundary, by ``tests/fake_twilio.py``.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

from app import create_app
from config import Settings, load_settings
from embedded.redis import EmbeddedRedis
from models import migrate
from models.base import Base
from simulator import Call, FlaskTransport, Texter
from tests.fake_twilio import FakeTwilio, start_fake_twilio

PUBLIC_BASE_URL = "https://voice.example.org"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
NEUTRAL_NUMBER = "+16175550100"
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
# CI sets this: there, a missing PostgreSQL or Chromium fails the run instead of skipping tests.
STRICT = os.environ.get("VOICE_TESTS_STRICT") == "1"


def missing(requirement: str) -> None:
    """Skip a test whose real dependency is absent here, or fail it where the run must be complete."""
    if STRICT:
        pytest.fail(f"{requirement} (VOICE_TESTS_STRICT=1 requires every test to run)")
    pytest.skip(requirement)


# --- real services ------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """A real redis-server for the whole run, on a free port."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), persist=False).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once keeps the suite fast)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated, dropped at the end."""
    if not TEST_DATABASE_URL:
        missing("TEST_DATABASE_URL is not set")
    server = make_url(TEST_DATABASE_URL)
    name = f"voice_test_{secrets.token_hex(4)}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = server.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean, migrated database for one test: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        path = tmp_path / "voice.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    request.getfixturevalue("empty_postgres")()
    return url


@pytest.fixture(scope="session")
def empty_postgres(postgres_url: str) -> Callable[[], None]:
    """Empties the run's PostgreSQL database and restarts its id sequences, as TRUNCATE ... RESTART
    IDENTITY would: DELETE and setval take 5 ms where TRUNCATE of every table took 100 ms a test."""
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    tables = [f'"{table.name}"' for table in reversed(Base.metadata.sorted_tables)]
    with psycopg.connect(dsn) as connection:
        sequences = [
            row[0]
            for row in connection.execute(
                "SELECT sequence FROM (SELECT pg_get_serial_sequence(quote_ident(table_name), column_name) AS sequence"
                " FROM information_schema.columns WHERE table_schema = 'public') AS owned WHERE sequence IS NOT NULL"
            )
        ]
    # Children before parents; twice, because a trigger may write into a table already emptied
    # (custody changes raise the custody generation).
    deletes = [f"DELETE FROM {table}" for table in tables] * 2
    script = "; ".join(deletes + [f"SELECT setval('{sequence}', 1, false)" for sequence in sequences])

    def empty() -> None:
        # A connection of its own each time: some tests end every connection to the server.
        with psycopg.connect(dsn) as connection:
            connection.execute(script)

    return empty


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """Twilio's REST API, faked at the HTTP boundary; the real client is pointed here."""
    state, server = start_fake_twilio()
    yield state
    server.shutdown()
    server.server_close()


# --- the app and its doors ------------------------------------------------------


@pytest.fixture
def settings(database_url: str, redis_server: EmbeddedRedis) -> Settings:
    """Test settings: real database and Redis, a known auth token and public URL."""
    return load_settings(
        {},
        env="test",
        database_url=database_url,
        redis_url=redis_server.url,
        twilio_auth_token=AUTH_TOKEN,
        public_base_url=PUBLIC_BASE_URL,
        secret_key="test-secret-key-0123456789abcdef-0123",
        audit_hash_key="test-audit-key-0123456789abcdef-012",
        # Required on a public address: the caller ID of call backs and notification calls.
        neutral_number=NEUTRAL_NUMBER,
        log_level="WARNING",
        # argon2's cheapest parameters: the suite creates and logs in thousands of operators. The
        # standard hashing has tests of its own (tests/operators/test_password_hashing.py).
        password_hashing="fast-for-tests",
    )


@pytest.fixture
def app(settings: Settings, redis_server: EmbeddedRedis) -> Iterator:
    """The hotline app on a fresh database and an empty Redis."""
    redis.Redis.from_url(redis_server.url).flushall()
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    close_app(application)


def close_app(application) -> None:
    """Stop an app's background threads and close its database connections (tests that build their own)."""
    hotline = application.extensions["hotline"]
    hotline.handover.close()
    hotline.events.close()
    hotline.database.dispose()


@pytest.fixture
def client(app):
    """An unsigned HTTP client (for the operator side and for refused requests)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The ``flask`` command line."""
    return app.test_cli_runner()


@pytest.fixture
def transport(app) -> FlaskTransport:
    """Posts signed requests to the app in-process."""
    return FlaskTransport(app, PUBLIC_BASE_URL)


@pytest.fixture
def call(transport: FlaskTransport):
    """Start a simulated call: ``call(caller="+12025550143")`` returns a started Call."""

    def dial(caller: str = "+12025550143", **options: object) -> Call:
        return Call(transport, AUTH_TOKEN, caller=caller, **options).start()  # type: ignore[arg-type]

    return dial


@pytest.fixture
def texter(transport: FlaskTransport):
    """A simulated texter: ``texter(sender).send("STATUS ...")`` returns the replies."""

    def make(sender: str = "+12025550143") -> Texter:
        return Texter(transport, AUTH_TOKEN, sender=sender)

    return make


def flush_events(app) -> None:
    """Write the buffered call events now (they are normally batched every 50 ms)."""
    app.extensions["hotline"].events.flush()
