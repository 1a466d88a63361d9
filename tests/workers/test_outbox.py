"""The outbox: work committed while Redis is down is enqueued once Redis is back."""

from __future__ import annotations

from pathlib import Path

from rq import Worker
from rq.job import Job

import workers
from embedded.redis import EmbeddedRedis
from models import CallbackRequest, OutboxMessage
from workers.outbox import relay, try_relay


def add_request_with_job(database) -> int:
    with database.session() as session:
        request = CallbackRequest(phone="+12025550143", language="en", source="voice")
        session.add(request)
        session.flush()
        message = OutboxMessage.add(session, "workers.callbacks.acknowledge_request", request.id, queue="high")
        session.flush()
        return message.id


def test_job_written_while_redis_is_down_runs_after_redis_returns(app, tmp_path: Path) -> None:
    database = app.extensions["hotline"].database
    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    connection = workers.connect(server.url)
    try:
        server.stop()
        message_id = add_request_with_job(database)
        assert try_relay(database, connection, [message_id]) is False

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
