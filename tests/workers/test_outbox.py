"""The outbox: work committed while Redis is down is enqueued once Redis is back."""

from __future__ import annotations

import time
from pathlib import Path

from rq import Worker
from rq.job import Job

import workers
from embedded.redis import EmbeddedRedis
from models import CallbackRequest, OutboxMessage
from tests.e2e.conftest import choose
from tests.e2e.test_callback_requests import at_message_offer
from workers.outbox import HandOver, RelayLoop, relay


def add_request_with_job(database, phone: str = "+12025550143") -> int:
    with database.session() as session:
        request = CallbackRequest(phone=phone, language="en", source="voice")
        session.add(request)
        session.flush()
        return OutboxMessage.add(session, "workers.callbacks.acknowledge_request", request.id, queue="high")


def test_job_written_while_redis_is_down_runs_after_redis_returns(app, tmp_path: Path) -> None:
    database = app.extensions["hotline"].database
    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    connection = workers.connect(server.url)
    try:
        server.stop()
        message_id = add_request_with_job(database)
        assert HandOver(database, connection).flush() == 0

        server.start()
        assert relay(database, connection) == 1
        Worker(workers.queues(connection), connection=connection).work(burst=True)
        job = Job.fetch(f"outbox-{message_id}", connection=connection)
        assert job.get_status() == "finished"
        assert job.return_value() == "open"
        with database.session() as session:
            assert OutboxMessage.pending(session) == []
    finally:
        server.stop()


def test_relaying_twice_enqueues_one_job(app) -> None:
    hotline = app.extensions["hotline"]
    message_id = add_request_with_job(hotline.database)
    assert relay(hotline.database, hotline.redis) == 1
    assert relay(hotline.database, hotline.redis) == 0
    high = workers.queues(hotline.redis)[0]
    assert high.job_ids == [f"outbox-{message_id}"]


def test_worker_command_runs_queued_jobs_in_burst_mode(app, runner) -> None:
    hotline = app.extensions["hotline"]
    message_id = add_request_with_job(hotline.database)
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert Job.fetch(f"outbox-{message_id}", connection=hotline.redis).get_status() == "finished"


def test_a_new_request_is_handed_to_rq_soon_after_its_commit_without_a_flush(app, call) -> None:
    """The webhook only notes the committed row; the process's hand-over thread enqueues it within moments."""
    hotline = app.extensions["hotline"]
    choose(at_message_offer(call), "en", "skip")
    with hotline.database.session() as session:
        [message] = session.query(OutboxMessage).all()  # committed before the caller heard "saved"
    high = workers.queues(hotline.redis)[0]
    deadline = time.monotonic() + 5
    while high.job_ids != [message.job_id] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert high.job_ids == [message.job_id]
    with hotline.database.session() as session:
        assert OutboxMessage.pending(session) == []


def test_a_failed_hand_over_leaves_the_row_for_the_relay_loop_and_it_becomes_one_job(app, tmp_path: Path) -> None:
    database = app.extensions["hotline"].database
    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    connection = workers.connect(server.url)
    try:
        handover = HandOver(database, connection, interval=3600)
        server.stop()
        message_id = add_request_with_job(database)
        handover.after_commit([message_id])
        assert handover.flush() == 0  # Redis is down: logged, the row stays pending
        with database.session() as session:
            assert [m.id for m in OutboxMessage.pending(session)] == [message_id]

        server.start()
        assert RelayLoop(database, connection).pass_once() == 1
        handover.after_commit([message_id])  # noted again (a retried webhook): already handed over
        assert handover.flush() == 0
        assert relay(database, connection) == 0
        assert workers.queues(connection)[0].job_ids == [f"outbox-{message_id}"]
    finally:
        server.stop()


def test_rows_are_handed_over_in_batches_each_once(app) -> None:
    hotline = app.extensions["hotline"]
    ids = [add_request_with_job(hotline.database) for _ in range(250)]
    assert relay(hotline.database, hotline.redis, batch=100) == 250
    assert relay(hotline.database, hotline.redis, batch=100) == 0
    assert sorted(workers.queues(hotline.redis)[0].job_ids) == sorted(f"outbox-{i}" for i in ids)
