"""Safety on the callback path: typed numbers belong to nobody, the promise, honest waits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import PHRASES, choose, heard, requests, safe_contact
from tests.e2e.test_call_tree import to_callback_number
from tests.e2e.test_callback_requests import add_request, at_message_offer
from tests.operators.conftest import bearer, database, make_operator  # noqa: F401

LANGS = ["en", "es"]
OWNER = "+12025550143"
OTHER = "+13055550177"


def typed_request(call, lang: str, caller: str, number: str, **answers: str):
    """A caller asks for a call back at a number they type, and finishes the request."""
    at_number = choose(to_callback_number(call, lang, caller, **answers), lang, "other_number")
    at_number.press(number.removeprefix("+1") + "#")
    return finish(safe_contact(choose(at_number, lang, "entered_right"), lang), lang)


def own_request(call, lang: str, caller: str, **answers: str):
    """A caller asks for a call back at their own caller ID, and finishes the request."""
    return finish(at_message_offer(call, lang, caller, **answers), lang)


def finish(caller, lang: str):
    """From the message offer: no message."""
    return choose(caller, lang, "skip")


# --- 1. typed numbers belong to nobody ----------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_a_typed_number_never_changes_the_owners_request(app, call, lang) -> None:
    own_request(call, lang, OWNER, who="victim", need="local_services")
    intruder = typed_request(call, lang, OTHER, OWNER, who="family", need="offender_info", danger="danger_no")
    assert heard(intruder, lang, "saved")
    owners, typed = requests(app)
    assert (owners.phone, owners.caller_type, owners.need, owners.urgent) == (OWNER, "victim", "local_services", False)
    assert (typed.phone, typed.caller_type, typed.by_caller_id) == (OWNER, "family", False)
    assert owners.by_caller_id is True


@pytest.mark.parametrize("lang", LANGS)
def test_a_typed_number_that_matches_another_request_sounds_like_a_first_request(app, call, lang) -> None:
    first = typed_request(call, lang, OTHER, "+16175550188").last_heard()
    own_request(call, "en", "+16175550188")
    again = typed_request(call, lang, "+14155550166", "+16175550188").last_heard()
    # Only the place in line may differ.
    assert first.split(".")[:2] == again.split(".")[:2]
    assert len(requests(app)) == 3


def test_typing_the_same_number_twice_makes_two_requests(app, call) -> None:
    typed_request(call, "en", OTHER, "+16175550188")
    second = typed_request(call, "en", OTHER, "+16175550188")
    assert heard(second, "en", "saved")
    assert [r.by_caller_id for r in requests(app)] == [False, False]


def test_the_owner_calling_after_a_typed_request_gets_a_request_of_their_own(app, call) -> None:
    typed_request(call, "en", OTHER, OWNER, who="family")
    owner = own_request(call, "en", OWNER, who="victim")
    assert heard(owner, "en", "saved")
    typed, owners = requests(app)
    assert (typed.caller_type, owners.caller_type, owners.by_caller_id) == ("family", "victim", True)


def test_operators_see_requests_for_the_same_number_linked(app, call, client, make_operator) -> None:  # noqa: F811
    own_request(call, "en", OWNER)
    typed_request(call, "en", OTHER, OWNER)
    owners, typed = requests(app)
    _, token = make_operator()
    shown = client.get(f"/api/requests/{owners.id}", headers=bearer(token)).get_json()
    assert [link["id"] for link in shown["also_given"]] == [typed.id]
    assert shown["also_given"][0]["by_caller_id"] is False
    listed = client.get("/api/requests", headers=bearer(token)).get_json()["requests"]
    assert {r["id"]: [link["id"] for link in r["also_given"]] for r in listed} == {
        owners.id: [typed.id],
        typed.id: [owners.id],
    }


def test_the_dashboard_shows_the_link_before_the_request(app, call, client, make_operator) -> None:  # noqa: F811
    from tests.operators.conftest import log_in

    own_request(call, "en", OWNER)
    typed_request(call, "en", OTHER, OWNER)
    owners, typed = requests(app)
    operator, _ = make_operator()
    log_in(client, operator.email)
    page = client.get(f"/ops/requests/{owners.id}").get_data(as_text=True)
    assert "Also asked at" in page
    assert f"request {typed.id}" in page
    assert page.index('id="safe-contact"') < page.index('id="caller-phone"')


# --- 5. honest waits ---------------------------------------------------------------


def test_the_wait_follows_requests_operators_close_through_the_api(app, call, client, make_operator) -> None:  # noqa: F811
    before = own_request(call, "en", "+16175550101")
    assert heard(before, "en", "no_estimate")
    _, token = make_operator()
    for number in range(3):
        add_request(app, f"+1305555013{number}", age=timedelta(minutes=150))
    for _ in range(3):
        claimed = client.post("/api/requests/claim-next", json={}, headers=bearer(token)).get_json()
        done = {"disposition": "reached", "notes": ""}
        assert (
            client.post(f"/api/requests/{claimed['id']}/complete", json=done, headers=bearer(token)).status_code == 200
        )
    after = own_request(call, "en", "+16175550102")
    assert not heard(after, "en", "no_estimate")
    assert "about 3 hours" in after.last_heard()


# --- 4. the promise before any number ---------------------------------------------------

PROMISE = {
    "en": ("never asks about your immigration status", "for {days} days"),
    "es": ("nunca le pregunta por su situación migratoria", "durante {days} días"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_the_promise_is_said_before_the_main_menu_with_the_retention_from_settings(app, call, lang) -> None:
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(retention_request_days=45)
    caller = call(caller=OWNER).press(PHRASES[lang]["language"])
    status, kept = PROMISE[lang]
    said = caller.last_heard()
    assert status in said and kept.format(days=45) in said
    assert said.index(status) < said.index(PHRASES[lang]["main"])


@pytest.mark.parametrize("lang", LANGS)
def test_the_promise_is_said_once_not_at_every_return_to_the_menu(app, call, lang) -> None:
    caller = call(caller=OWNER).press(PHRASES[lang]["language"]).press("9")
    assert PROMISE[lang][0] not in caller.last_heard()


def test_a_caller_who_picks_no_language_still_hears_the_promise(app, call) -> None:
    caller = call(caller=OWNER).silence().silence()
    assert PROMISE["en"][0] in caller.last_heard()


# --- 2. safe-contact choices ------------------------------------------------------------


def api_request(client, make_operator, request_id: int) -> dict:  # noqa: F811
    _, token = make_operator()
    return client.get(f"/api/requests/{request_id}", headers=bearer(token)).get_json()


@pytest.mark.parametrize("lang", LANGS)
def test_safe_contact_answers_are_stored_and_come_first_in_the_api(app, call, client, make_operator, lang) -> None:  # noqa: F811
    caller = choose(to_callback_number(call, lang, "+14155550166"), lang, "this_number")
    finish(safe_contact(caller, lang, "safe_yes", "voicemail_yes", "identify_no", "morning"), lang)
    [request] = requests(app)
    assert (request.safe_to_call, request.voicemail_ok, request.may_identify, request.call_window) == (
        "yes",
        True,
        False,
        "morning",
    )
    shown = api_request(client, make_operator, request.id)
    assert shown["safe_contact"] == {
        "safe_to_call": "yes",
        "voicemail": True,
        "may_identify": False,
        "call_window": "morning",
        "caller_timezone": "America/Los_Angeles",
    }


@pytest.mark.parametrize("lang", LANGS)
def test_a_silent_caller_gets_the_most_careful_answers(app, call, client, make_operator, lang) -> None:  # noqa: F811
    caller = choose(to_callback_number(call, lang), lang, "this_number")
    caller.silence().silence()  # "is it safe?" asked once more, then the next question: none is skipped
    assert heard(caller, lang, "voicemail_yes")
    caller.silence().silence()
    assert heard(caller, lang, "identify_yes")
    caller.silence().silence()
    assert PHRASES[lang]["any_time"] in caller.last_heard()
    caller.silence().silence()
    finish(caller, lang)
    assert heard(caller, lang, "saved")
    [request] = requests(app)
    assert api_request(client, make_operator, request.id)["safe_contact"] == {
        "safe_to_call": "unconfirmed",
        "voicemail": False,
        "may_identify": False,
        "call_window": "any",
        "caller_timezone": "America/New_York",
    }


def test_a_caller_who_hangs_up_after_confirming_the_number_already_has_a_request(app, call) -> None:
    choose(to_callback_number(call, "en"), "en", "this_number").hang_up()
    [request] = requests(app)
    assert (request.phone, request.status, request.safe_to_call, request.voicemail_ok) == (
        OWNER,
        "open",
        None,
        None,
    )


@pytest.mark.parametrize("lang", LANGS)
def test_not_safe_withdraws_the_number_and_takes_another(app, call, lang) -> None:
    caller = choose(choose(to_callback_number(call, lang), lang, "this_number"), lang, "safe_no")
    choose(caller, lang, "not_safe_other").press("6175550188#")
    finish(safe_contact(choose(caller, lang, "entered_right"), lang), lang)
    assert heard(caller, lang, "saved") and "0 1 8 8" in caller.last_heard()
    withdrawn, safe = requests(app)
    assert (withdrawn.phone, withdrawn.status, withdrawn.disposition) == (OWNER, "closed", "not_safe_to_call")
    assert (safe.phone, safe.status, safe.safe_to_call) == ("+16175550188", "open", "yes")


@pytest.mark.parametrize("lang", LANGS)
def test_not_safe_can_hear_when_to_call_us_instead(app, call, lang) -> None:
    caller = choose(choose(to_callback_number(call, lang), lang, "this_number"), lang, "safe_no")
    choose(caller, lang, "not_safe_call_us")
    assert heard(caller, lang, "goodbye") and caller.ended == "hung up"
    assert ("call us back" if lang == "en" else "volver a llamarnos") in caller.last_heard()
    assert [r.status for r in requests(app)] == ["closed"]


@pytest.mark.parametrize("lang", LANGS)
def test_a_window_outside_calling_hours_hears_the_nearest_hours_in_the_callers_time(app, call, lang) -> None:
    # Calling hours 09:00-20:00 New York are 6 AM to 5 PM in California: no evening is left.
    caller = choose(to_callback_number(call, lang, "+14155550166"), lang, "this_number")
    finish(safe_contact(caller, lang, window="evening"), lang)
    said = caller.last_heard()
    assert ("6 AM to 5 PM" if lang == "en" else "de 6 de la mañana a 5 de la tarde") in said, said


def test_the_first_call_back_waits_for_the_callers_morning_in_their_zone(app, call) -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    caller = choose(to_callback_number(call, "en", "+14155550166"), "en", "this_number")
    finish(safe_contact(caller, "en", window="morning"), "en")
    [request] = requests(app)
    # Either it is morning in California now, or the request waits for the next morning there.
    local = (request.next_attempt_at or datetime.now(UTC)).astimezone(ZoneInfo("America/Los_Angeles"))
    assert 8 <= local.hour < 12


def test_the_dashboard_shows_the_choices_first_and_a_neutral_script(app, call, client, make_operator) -> None:  # noqa: F811
    from tests.operators.conftest import log_in

    caller = choose(to_callback_number(call, "en"), "en", "this_number")
    finish(safe_contact(caller, "en", "safe_yes", "voicemail_no", "identify_no", "afternoon"), "en")
    [request] = requests(app)
    operator, _ = make_operator()
    log_in(client, operator.email)
    page = client.get(f"/ops/requests/{request.id}").get_data(as_text=True)
    assert page.index('id="safe-contact"') < page.index('id="caller-phone"')
    assert "do NOT leave a message" in page and 'id="neutral-script"' in page and "afternoon" in page


def test_the_dashboard_has_no_neutral_script_when_the_caller_allowed_the_name(app, call, client, make_operator) -> None:  # noqa: F811
    from tests.operators.conftest import log_in

    caller = choose(to_callback_number(call, "en"), "en", "this_number")
    finish(safe_contact(caller, "en", "safe_yes", "voicemail_yes", "identify_yes"), "en")
    [request] = requests(app)
    operator, _ = make_operator()
    log_in(client, operator.email)
    page = client.get(f"/ops/requests/{request.id}").get_data(as_text=True)
    assert 'id="neutral-script"' not in page and "may leave a message" in page


def test_concurrent_retries_of_one_call_with_a_typed_number_store_one_request(app) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from callflows.engine import CallState
    from tests.e2e.conftest import post_signed
    from web.phone.url_state import UrlStateCodec

    codec = UrlStateCodec(app.extensions["hotline"].settings.url_state_key)
    state = CallState("callback.confirm_entered", "en").with_values({"phone": OWNER, "phone_spoken": "x"})
    path = codec.url("/voice/step", state)
    params = {"CallSid": "CA" + "5" * 32, "From": OTHER, "To": "+18554886423", "Digits": "1"}

    def retry(_: int) -> int:
        return post_signed(app.test_client(), path, params).status_code

    with ThreadPoolExecutor(6) as pool:
        assert set(pool.map(retry, range(12))) == {200}
    [request] = requests(app)
    assert (request.phone, request.by_caller_id) == (OWNER, False)


def test_the_zip_a_caller_gave_sets_their_time_zone_before_the_number_does(app, call) -> None:
    from tests.e2e.test_call_tree import start, triage

    # Help near you → the ICE field office for San Francisco, from a 202 number.
    caller = choose(start(call, "en", OWNER), "en", "help_near_you").press("94103#")
    caller = choose(choose(caller, "en", "more_help"), "en", "ice_office")
    choose(caller, "en", "office_callback")
    finish(safe_contact(choose(triage(caller, "en"), "en", "this_number"), "en"), "en")
    [request] = requests(app)
    assert request.caller_timezone == "America/Los_Angeles"
