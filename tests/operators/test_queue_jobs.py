"""rq jobs: supervisor alerts for long-waiting urgent requests, and the upkeep tick rq's cron scheduler enqueues."""

from __future__ import annotations

from rq import Queue, SimpleWorker
from rq.registry import ScheduledJobRegistry

from models import claims
from tests.operators.conftest import SUPERVISOR_PHONE
from workers import queue as queue_jobs


def test_supervisors_get_one_sms_when_an_urgent_request_waits_too_long(app, fake_twilio, add_request, database) -> None:
    add_request(minutes_ago=5, urgent=True)
    assert queue_jobs.alert_urgent_wait() == 0
    late = add_request(minutes_ago=45, urgent=True)
    add_request(minutes_ago=90, urgent=False)
    assert queue_jobs.alert_urgent_wait() == 1
    assert queue_jobs.alert_urgent_wait() == 0  # at most once per request
    [message] = fake_twilio.messages()
    assert message.value("To") == SUPERVISOR_PHONE
    assert message.value("From") == app.extensions["hotline"].settings.hotline_number
    assert f"request {late} has waited 45 minutes" in message.value("Body")
    with database.session() as session:
        assert [h.event for h in claims.history(session, late)] == ["supervisor_alerted"]


def test_the_upkeep_tick_runs_in_a_worker(app, add_request, make_operator) -> None:
    redis = app.extensions["hotline"].redis
    queue = Queue("default", connection=redis)
    queue.enqueue("workers.queue.tick", job_id="tick-now")
    SimpleWorker([queue], connection=redis).work(burst=True)
    job = queue.fetch_job("tick-now")
    assert job.get_status() == "finished"
    assert job.return_value() == {"expired": 0, "alerts": 0, "replies": 0}
    # It no longer schedules itself: rq's cron scheduler enqueues the next one.
    assert ScheduledJobRegistry(queue=queue).get_job_ids() == []
