"""Limits that hold under concurrency: the per-caller limit is taken atomically,
and a look-up replayed after its call ended is not carried out again."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from config import Settings
from models import LookupAudit
from models.audit import LookupDesk
from models.base import Database
from simulator import sign
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.custody.test_voice_lookup import CALLER, audits, to_custody
from web.phone.actions.custody import LookupRequest, look_up

PARALLEL = 40


def test_forty_parallel_look_ups_from_one_number_answer_at_most_the_limit(settings: Settings, app) -> None:
    limit = settings.lookup_limits.distinct_a_numbers_per_day
    barrier = threading.Barrier(PARALLEL)
    results: list[str] = []
    errors: list[BaseException] = []
    # One connection per look-up, as forty gunicorn workers would have.
    databases = [Database(settings.database_url) for _ in range(PARALLEL)]
    desks = [LookupDesk(database) for database in databases]

    def ask(index: int) -> None:
        try:
            request = LookupRequest(
                channel="voice",
                sid=f"CA{index:032d}",
                thread=f"CA{index:032d}",
                caller=CALLER,
                a_number=f"2090{index:05d}",
                country="MX",
                request_key=None,
                now=datetime.now(UTC),
            )
            barrier.wait()
            answer = look_up(desks[index], settings, request)
            assert answer is not None
            results.append(answer.result)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for desk, database in zip(desks, databases, strict=True):
        desk.close()
        database.dispose()
    assert not errors, errors
    answered = [result for result in results if result != "limited"]
    assert len(results) == PARALLEL
    assert len(answered) == limit
    with app.extensions["hotline"].database.session() as session:
        rows = list(session.scalars(select(LookupAudit)))
    assert len(rows) == PARALLEL and sum(row.result != "limited" for row in rows) == limit


def test_a_look_up_replayed_after_the_call_ended_is_not_carried_out(app, client, call, custody_demo) -> None:
    caller = to_custody(call())
    caller.press("201345678")
    caller.press("1")
    url = caller.waiting_url
    params = {
        "CallSid": caller.call_sid,
        "AccountSid": caller.account_sid,
        "From": CALLER,
        "To": "+18554886423",
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "Digits": "1",
    }
    caller.post_status("completed", 40)
    app.extensions["hotline"].events.flush()
    headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, url, params), "I-Twilio-Idempotency-Token": "replay-1"}
    response = client.post(url.removeprefix(PUBLIC_BASE_URL), data=params, headers=headers, base_url=PUBLIC_BASE_URL)
    assert response.status_code == 200
    assert b"El Paso" not in response.data
    (audit,) = audits(app)
    assert (audit.result, audit.flagged) == ("call_ended", True)


class TestInsideTheWriteInterval:
    """The status callback came, but the event buffer has not written its batch yet."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(event_flush_interval=3600)

    def test_a_replayed_look_up_right_after_the_status_callback_discloses_nothing(
        self, app, client, call, custody_demo
    ) -> None:
        caller = to_custody(call())
        caller.press("201345678")
        caller.press("1")
        url = caller.waiting_url
        params = {
            "CallSid": caller.call_sid, "AccountSid": caller.account_sid, "From": CALLER, "To": "+18554886423",
            "CallStatus": "in-progress", "Direction": "inbound", "ApiVersion": "2010-04-01", "Digits": "1",
        }  # fmt: skip
        caller.post_status("completed", 40)
        headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, url, params), "I-Twilio-Idempotency-Token": "replay-2"}
        response = client.post(
            url.removeprefix(PUBLIC_BASE_URL), data=params, headers=headers, base_url=PUBLIC_BASE_URL
        )
        assert response.status_code == 200
        assert b"El Paso" not in response.data
        assert [audit.result for audit in audits(app)] == ["call_ended"]
