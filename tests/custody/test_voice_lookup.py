"""Finding a detained person by phone: keypad and speech, English and Spanish, policy, limits, audit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from models import LookupAudit
from models.audit import hash_caller
from simulator import Call, sign
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from workers.imports import import_custody

CALLER = "+12025550143"
EXTRA = (
    "a_number,first_name,last_name,country_of_birth,date_of_birth,status,facility_code,status_changed_at\n"
    "A209000001,Rosa,Flores,Guatemala,1980-01-01,released,,2026-11-01T00:00:00Z\n"
    "A209000002,Jorge,Reyes,Honduras,1981-01-01,removed,,2026-11-01T00:00:00Z\n"
)


@pytest.fixture
def records(app, custody_demo, tmp_path: Path) -> None:
    """The demo data plus a released and a removed person."""
    path = tmp_path / "extra.csv"
    path.write_text(EXTRA, encoding="utf-8")
    with path.open(encoding="utf-8", newline="") as handle:
        import_custody(app.extensions["hotline"].database, handle, "extra")


def to_custody(caller: Call, language: str = "1") -> Call:
    caller.press(language)
    key = caller.option_for("custody" if language == "1" else "custodia")
    return caller.press(key)


def audits(app) -> list[LookupAudit]:
    with app.extensions["hotline"].database.session() as session:
        return list(session.scalars(select(LookupAudit).order_by(LookupAudit.id)))


def look_up(caller: Call, keys: str, country_key: str) -> str:
    caller.press(keys)
    caller.press(caller.option_for("If that is correct"))
    caller.press(country_key)
    return caller.last_heard()


def test_caller_finds_the_demo_detainee_by_keypad(app, call, records) -> None:
    caller = to_custody(call())
    assert "A-number" in caller.last_heard() and "country of birth" in caller.last_heard()
    caller.press("201345678#")
    assert "2 0 1, 3 4 5, 6 7 8" in caller.last_heard()
    assert caller.option_for("If that is correct") == "1" and caller.option_for("To enter it again") == "2"
    caller.press("1")
    assert "Mexico" in caller.last_heard()
    caller.press("1")
    heard = caller.last_heard()
    assert "El Paso Demo Processing Center, in El Paso, Texas" in heard
    assert "9 1 5, 5 5 5, 0 1 4 2" in heard
    (audit,) = audits(app)
    assert (audit.channel, audit.sid, audit.a_number, audit.country, audit.result) == (
        "voice",
        caller.call_sid,
        "201345678",
        "MX",
        "disclosed",
    )
    assert audit.fields_disclosed == "facility_name,city,state,phone"
    assert (
        audit.caller_hash == hash_caller(CALLER, "test-audit-key-0123456789abcdef-012")
        and CALLER not in audit.caller_hash
    )


def test_caller_finds_the_demo_detainee_by_speech(app, call, records) -> None:
    caller = to_custody(call())
    caller.say("my A number is 201 345 678")
    assert "2 0 1, 3 4 5, 6 7 8" in caller.last_heard()
    caller.say("yes")
    caller.say("He was born in Mexico.")
    assert "El Paso Demo Processing Center" in caller.last_heard()


def test_a_spanish_caller_finds_the_demo_detainee_by_keypad_and_speech(app, call, records) -> None:
    caller = to_custody(call(), language="2")
    assert "número A" in caller.last_heard()
    caller.say("dos cero uno tres cuatro cinco seis siete ocho")
    assert "2 0 1, 3 4 5, 6 7 8" in caller.last_heard()
    caller.say("sí")
    caller.say("nació en México")
    heard = caller.last_heard()
    assert "Esta persona está bajo custodia en El Paso Demo Processing Center, en El Paso, Texas" in heard
    assert {h.language for h in caller.heard} == {"es-US"}
    caller.press(caller.option_for("buscar a otra persona"))
    caller.press("201345678")
    caller.press("1")
    caller.press("1")
    assert "El Paso Demo Processing Center" in caller.last_heard()


def test_a_digit_gather_uses_a_speech_model_for_numbers(call, records) -> None:
    caller = to_custody(call())
    gather = re.search(r"<Gather [^>]*>", caller.documents[-1])[0]
    assert 'speechModel="numbers_and_commands"' in gather and 'numDigits="9"' in gather
    assert 'finishOnKey="#"' in gather


def test_star_starts_the_entry_over_and_wrong_lengths_are_refused(call, records) -> None:
    caller = to_custody(call())
    caller.press("2013*")
    assert "start over" in caller.last_heard()
    caller.press("2013456")
    assert "8 or 9 digits" in caller.last_heard()
    caller.press("20134567")
    assert "0 2 0, 1 3 4, 5 6 7" in caller.last_heard()
    caller.press("2")
    assert "Please enter the person's A-number" in caller.last_heard()


def test_an_uncertain_country_is_read_back_to_confirm(app, call, records) -> None:
    caller = to_custody(call())
    caller.press("201345678")
    caller.press("1")
    caller.say("mehico")
    assert "Did you say Mexico?" in caller.last_heard()
    caller.press("1")
    assert "El Paso Demo Processing Center" in caller.last_heard()


def test_a_wrong_guess_at_the_country_is_asked_again_and_nothing_is_looked_up(app, call, records) -> None:
    caller = to_custody(call())
    caller.press("201345678")
    caller.press("1")
    caller.say("mehico")
    caller.press("2")
    assert "country of birth" in caller.last_heard()
    assert audits(app) == []
    caller.say("Mexico")
    assert "El Paso Demo Processing Center" in caller.last_heard()
    assert [a.country for a in audits(app)] == ["MX"]


def test_not_found_and_found_but_not_disclosed_sound_exactly_the_same(app, call, records) -> None:
    from config import DisclosurePolicy

    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(disclosure=DisclosurePolicy(disclose_release_and_removal=False))
    released = call()
    to_custody(released)
    look_up(released, "209000001", "2")  # released, born in Guatemala: found, not disclosed by this policy
    unknown = call()
    to_custody(unknown)
    look_up(unknown, "209999999", "2")  # no such A-number
    mismatch = call()
    to_custody(mismatch)
    look_up(mismatch, "201345678", "2")  # the demo detainee, but the wrong country
    assert released.documents[-1] == unknown.documents[-1] == mismatch.documents[-1]
    assert "cannot confirm" in unknown.last_heard() and "operator" in unknown.last_heard()
    assert [a.result for a in audits(app)] == ["not_disclosed", "not_found", "country_mismatch"]


class TestWhenPolicyDisclosesOtherStatuses:
    @pytest.fixture
    def settings(self, settings):
        from config import DisclosurePolicy

        return settings.replace(disclosure=DisclosurePolicy(disclose_other_statuses=True))

    def test_other_statuses_are_read_in_the_policys_words(self, app, call, records) -> None:
        caller = to_custody(call())
        assert "released from ICE custody" in look_up(caller, "209000001", "2")
        assert audits(app)[-1].result == "status_disclosed"


class TestWhenPolicyWithholdsThePhone:
    @pytest.fixture
    def settings(self, settings):
        from config import DisclosurePolicy

        return settings.replace(disclosure=DisclosurePolicy(in_custody_fields=("facility_name", "city", "state")))

    def test_the_facility_phone_is_not_read(self, app, call, records) -> None:
        heard = look_up(to_custody(call()), "201345678", "1")
        assert "El Paso Demo Processing Center" in heard and "phone" not in heard
        assert audits(app)[-1].fields_disclosed == "facility_name,city,state"


def test_failed_attempts_per_call_are_limited_then_an_operator_is_offered(app, call, records) -> None:
    caller = to_custody(call())
    for number in ("209999991", "209999992", "209999993"):
        look_up(caller, number, "1")
        caller.press(caller.option_for("look up another person"))
    heard = look_up(caller, "201345678", "1")
    assert "cannot look up more A-numbers on this call" in heard
    assert "El Paso" not in heard
    assert caller.option_for("talk with an operator") == "1"
    last = audits(app)[-1]
    assert (last.result, last.flagged, last.a_number) == ("limited", True, "201345678")


def test_distinct_a_numbers_per_caller_per_day_are_limited_across_calls(app, call, records) -> None:
    for number in ("201345678", "209000001", "209000002", "209999991", "209999992"):
        look_up(to_custody(call()), number, "1")
    # The same caller number, a new call: a sixth different A-number is refused ...
    assert "cannot look up more" in look_up(to_custody(call()), "209999993", "1")
    # ... but one already asked about today is still answered, and another caller is not affected.
    assert "El Paso" in look_up(to_custody(call()), "201345678", "1")
    assert "El Paso" in look_up(to_custody(call(caller="+13125550199")), "201345678", "1")
    with app.extensions["hotline"].database.session() as session:
        flagged = LookupAudit.flagged_callers(session, audits(app)[0].at)
    assert flagged == [(hash_caller(CALLER, "test-audit-key-0123456789abcdef-012"), 1)]


def test_a_retried_look_up_is_audited_once(app, client, call, records) -> None:
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
    headers = {"X-Twilio-Signature": sign(AUTH_TOKEN, url, params), "I-Twilio-Idempotency-Token": "retry-token-1"}
    path = url.removeprefix(PUBLIC_BASE_URL)
    first = client.post(path, data=params, headers=headers, base_url=PUBLIC_BASE_URL)
    second = client.post(path, data=params, headers=headers, base_url=PUBLIC_BASE_URL)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert b"El Paso Demo Processing Center" in first.data
    assert len(audits(app)) == 1


def test_no_full_a_number_or_phone_number_reaches_the_logs(app, call, records, caplog) -> None:
    caplog.set_level("INFO", logger="voice")
    import logging

    logging.getLogger("voice").propagate = True
    try:
        look_up(to_custody(call()), "201345678", "1")
    finally:
        logging.getLogger("voice").propagate = False
    text = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "custody look-up" in text
    assert "201345678" not in text and "2025550143" not in text
