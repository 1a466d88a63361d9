"""Retention: personal data goes after the configured days, recordings at Twilio too, counts stay."""

from __future__ import annotations

import secrets
from datetime import timedelta

from rq import Queue, SimpleWorker
from rq.cron import CronScheduler
from sqlalchemy import select

import runtime
from models import CallbackAttempt, CallbackRequest, CallEvent, CallSession, LookupAudit, RetentionTally
from models.base import utcnow
from models.texting import ProcessedMessage
from workers.retention import apply_retention, quarter
from workers.schedule import register_periodic_jobs

DAY = timedelta(days=1)


def recording_url() -> tuple[str, str]:
    sid = "RE" + secrets.token_hex(16)
    return sid, f"https://api.twilio.com/2010-04-01/Accounts/AC{'0' * 32}/Recordings/{sid}"


def add_request(database, phone: str, status: str, closed_days_ago: float | None, with_recording: bool = True):
    sid, url = recording_url()
    now = utcnow()
    closed_at = now - closed_days_ago * DAY if closed_days_ago is not None else None
    with database.session() as session:
        request = CallbackRequest(
            phone=phone,
            language="en",
            status=status,
            caller_type="victim",
            need="other",
            urgent=True,
            call_sid="CA" + secrets.token_hex(16),
            message_url=url if with_recording else None,
            message_seconds=12,
            transcription="Please call me after six." if with_recording else None,
            created_at=now - 200 * DAY,
            updated_at=now,
            closed_at=closed_at,
        )
        session.add(request)
        session.flush()
        session.add(CallbackAttempt(request_id=request.id, notes="Spoke with the caller.", call_sid="CA" + "1" * 32))
        return request.id, sid


def configure(app, fake_twilio) -> None:
    hotline = app.extensions["hotline"]
    runtime.configure(hotline.settings.replace(twilio_api_base_url=fake_twilio.base_url), hotline.database)


def test_report_says_what_would_go_and_changes_nothing(app, runner, fake_twilio) -> None:
    database = app.extensions["hotline"].database
    add_request(database, "+12025550121", "closed", closed_days_ago=100)
    add_request(database, "+12025550122", "closed", closed_days_ago=10)
    result = runner.invoke(args=["retention", "report"])
    assert result.exit_code == 0, result.output
    lines = {line.split(None, 1)[1]: int(line.split()[0]) for line in result.output.splitlines()}
    assert lines["recordings of closed requests, at Twilio too (kept 90 days)"] == 1
    assert lines["closed callback requests: number, transcription, notes (kept 90 days)"] == 1
    assert lines["custody look-up audit rows (kept 365 days)"] == 0
    assert fake_twilio.requests == []
    with database.session() as session:
        assert session.scalar(select(CallbackRequest.phone).where(CallbackRequest.phone == "+12025550121"))


def test_old_closed_requests_lose_recording_at_twilio_and_personal_fields_others_keep_theirs(app, fake_twilio) -> None:
    configure(app, fake_twilio)
    database = app.extensions["hotline"].database
    old, old_recording = add_request(database, "+12025550131", "closed", closed_days_ago=91)
    recent, _ = add_request(database, "+12025550132", "closed", closed_days_ago=30)
    waiting, _ = add_request(database, "+12025550133", "open", closed_days_ago=None)

    handled = apply_retention()
    assert handled["closed callback requests: number, transcription, notes"] == 1
    assert fake_twilio.deleted_recordings() == [old_recording]
    with database.session() as session:
        gone = session.get(CallbackRequest, old)
        assert (gone.phone, gone.message_url, gone.transcription, gone.call_sid) == ("", None, None, None)
        # What the quarterly report reads stays.
        assert (gone.status, gone.urgent, gone.caller_type, gone.need) == ("closed", True, "victim", "other")
        attempt = session.scalars(select(CallbackAttempt).where(CallbackAttempt.request_id == old)).one()
        assert (attempt.notes, attempt.call_sid) == (None, None)
        for kept in (recent, waiting):
            request = session.get(CallbackRequest, kept)
            assert request.phone and request.message_url and request.transcription

    assert apply_retention()["closed callback requests: number, transcription, notes"] == 0  # safe to run twice
    assert fake_twilio.deleted_recordings() == [old_recording]


def test_a_recording_twilio_could_not_delete_is_kept_for_the_next_run(app, fake_twilio) -> None:
    configure(app, fake_twilio)
    database = app.extensions["hotline"].database
    failing, sid = add_request(database, "+12025550141", "closed", closed_days_ago=120)
    already_gone, gone_sid = add_request(database, "+12025550142", "closed", closed_days_ago=120)
    fake_twilio.missing_recordings.add(gone_sid)
    fake_twilio.fail_next = 1

    apply_retention()
    with database.session() as session:
        assert session.get(CallbackRequest, failing).message_url is not None
        assert session.get(CallbackRequest, already_gone).message_url is None  # Twilio had nothing: done
    apply_retention()
    with database.session() as session:
        assert session.get(CallbackRequest, failing).message_url is None
    assert fake_twilio.deleted_recordings().count(sid) == 2


def test_audits_and_calls_are_counted_by_quarter_before_they_are_deleted(app, fake_twilio) -> None:
    configure(app, fake_twilio)
    database = app.extensions["hotline"].database
    now = utcnow()
    long_ago = now - 400 * DAY
    with database.session() as session:
        for result in ("disclosed", "not_found", "not_found"):
            session.add(
                LookupAudit(at=long_ago, channel="voice", sid="CA1", thread="t", caller_hash="h", result=result)
            )
        session.add(LookupAudit(at=now, channel="voice", sid="CA2", thread="t", caller_hash="h", result="disclosed"))
        session.add(CallSession(call_sid="CA" + "2" * 32, caller_hash="h1", caller_last4="0151", started_at=long_ago))
        session.add(CallEvent(call_sid="CA" + "2" * 32, node="custody.ask_number", input="201345678", at=long_ago))
        session.add(CallSession(call_sid="CA" + "3" * 32, caller_hash="h2", caller_last4="0152", started_at=now))
        session.add(ProcessedMessage(message_sid="SM" + "4" * 32, received_at=long_ago, reply="text"))

    apply_retention()
    with database.session() as session:
        assert [a.at.date() for a in session.scalars(select(LookupAudit))] == [now.date()]
        assert [c.call_sid for c in session.scalars(select(CallSession))] == ["CA" + "3" * 32]
        assert session.scalars(select(CallEvent)).all() == []
        assert session.scalars(select(ProcessedMessage)).all() == []
        period = quarter(long_ago)
        assert RetentionTally.for_period(session, period) == {
            "lookups": 3,
            "lookups.disclosed": 1,
            "lookups.not_found": 2,
            "calls": 1,
        }

    apply_retention()  # a second run adds nothing
    with database.session() as session:
        assert RetentionTally.for_period(session, quarter(long_ago))["lookups"] == 3


def test_rq_cron_enqueues_the_periodic_jobs_and_a_worker_runs_them(app, fake_twilio) -> None:
    configure(app, fake_twilio)
    hotline = app.extensions["hotline"]
    scheduler = register_periodic_jobs(CronScheduler(connection=hotline.redis), hotline.settings)
    names = {job.name for job in scheduler.get_jobs()}
    assert names == {"operators-queue-upkeep", "notifications", "outbox-purge", "retention"}
    enqueued = {job.name for job in scheduler.enqueue_jobs()}
    # Interval jobs run at start; the retention job waits for its hour of the day.
    assert {"operators-queue-upkeep", "outbox-purge"} <= enqueued
    queues = [Queue(name, connection=hotline.redis) for name in ("default", "low")]
    SimpleWorker(queues, connection=hotline.redis).work(burst=True)
    for queue in queues:
        assert queue.count == 0 and queue.failed_job_registry.count == 0
