"""Safety on the callback path (issue 9): typed numbers belong to nobody, the promise, honest waits."""

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
    intruder = typed_request(call, lang, OTHER, OWNER, who="family", need="offender_info", danger="danger_yes")
    assert heard(intruder, lang, "saved") and not heard(intruder, lang, "updated")
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


def test_the_owner_still_updates_their_own_request(app, call) -> None:
    own_request(call, "en", OWNER, who="family")
    again = own_request(call, "en", OWNER, who="victim")
    assert heard(again, "en", "updated")
    [request] = requests(app)
    assert request.caller_type == "victim"


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
    assert "This number was also given by another caller at" in page
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
    hotline.settings = hotline.settings.replace(callback_retention_days=45)
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
