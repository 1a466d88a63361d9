"""Faults with a verdict: Redis stopped and restarted, database connections killed, the database restarted.

Each test walks real callers through the real tree (signed webhooks, real
database, real Redis) while something breaks, and checks what the hotline
promises: every webhook answers with TwiML Twilio accepts (never a 500), every
callback request a caller was told is saved is in the database, and queued work
drains once the part is back, without restarting the app.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis
from rq import Worker
from rq.job import Job
from sqlalchemy import text

import workers
from app import create_app
from callflows.catalogue import catalogue
from config import load_settings
from embedded.redis import EmbeddedRedis, free_port
from models import OutboxMessage, migrate
from simulator import Call, FlaskTransport
from tests.conftest import AUTH_TOKEN, NEUTRAL_NUMBER, PUBLIC_BASE_URL, missing
from tests.e2e.conftest import ALWAYS_OPEN, choose, heard, requests, safe_contact
from workers.outbox import relay

pytestmark = pytest.mark.slow


def caller_number(n: int) -> str:
    return f"+1202555{n:04d}"


def fault_settings(database_url: str, redis_url: str):
    """The suite's test settings on a database of the test's choosing, operators always open."""
    return load_settings(
        {},
        env="test",
        database_url=database_url,
        redis_url=redis_url,
        twilio_auth_token=AUTH_TOKEN,
        public_base_url=PUBLIC_BASE_URL,
        secret_key="test-secret-key-0123456789abcdef-0123",
        audit_hash_key="test-audit-key-0123456789abcdef-012",
        neutral_number=NEUTRAL_NUMBER,
        log_level="CRITICAL",
        business_hours=ALWAYS_OPEN,
        holidays=(),
    )


def leave_callback_request(app, phone: str) -> Call:
    """A caller asks for a call back on their own number and leaves no message."""
    transport = FlaskTransport(app, PUBLIC_BASE_URL)
    call = Call(transport, AUTH_TOKEN, caller=phone).start()
    caller = call.press("1")
    caller = choose(choose(choose(caller, "en", "callback"), "en", "victim"), "en", "offender_info")
    caller = safe_contact(choose(choose(caller, "en", "danger_no"), "en", "this_number"), "en")
    caller = choose(caller, "en", "skip")
    return caller


# --- Redis stopped and restarted --------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis of this test's own, persisted like the embedded service's (append-only file)."""
    server = EmbeddedRedis(tmp_path / "redis", persist=True).start()
    yield server
    server.stop()


def test_redis_stopped_and_restarted_loses_no_callback_request_and_the_work_drains(
    settings, own_redis: EmbeddedRedis
) -> None:
    app = create_app(settings.replace(redis_url=own_redis.url))
    hotline = app.extensions["hotline"]
    try:
        saved = []
        for n in range(2):
            saved.append(leave_callback_request(app, caller_number(100 + n)))
        hotline.handover.flush()
        own_redis.stop()
        for n in range(3):
            saved.append(leave_callback_request(app, caller_number(200 + n)))
        hotline.handover.flush()  # Redis is down: the rows wait in the outbox
        own_redis.start()
        for n in range(2):
            saved.append(leave_callback_request(app, caller_number(300 + n)))
        hotline.handover.flush()

        assert all(heard(caller, "en", "saved") for caller in saved)
        assert len(requests(app)) == 7
        with hotline.database.session() as session:
            assert len(OutboxMessage.pending(session)) == 3  # the ones written while Redis was down

        assert relay(hotline.database, hotline.redis) == 3
        Worker(workers.queues(hotline.redis), connection=hotline.redis).work(burst=True)
        with hotline.database.session() as session:
            messages = session.query(OutboxMessage).all()
        assert len(messages) == 7 and all(m.enqueued_at is not None for m in messages)
        jobs = [Job.fetch(m.job_id, connection=hotline.redis) for m in messages]
        failures = [j.latest_result().exc_string for j in jobs if j.get_status() != "finished" and j.latest_result()]
        assert {j.get_status() for j in jobs} == {"finished"}, failures
    finally:
        hotline.handover.close()
        hotline.events.close()
        hotline.database.dispose()


# --- database connections killed (PostgreSQL) -------------------------------------------


def terminate_other_backends(url: str) -> int:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        row = connection.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return row[0]


def test_killed_database_connections_are_replaced_without_a_restart(postgres_url: str, redis_server) -> None:
    app = create_app(fault_settings(postgres_url, redis_server.url))
    hotline = app.extensions["hotline"]
    try:
        with hotline.database.engine.begin() as connection:
            connection.execute(text("DELETE FROM callback_requests WHERE phone LIKE '+1202555000%'"))
        assert heard(leave_callback_request(app, caller_number(1)), "en", "saved")
        hotline.events.flush()
        assert terminate_other_backends(hotline.database.url) >= 1

        # The pool notices the dead connections (pre-ping) and opens new ones.
        assert heard(leave_callback_request(app, caller_number(2)), "en", "saved")
        phones = [r.phone for r in requests(app)]
        assert caller_number(1) in phones and caller_number(2) in phones
    finally:
        hotline.events.close()
        hotline.database.dispose()


# --- the database server restarted (a throwaway cluster of this test's own) --------------


def _postgres_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, run as the postgres user, never the shared server."""

    def __init__(self, directory: Path) -> None:
        self.bin = _postgres_bin()
        if self.bin is None:
            missing("initdb/pg_ctl are not installed")
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None

    def _run(self, *command: str) -> None:
        if self.user is not None:
            command = ("runuser", "-u", "postgres", "--", *command)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.directory)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    def init(self) -> ThrowawayPostgres:
        if self.user is not None:
            os.chown(self.directory, self.user.pw_uid, self.user.pw_gid)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.directory / "log"),
            "start",
        )

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    # Not under pytest's basetemp: other runs on this machine prune old basetemp folders.
    directory = Path(tempfile.mkdtemp(prefix="voice-pgcluster-"))
    cluster = ThrowawayPostgres(directory).init()
    cluster.start()
    try:
        yield cluster
    finally:
        with contextlib.suppress(RuntimeError):
            cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_database_restart_gives_calm_answers_meanwhile_and_recovers_without_a_restart(
    redis_server, throwaway_postgres: ThrowawayPostgres
) -> None:
    migrate.upgrade(throwaway_postgres.url)
    redis.Redis.from_url(redis_server.url).flushall()
    settings = fault_settings(throwaway_postgres.url, redis_server.url)
    app = create_app(settings)
    hotline = app.extensions["hotline"]
    try:
        assert heard(leave_callback_request(app, caller_number(1)), "en", "saved")

        throwaway_postgres.stop()
        # Meanwhile: navigation answers, and the step that must write apologises in valid TwiML.
        down = Call(FlaskTransport(app, PUBLIC_BASE_URL), AUTH_TOKEN, caller=caller_number(2)).start()
        down = choose(down.press("1"), "en", "callback")
        assert down.last_heard()
        down = choose(choose(choose(down, "en", "victim"), "en", "offender_info"), "en", "danger_no")
        # The request is stored as soon as the number is confirmed: that is the step that apologises.
        down = choose(down, "en", "this_number")
        assert not heard(down, "en", "saved")
        assert catalogue().text("en", "error.apology") in down.last_heard()

        throwaway_postgres.start()
        assert heard(leave_callback_request(app, caller_number(3)), "en", "saved")
        assert [r.phone for r in requests(app)] == [caller_number(1), caller_number(3)]
        with hotline.database.engine.connect() as connection:
            assert connection.execute(text("SELECT 1")).scalar() == 1
    finally:
        hotline.events.close()
        hotline.database.dispose()
