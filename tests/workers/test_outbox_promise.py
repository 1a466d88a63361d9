"""The outbox's promise: a row handed over twice is one job, even when the relay dies between enqueue and mark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

from rq import Worker
from rq.job import Job

import workers
from models import CallbackRequest, OutboxMessage
from models.base import utcnow
from workers.outbox import HandOver, purge_relayed, relay

ROOT = Path(__file__).resolve().parents[2]

# Runs the real relay in its own process; rq's enqueue is wrapped so that the
# process is killed (SIGKILL, no clean-up) right after Redis accepted the N-th
# job (argv[3]) and before the outbox rows are marked.
KILLED_RELAY = textwrap.dedent(
    """
    import os, signal, sys
    from rq import Queue
    import workers
    from models.base import Database
    from workers.outbox import relay

    real_enqueue = Queue.enqueue
    enqueued = []

    def enqueue_then_die(self, *args, **kwargs):
        job = real_enqueue(self, *args, **kwargs)
        enqueued.append(job)
        if len(enqueued) == int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)
        return job

    Queue.enqueue = enqueue_then_die
    relay(Database(sys.argv[1]), workers.connect(sys.argv[2]))
    """
)


def add_request_with_job(database, phone: str = "+12025550143") -> int:
    with database.session() as session:
        request = CallbackRequest(phone=phone, language="en", source="voice")
        session.add(request)
        session.flush()
        return OutboxMessage.add(session, "workers.callbacks.acknowledge_request", request.id, queue="high")


def kill_relay_after(enqueued: int, database_url: str, redis_url: str) -> subprocess.CompletedProcess[str]:
    """Run the relay in a process that is killed right after its ``enqueued``-th job reached Redis."""
    return subprocess.run(
        [sys.executable, "-c", KILLED_RELAY, database_url, redis_url, str(enqueued)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_relay_killed_between_enqueue_and_mark_still_makes_one_job(app, redis_server) -> None:
    hotline = app.extensions["hotline"]
    message_id = add_request_with_job(hotline.database)

    killed = kill_relay_after(1, hotline.database.url, redis_server.url)
    assert killed.returncode == -9, killed.stderr
    high = workers.queues(hotline.redis)[0]
    assert high.job_ids == [f"outbox-{message_id}"]
    with hotline.database.session() as session:
        assert [m.id for m in OutboxMessage.pending(session)] == [message_id]

    assert relay(hotline.database, hotline.redis) == 1
    assert relay(hotline.database, hotline.redis) == 0
    assert high.job_ids == [f"outbox-{message_id}"]
    with hotline.database.session() as session:
        assert OutboxMessage.pending(session) == []

    Worker(workers.queues(hotline.redis), connection=hotline.redis).work(burst=True)
    assert Job.fetch(f"outbox-{message_id}", connection=hotline.redis).get_status() == "finished"
    assert high.count == 0


def test_a_batch_cut_short_after_some_enqueues_becomes_one_job_per_row(app, redis_server) -> None:
    """Rows are marked per batch: a relay killed in the middle leaves the whole batch pending, and
    the next pass marks the rows whose jobs are already in Redis without queueing them again."""
    hotline = app.extensions["hotline"]
    ids = [add_request_with_job(hotline.database, f"+1202555{n:04d}") for n in (101, 102, 103)]
    killed = kill_relay_after(2, hotline.database.url, redis_server.url)
    assert killed.returncode == -9, killed.stderr
    high = workers.queues(hotline.redis)[0]
    assert high.job_ids == [f"outbox-{i}" for i in ids[:2]]
    with hotline.database.session() as session:
        assert [m.id for m in OutboxMessage.pending(session)] == ids

    assert relay(hotline.database, hotline.redis) == 3
    assert relay(hotline.database, hotline.redis) == 0
    assert high.job_ids == [f"outbox-{i}" for i in ids]


def test_a_row_handed_over_again_after_a_lost_mark_is_not_a_second_job(app) -> None:
    hotline = app.extensions["hotline"]
    message_id = add_request_with_job(hotline.database)
    assert relay(hotline.database, hotline.redis) == 1
    with hotline.database.session() as session:
        session.get(OutboxMessage, message_id).enqueued_at = None
    assert relay(hotline.database, hotline.redis) == 1
    assert workers.queues(hotline.redis)[0].job_ids == [f"outbox-{message_id}"]


def test_relayed_rows_are_purged_after_the_keep_time_and_pending_rows_never(app) -> None:
    hotline = app.extensions["hotline"]
    old_id = add_request_with_job(hotline.database, "+12025550101")
    recent_id = add_request_with_job(hotline.database, "+12025550102")
    pending_id = add_request_with_job(hotline.database, "+12025550103")
    keep = timedelta(hours=hotline.settings.outbox_keep_hours)
    with hotline.database.session() as session:
        session.get(OutboxMessage, old_id).enqueued_at = utcnow() - keep - timedelta(minutes=1)
        session.get(OutboxMessage, recent_id).enqueued_at = utcnow() - keep + timedelta(minutes=5)
        session.get(OutboxMessage, pending_id).created_at = utcnow() - keep * 10

    assert purge_relayed() == 1
    with hotline.database.session() as session:
        left = sorted(m.id for m in session.query(OutboxMessage))
    assert left == [recent_id, pending_id]


def test_the_hand_over_after_a_commit_gives_up_on_a_hung_redis_within_seconds(app) -> None:
    """A hung Redis must not hold the hand-over thread: it gives up within the 2 s read timeout; the row waits."""
    database = app.extensions["hotline"].database
    with socket.socket() as hung:  # accepts connections (the kernel's backlog) and never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        connection = workers.connect(f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        message_id = add_request_with_job(database)
        started = time.monotonic()
        assert HandOver(database, connection).flush() == 0
        assert time.monotonic() - started < 5
    with database.session() as session:
        assert [m.id for m in OutboxMessage.pending(session)] == [message_id]
