"""Each Twilio-facing blueprint's calm answer when a webhook fails: never a 500, and the right words on each leg."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from models.base import Database
from simulator import check_twiml
from tests.web.test_voice_foundation import CALL, post_signed

SMS = {"MessageSid": "SM" + "3" * 32, "From": "+12025550143", "To": "+18554886423", "Body": "HELP"}
RECORDING = {**CALL, "RecordingUrl": "https://api.twilio.com/rec/RE1", "RecordingDuration": "12"}


@pytest.fixture
def broken_database(app) -> None:
    """Break the database for real: every request that reaches it fails."""
    app.extensions["hotline"].database = Database("sqlite:////nonexistent-dir/broken.db")


def tags(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    return [element.tag for element in ET.fromstring(response.data)]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/bridge/answer?attempt=1", CALL),
        ("/bridge/dialed?attempt=1", CALL),
        ("/bridge/customer/accept?attempt=1", {**CALL, "Digits": "1"}),
        ("/bridge/customer/whisper?attempt=1", CALL),
        ("/live/answer?operator=1", CALL),
        ("/live/dialed?operator=1&call=CA1", CALL),
    ],
)
def test_an_operators_leg_hears_the_apology_in_english(client, broken_database, path, params) -> None:
    response = post_signed(client, path, params)
    assert tags(response) == ["Say", "Say", "Hangup"]
    assert "technical problem" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/bridge/screen?attempt=1", "/bridge/customer/answer?attempt=1"])
def test_a_failure_where_someone_else_may_answer_the_callers_phone_hangs_up_without_a_word(
    client, broken_database, path
) -> None:
    response = post_signed(client, path, {**CALL, "AnsweredBy": "human"})
    assert tags(response) == ["Hangup"]


def test_a_failure_as_a_queued_caller_is_connected_lets_the_connection_go_ahead(client, broken_database) -> None:
    assert tags(post_signed(client, "/live/connected?operator=1", CALL)) == []


def test_a_failure_while_a_caller_holds_keeps_them_holding(client, broken_database) -> None:
    response = post_signed(client, "/voice/queue-key?l=en", {**CALL, "Digits": "1"})
    assert tags(response) == ["Pause"]


def test_a_failed_text_gets_no_reply_rather_than_a_broken_one(client, broken_database) -> None:
    assert tags(post_signed(client, "/sms/incoming", SMS)) == []


def test_a_failed_recording_callback_is_answered_with_an_empty_204(client, broken_database) -> None:
    response = post_signed(client, "/voice/recording", RECORDING)
    assert response.status_code == 204 and response.data == b""


def test_a_failed_notification_call_apologises_in_every_language(client, broken_database) -> None:
    response = post_signed(client, "/notify/voice/answer/1", CALL)
    # Two sentences in each of the three languages.
    assert tags(response) == ["Say"] * 6 + ["Hangup"]
    check_twiml(response.get_data(as_text=True))


def test_twilios_fallback_url_apologises_in_the_language_the_url_carries(client, broken_database) -> None:
    response = post_signed(client, "/voice/fallback?l=es", CALL)
    assert tags(response) == ["Say", "Say", "Hangup"]
    assert "problema" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/bridge/answer", 400), ("/notify/voice/answer/1", 400), ("/sms/incoming", 400)],
)
def test_bad_input_still_gets_its_4xx_with_a_reason(client, path, status) -> None:
    # No attempt in the URL, no CallSid, no MessageSid: refused with a reason, not hidden behind a fallback.
    response = post_signed(client, path, {"From": "+12025550143"})
    assert response.status_code == status


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1",
        "https://api.twilio.com.evil.example/Recordings/RE1",
        "https://user@api.twilio.com/Recordings/RE1",
        "https://api.twilio.com:8443/Recordings/RE1",
        "https://evil.example/?https://api.twilio.com/",
        "file:///etc/passwd",
    ],
)
def test_a_recording_url_off_twilios_api_host_is_never_stored(app, call, client, url: str) -> None:
    from tests.e2e.conftest import post_signed, requests
    from tests.e2e.test_callback_requests import at_message_offer, choose

    caller = choose(at_message_offer(call), "en", "record").record(seconds=15)
    base = {"CallSid": caller.call_sid, "AccountSid": caller.account_sid}
    callback = {**base, "RecordingUrl": url, "RecordingStatus": "completed", "RecordingDuration": "16"}
    assert post_signed(client, "/voice/recording", callback).status_code == 204
    assert all(request.message_url != url for request in requests(app))
