"""Callback requests end to end: idempotency, duplicates, place in line, honest waits, recordings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue

from models import CallbackRequest, OutboxMessage
from models.base import utcnow
from tests.e2e.conftest import choose, post_signed, requests, safe_contact
from tests.e2e.test_call_tree import to_callback_number


def at_message_offer(call, lang: str = "en", caller: str = "+12025550143", **answers: str):
    return safe_contact(choose(to_callback_number(call, lang, caller, **answers), lang, "this_number"), lang)


def add_request(
    app, phone: str, *, status: str = "open", urgent: bool = False, age: timedelta, done_after=None, disposition=None
):
    now = utcnow()
    with app.extensions["hotline"].database.session() as session:
        session.add(
            CallbackRequest(
                phone=phone,
                language="en",
                status=status,
                urgent=urgent,
                priority=10 if urgent else 0,
                created_at=now - age,
                updated_at=now - age,
                closed_at=(now - age + done_after) if done_after else None,
                disposition=disposition or ("reached" if status == "closed" else None),
            )
        )


def test_new_request_enqueues_its_acknowledgement_through_the_outbox(app, call) -> None:
    choose(at_message_offer(call), "en", "skip")
    [request] = requests(app)
    hotline = app.extensions["hotline"]
    hotline.handover.flush()  # the hand-over runs off the request thread, soon after the commit
    with hotline.database.session() as session:
        [message] = session.query(OutboxMessage).all()
    assert message.job == "workers.callbacks.acknowledge_request" and message.args == [request.id]
    assert message.enqueued_at is not None
    assert Queue("high", connection=hotline.redis).job_ids == [f"outbox-{message.id}"]


def test_a_retried_webhook_creates_one_request_and_the_same_answer(app, call, client) -> None:
    caller = at_message_offer(call)
    url = caller.waiting_url.removeprefix(client.application.extensions["hotline"].settings.public_base_url)
    params = {"CallSid": caller.call_sid, "From": caller.caller, "To": caller.hotline, "Digits": "2"}
    headers = {"I-Twilio-Idempotency-Token": "retry-token-1"}
    first = post_signed(client, url, params, headers).get_data(as_text=True)
    second = post_signed(client, url, params, headers).get_data(as_text=True)
    assert "Your request is saved" in first and "Your request is saved" in second
    assert len(requests(app)) == 1


def test_a_closed_request_does_not_stop_a_new_one(app, call) -> None:
    add_request(app, "+12025550143", status="closed", age=timedelta(days=2), done_after=timedelta(hours=1))
    choose(at_message_offer(call), "en", "skip")
    assert [r.status for r in requests(app)] == ["closed", "open"]


def test_position_counts_open_requests_ahead_in_claim_order(app, call, closed_hours) -> None:
    add_request(app, "+13055550101", age=timedelta(hours=2))
    add_request(app, "+13055550102", age=timedelta(hours=1))
    add_request(app, "+13055550103", urgent=True, age=timedelta(minutes=5))
    add_request(app, "+13055550104", status="claimed", age=timedelta(hours=3))
    caller = choose(at_message_offer(call), "en", "skip")
    assert "You are number 4 in line." in caller.last_heard()
    urgent = choose(at_message_offer(call, caller="+16175550109", danger="danger_yes"), "en", "skip")
    assert "You are number 2 in line." in urgent.last_heard()


def test_without_recent_history_the_wait_is_not_invented(app, call) -> None:
    add_request(app, "+13055550101", status="closed", age=timedelta(days=40), done_after=timedelta(hours=1))
    caller = choose(at_message_offer(call), "en", "skip")
    assert "can't tell you yet how long" in caller.last_heard()
    assert "minutes" not in caller.last_heard() and "hours" not in caller.last_heard()


@pytest.mark.parametrize(
    ("waits", "said"),
    [
        ([timedelta(minutes=m) for m in (20, 40, 33)], "about 35 minutes"),
        ([timedelta(hours=h) for h in (2, 3, 5, 4)], "about 4 hours"),
        ([timedelta(days=d) for d in (2, 3, 3)], "about 3 days"),
    ],
)
def test_the_wait_is_the_median_of_recent_completions(app, call, waits, said) -> None:
    for number, wait in enumerate(waits):
        add_request(app, f"+1305555011{number}", status="closed", age=wait + timedelta(hours=1), done_after=wait)
    caller = choose(at_message_offer(call), "en", "skip")
    assert said in caller.last_heard()


def test_spanish_callers_hear_the_wait_in_spanish(app, call) -> None:
    for number in range(3):
        add_request(app, f"+1305555012{number}", status="closed", age=timedelta(hours=3), done_after=timedelta(hours=2))
    caller = choose(at_message_offer(call, "es"), "es", "skip")
    assert "unas 2 horas" in caller.last_heard()


def test_recording_and_transcription_callbacks_attach_to_the_request_idempotently(app, call, client) -> None:
    caller = choose(at_message_offer(call), "en", "record").record(seconds=15)
    base = {"CallSid": caller.call_sid, "AccountSid": caller.account_sid}
    url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE" + "a" * 32
    recording = {**base, "RecordingUrl": url, "RecordingStatus": "completed", "RecordingDuration": "16"}
    transcription = {**base, "TranscriptionText": "Please call me after 5 pm.", "TranscriptionStatus": "completed"}
    for _ in range(2):
        assert post_signed(client, "/voice/recording", recording).status_code == 204
        assert post_signed(client, "/voice/transcription", transcription).status_code == 204
    [request] = requests(app)
    assert (request.message_url, request.message_seconds) == (url, 16)
    assert request.transcription == "Please call me after 5 pm."


def test_callbacks_for_a_call_without_a_request_are_acknowledged_and_ignored(app, client) -> None:
    params = {"CallSid": "CA" + "9" * 32, "TranscriptionText": "hello", "TranscriptionStatus": "completed"}
    assert post_signed(client, "/voice/transcription", params).status_code == 204
    failed = {"CallSid": "CA" + "9" * 32, "RecordingStatus": "failed"}
    assert post_signed(client, "/voice/recording", failed).status_code == 204
    assert requests(app) == []


@pytest.mark.parametrize("path", ["/voice/recording", "/voice/transcription", "/voice/queue-wait?l=en"])
def test_unsigned_callbacks_are_refused(client, path) -> None:
    assert client.post(path, data={"CallSid": "CA1"}, base_url="https://voice.example.org").status_code == 403


@pytest.mark.parametrize(
    ("lang", "position", "said"),
    [
        ("en", "1", "You are next in line"),
        ("en", "4", "You are number 4 in line"),
        ("es", "3", "Usted es el número 3 en la fila"),
        ("es", "", "Usted es la próxima persona"),
    ],
)
def test_the_queue_wait_message_announces_position(client, lang, position, said) -> None:
    params = {"CallSid": "CA" + "7" * 32, "QueuePosition": position, "QueueTime": "30", "CurrentQueueSize": "5"}
    response = post_signed(client, f"/voice/queue-wait?l={lang}", params)
    document = response.get_data(as_text=True)
    assert response.status_code == 200 and said in document and 'timeout="20"' in document


def test_demo_requests_load_once_and_give_the_wait_a_history(app, call) -> None:
    from commands.callflow import DEMO_REQUESTS, load_demo

    database = app.extensions["hotline"].database
    said: list[str] = []
    load_demo(database, said.append)
    load_demo(database, said.append)
    assert said == [f"  {len(DEMO_REQUESTS)} callback request(s) added", "  0 callback request(s) added"]
    caller = choose(at_message_offer(call), "en", "skip")
    # Three open demo requests are ahead; the non-urgent completions waited 65, 95 and 140 minutes.
    assert "You are number 4 in line." in caller.last_heard()
    assert "about 2 hours" in caller.last_heard()


def test_concurrent_retries_of_one_call_leave_one_request_per_call(app) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from callflows.engine import CallState
    from web.phone.url_state import UrlStateCodec

    codec = UrlStateCodec(app.extensions["hotline"].settings.url_state_key)

    def create(number: int) -> str:
        # Eight calls from one phone, each step posted three times at once (Twilio retries): every call
        # gets a request of its own, and no call hears of another's.
        caller = "+12025550150"
        state = CallState("callback.message_offer", "en").with_values({"callback_to": "caller", "caller": caller})
        path = codec.url("/voice/step", state)
        params = {"CallSid": f"CA{number % 8:032d}", "From": caller, "To": "+18554886423", "Digits": "2"}
        return post_signed(app.test_client(), path, params).get_data(as_text=True)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(create, range(24)))
    assert all("Your request is saved" in a for a in answers)
    assert len(requests(app)) == 8
