"""Customer-first call backs: the caller's phone rings first, a key press connects the operator after a whisper."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from callflows.hours import ALWAYS
from models.claims import CallbackAttempt
from tests.e2e.conftest import post_signed
from tests.operators.conftest import bearer, csrf_from, log_in

CALLER = "+13055550111"
NEUTRAL = "+18555550100"


def claimed(client, add_request, make_operator, **values):
    operator, token = make_operator()
    request_id = add_request(phone=CALLER, **values)
    assert client.post("/api/requests/claim-next", headers=bearer(token)).get_json()["id"] == request_id
    return operator, token, request_id


def rung(client, add_request, make_operator, fake_twilio, **values):
    """Claim a request and call its caller first; the operator, the request id and Twilio's call request."""
    operator, token, request_id = claimed(client, add_request, make_operator, **values)
    assert client.post(f"/api/requests/{request_id}/call-caller-first", headers=bearer(token)).status_code == 201
    [ring] = fake_twilio.calls()
    return operator, request_id, ring


def caller_status(database) -> str | None:
    """What the only attempt noted of the caller's leg."""
    with database.session() as session:
        [attempt] = session.query(CallbackAttempt).all()
        return attempt.caller_status


def post_to(client, url: str, params: dict[str, str]) -> ET.Element:
    parts = urlsplit(url)
    response = post_signed(client, f"{parts.path}?{parts.query}", {"CallSid": "CA" + "c" * 32, **params})
    assert response.status_code == 200
    return ET.fromstring(response.get_data(as_text=True))


def said(root: ET.Element) -> str:
    return " ".join(s.text or "" for s in root.iter("Say"))


def test_the_caller_is_rung_first_hears_a_neutral_sentence_and_press_1_connects_the_operator(
    client, add_request, make_operator, fake_twilio
) -> None:
    operator, request_id, ring = rung(
        client, add_request, make_operator, fake_twilio, language="es", caller_type="family", need="offender_info",
        urgent=True,
    )  # fmt: skip
    assert (ring.value("To"), ring.value("From")) == (CALLER, NEUTRAL)  # the caller did not allow us to say who calls
    greeting = post_to(client, ring.value("Url") or "", {})
    gather = greeting.find("Gather")
    assert gather is not None and "oprima 1" in said(greeting)
    assert not re.search(r"VOICE|ICE|víctima|victim", said(greeting))
    connect = post_to(client, gather.get("action") or "", {"Digits": "1"})
    number = connect.find("Dial/Number")
    assert number is not None and (number.text or "").strip() == operator.phone
    whisper = post_to(client, number.get("url") or "", {})
    summary = said(whisper)
    assert f"request {request_id}" in summary and "Caller: a family member of a victim." in summary
    assert "Urgent: said they are in danger now." in summary and "Speaks Spanish." in summary


def test_a_caller_who_does_not_press_1_is_not_connected(
    client, add_request, make_operator, fake_twilio, database
) -> None:
    _operator, _request_id, ring = rung(client, add_request, make_operator, fake_twilio)
    gather = post_to(client, ring.value("Url") or "", {}).find("Gather")
    ended = post_to(client, gather.get("action") or "", {})  # type: ignore[union-attr]
    assert ended.find("Dial") is None and ended.find("Hangup") is not None
    assert caller_status(database) == "declined"


def test_only_the_operator_holding_the_request_can_call_the_caller_first(
    client, add_request, make_operator, fake_twilio
) -> None:
    _operator, _token, request_id = claimed(client, add_request, make_operator)
    _other, other_token = make_operator()
    refused = client.post(f"/api/requests/{request_id}/call-caller-first", headers=bearer(other_token))
    assert refused.status_code == 409 and fake_twilio.calls() == []


def test_the_dashboard_offers_caller_first_next_to_operator_first(
    client, add_request, make_operator, fake_twilio
) -> None:
    operator, _token, request_id = claimed(client, add_request, make_operator)
    log_in(client, operator.email)
    page = client.get(f"/ops/requests/{request_id}").get_data(as_text=True)
    assert 'id="call-caller-first"' in page and 'id="call"' in page
    done = client.post(
        f"/ops/requests/{request_id}/call-caller-first", data={"csrf_token": csrf_from(page)}, follow_redirects=True
    )
    assert "yours rings when they press 1" in done.get_data(as_text=True)
    assert fake_twilio.calls()[0].value("To") == CALLER


@pytest.fixture
def settings(settings):
    """A neutral number distinct from the hotline's, and calling hours that never close."""
    return settings.replace(neutral_number=NEUTRAL, calling_hours=ALWAYS)


@pytest.mark.parametrize(("may_identify", "shown"), [(None, NEUTRAL), (False, NEUTRAL), (True, "+18554886423")])
def test_the_callers_phone_shows_the_neutral_number_unless_they_allowed_us_to_say_who_calls(
    client, add_request, make_operator, fake_twilio, may_identify, shown
) -> None:
    _operator, _request_id, ring = rung(client, add_request, make_operator, fake_twilio, may_identify=may_identify)
    assert ring.value("From") == shown


def test_no_voicemail_hangs_up_on_a_machine_without_a_word(
    client, add_request, make_operator, fake_twilio, database
) -> None:
    _operator, _request_id, ring = rung(client, add_request, make_operator, fake_twilio)
    assert ring.value("MachineDetection") == "Enable"
    machine = post_to(client, ring.value("Url") or "", {"AnsweredBy": "machine_end_beep"})
    assert [element.tag for element in machine] == ["Hangup"]
    assert caller_status(database) == "machine"


def test_a_caller_who_allows_voicemail_is_rung_without_detection(
    client, add_request, make_operator, fake_twilio
) -> None:
    _operator, _request_id, ring = rung(client, add_request, make_operator, fake_twilio, voicemail_ok=True)
    assert ring.value("MachineDetection") is None


def test_a_caller_first_call_outside_the_callers_own_window_is_refused(
    client, add_request, make_operator, fake_twilio
) -> None:
    now = datetime.now(UTC)
    # A U.S. zone whose morning meets the calling hours but is not now (one of the three never is).
    zone = next(
        z
        for z in ("America/New_York", "America/Los_Angeles", "Pacific/Honolulu")
        if not 8 <= now.astimezone(ZoneInfo(z)).hour < 12
    )
    _operator, token, request_id = claimed(
        client, add_request, make_operator, call_window="morning", caller_timezone=zone
    )
    refused = client.post(f"/api/requests/{request_id}/call-caller-first", headers=bearer(token))
    assert refused.status_code == 409 and "morning" in refused.get_json()["error"]
    assert fake_twilio.calls() == []
