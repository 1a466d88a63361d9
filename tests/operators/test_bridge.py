"""Calling back through the hotline: the operator's phone rings from the hotline number, then bridges."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

from models import claims
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.operators.conftest import bearer


def signed_post(client, url: str, params: dict[str, str]):
    """POST as Twilio does: form-encoded, signed over the public URL and the params."""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    parts = urlsplit(url)
    return client.post(f"{parts.path}?{parts.query}", data=params, headers={"X-Twilio-Signature": signature})


def test_call_rings_the_operator_from_the_hotline_and_bridges_to_the_caller(
    app, client, fake_twilio, make_operator, add_request, database
) -> None:
    hotline = app.extensions["hotline"].settings.hotline_number
    request_id = add_request(phone="+12025550166")
    _, token = make_operator(phone="+12025550142")
    client.post("/api/requests/claim-next", headers=bearer(token))

    started = client.post(f"/api/requests/{request_id}/call", headers=bearer(token))
    assert started.status_code == 201
    attempt_id = started.get_json()["id"]
    [sent] = fake_twilio.calls()
    assert sent.value("To") == "+12025550142"
    assert sent.value("From") == hotline
    answer_url = sent.value("Url")
    assert answer_url == f"{PUBLIC_BASE_URL}/bridge/answer?attempt={attempt_id}"
    assert sent.value("StatusCallback") == f"{PUBLIC_BASE_URL}/bridge/status?attempt={attempt_id}"

    call_sid = "CA" + "1" * 32
    twiml = signed_post(client, answer_url, {"CallSid": call_sid, "CallStatus": "in-progress", "To": "+12025550142"})
    assert twiml.status_code == 200
    root = ElementTree.fromstring(twiml.data)
    dial = root.find("Dial")
    # The caller did not allow us to say who calls: their phone shows the neutral number.
    assert dial is not None and dial.get("callerId") == app.extensions["hotline"].settings.neutral_number
    assert dial.find("Number").text == "+12025550166"
    assert "Connecting you to the caller" in root.find("Say").text

    dialed = signed_post(
        client, f"{PUBLIC_BASE_URL}/bridge/dialed?attempt={attempt_id}",
        {"CallSid": call_sid, "DialCallStatus": "completed", "DialCallDuration": "93"},
    )  # fmt: skip
    assert ElementTree.fromstring(dialed.data).find("Hangup") is not None
    for _ in range(2):  # Twilio may deliver a status callback twice
        status = signed_post(
            client, f"{PUBLIC_BASE_URL}/bridge/status?attempt={attempt_id}",
            {"CallSid": call_sid, "CallStatus": "completed", "CallDuration": "120"},
        )  # fmt: skip
        assert status.status_code == 200

    with database.session() as session:
        [attempt] = claims.attempts(session, request_id)
        assert (attempt.call_status, attempt.caller_status, attempt.duration_seconds) == ("completed", "completed", 93)
        assert [h.event for h in claims.history(session, request_id)] == ["claimed", "call_started", "call_ended"]
    done = client.post(f"/api/requests/{request_id}/complete", json={"disposition": "reached"}, headers=bearer(token))
    assert done.status_code == 200
    with database.session() as session:
        [attempt] = claims.attempts(session, request_id)
        assert attempt.disposition == "reached"


def test_bridge_webhooks_refuse_unsigned_requests(client, make_operator, add_request) -> None:
    for path in ("/bridge/answer?attempt=1", "/bridge/status?attempt=1", "/bridge/dialed?attempt=1"):
        assert client.post(path, data={"CallSid": "CA1"}).status_code == 403


def test_an_unanswered_caller_is_reported_to_the_operator(client, make_operator, add_request) -> None:
    request_id = add_request()
    _, token = make_operator()
    client.post("/api/requests/claim-next", headers=bearer(token))
    attempt_id = client.post(f"/api/requests/{request_id}/call", headers=bearer(token)).get_json()["id"]
    dialed = signed_post(
        client,
        f"{PUBLIC_BASE_URL}/bridge/dialed?attempt={attempt_id}",
        {"CallSid": "CA2", "DialCallStatus": "no-answer"},
    )
    assert "did not answer" in ElementTree.fromstring(dialed.data).find("Say").text


def test_calling_needs_the_claim_and_a_working_twilio(client, fake_twilio, make_operator, add_request) -> None:
    request_id = add_request()
    _, token = make_operator()
    assert client.post(f"/api/requests/{request_id}/call", headers=bearer(token)).status_code == 409
    client.post("/api/requests/claim-next", headers=bearer(token))
    fake_twilio.fail_next = 1
    failed = client.post(f"/api/requests/{request_id}/call", headers=bearer(token))
    assert failed.status_code == 409 and "Twilio" in failed.get_json()["error"]
