"""Call backs obey the caller's safe-contact choices: machines, caller ID, the caller's window."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest

from callflows.hours import ALWAYS
from models.claims import CallbackAttempt
from tests.conftest import PUBLIC_BASE_URL
from tests.operators.conftest import bearer
from tests.operators.test_bridge import signed_post

NEUTRAL = "+18555550100"


@pytest.fixture
def settings(settings):
    """A neutral number distinct from the hotline's, and calling hours that never close."""
    return settings.replace(neutral_number=NEUTRAL, calling_hours=ALWAYS)


def bridge(client, fake_twilio, make_operator, add_request, **choices) -> tuple[int, ElementTree.Element]:
    request_id = add_request(phone="+12025550166", **choices)
    _, token = make_operator(phone="+12025550142")
    client.post("/api/requests/claim-next", headers=bearer(token))
    started = client.post(f"/api/requests/{request_id}/call", headers=bearer(token))
    assert started.status_code == 201, started.get_json()
    attempt_id = started.get_json()["id"]
    answer = signed_post(client, fake_twilio.calls()[-1].value("Url"), {"CallSid": "CA" + "1" * 32})
    return attempt_id, ElementTree.fromstring(answer.data)


def test_no_voicemail_detects_machines_and_hangs_up_on_them(client, fake_twilio, make_operator, add_request, database):
    attempt_id, root = bridge(client, fake_twilio, make_operator, add_request)
    number = root.find("Dial/Number")
    assert number.get("machineDetection") == "Enable"
    screen_url = number.get("url")
    assert screen_url == f"{PUBLIC_BASE_URL}/bridge/screen?attempt={attempt_id}"
    machine = signed_post(client, screen_url, {"CallSid": "CA" + "2" * 32, "AnsweredBy": "machine_start"})
    assert ElementTree.fromstring(machine.data).find("Hangup") is not None
    person = signed_post(client, screen_url, {"CallSid": "CA" + "2" * 32, "AnsweredBy": "human"})
    assert ElementTree.fromstring(person.data).find("Hangup") is None
    with database.session() as session:
        assert session.get(CallbackAttempt, attempt_id).caller_status == "machine"


def test_a_caller_who_allows_voicemail_is_dialled_without_detection(client, fake_twilio, make_operator, add_request):
    _, root = bridge(client, fake_twilio, make_operator, add_request, voicemail_ok=True)
    assert root.find("Dial/Number").get("machineDetection") is None


@pytest.mark.parametrize(("may_identify", "shown"), [(None, NEUTRAL), (False, NEUTRAL), (True, "+18554886423")])
def test_the_caller_sees_the_neutral_number_unless_they_allowed_us_to_say_who_calls(
    client, fake_twilio, make_operator, add_request, may_identify, shown
):
    _, root = bridge(client, fake_twilio, make_operator, add_request, may_identify=may_identify)
    assert root.find("Dial").get("callerId") == shown


def test_a_call_back_outside_the_callers_own_window_is_refused(client, fake_twilio, make_operator, add_request):
    now = datetime.now(UTC)
    zone = next(
        # A U.S. zone whose morning meets the calling hours but is not now (one of the three never is).
        z
        for z in ("America/New_York", "America/Los_Angeles", "Pacific/Honolulu")
        if not 8 <= now.astimezone(ZoneInfo(z)).hour < 12
    )
    request_id = add_request(phone="+12025550166", call_window="morning", caller_timezone=zone)
    _, token = make_operator(phone="+12025550142")
    client.post("/api/requests/claim-next", headers=bearer(token))
    refused = client.post(f"/api/requests/{request_id}/call", headers=bearer(token))
    assert refused.status_code == 409 and "morning" in refused.get_json()["error"]
    assert fake_twilio.calls() == []
