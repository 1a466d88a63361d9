"""Nothing a caller hears reveals an earlier contact; operators see the link and merge."""

from __future__ import annotations

import re

import pytest

from models import CallbackRequest
from tests.e2e.conftest import choose, requests
from tests.e2e.test_callback_requests import at_message_offer
from tests.operators.conftest import bearer, csrf_from, log_in

OWNER = "+12025550143"
REVEALING = ("already", "updated", "Ya tenemos", "actualizamos", "Welcome back")


def own_request(call, lang: str, **answers: str):
    return choose(at_message_offer(call, lang, OWNER, **answers), lang, "skip")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_second_call_from_the_same_phone_sounds_like_a_first_one(app, call, lang) -> None:
    first = own_request(call, lang, who="family")
    second = own_request(call, lang, who="victim")
    first_words, second_words = " ".join(first.transcript), " ".join(second.transcript)
    for word in REVEALING:
        assert word not in second_words
    # Only the place in line may differ between the two calls.
    assert re.sub(r"\d+", "N", first_words) == re.sub(r"\d+", "N", second_words)
    older, newer = requests(app)
    assert (older.caller_type, newer.caller_type) == ("family", "victim")
    assert older.status == newer.status == "open"


def test_a_later_call_never_changes_what_the_earlier_one_said(app, call) -> None:
    own_request(call, "en", who="victim", need="local_services")
    own_request(call, "en", who="family", need="offender_info")
    older, newer = requests(app)
    assert (older.caller_type, older.need) == ("victim", "local_services")
    assert (newer.caller_type, newer.need) == ("family", "offender_info")


def test_operators_see_also_asked_at_and_merge_through_the_api(app, call, client, make_operator) -> None:
    own_request(call, "en", who="victim", need="local_services")
    own_request(call, "en", who="family")
    with app.extensions["hotline"].database.session() as session:
        first = session.get(CallbackRequest, requests(app)[0].id)
        first.urgent, first.priority, first.voicemail_ok = True, 10, True
    older, newer = requests(app)
    _, token = make_operator()
    shown = client.get(f"/api/requests/{newer.id}", headers=bearer(token)).get_json()
    assert [(link["id"], link["by_caller_id"], link["status"]) for link in shown["also_given"]] == [
        (older.id, True, "open")
    ]
    merged = client.post(f"/api/requests/{newer.id}/merge", json={"into": older.id}, headers=bearer(token))
    assert merged.status_code == 200, merged.get_json()
    kept = merged.get_json()
    assert kept["id"] == older.id and kept["urgent"] is True and kept["caller_type"] == "victim"
    # The later call said no voicemail: the more careful answer wins.
    assert kept["safe_contact"]["voicemail"] is False
    older, newer = requests(app)
    assert (newer.status, newer.disposition) == ("closed", "merged")
    again = client.post(f"/api/requests/{newer.id}/merge", json={"into": older.id}, headers=bearer(token))
    assert again.status_code == 409


def test_requests_for_different_numbers_are_not_merged(app, client, make_operator, add_request) -> None:
    first, second = add_request(phone="+12025550143"), add_request(phone="+13055550177")
    _, token = make_operator()
    answer = client.post(f"/api/requests/{second}/merge", json={"into": first}, headers=bearer(token))
    assert answer.status_code == 409


def test_the_request_page_says_also_asked_at_and_merges(app, call, client, make_operator) -> None:
    own_request(call, "en")
    own_request(call, "en")
    older, newer = requests(app)
    operator, _ = make_operator()
    log_in(client, operator.email)
    page = client.get(f"/ops/requests/{newer.id}").get_data(as_text=True)
    assert "Also asked at" in page and f"request {older.id}" in page
    done = client.post(f"/ops/requests/{newer.id}/merge", data={"into": str(older.id), "csrf_token": csrf_from(page)})
    assert done.status_code == 302
    assert [r.status for r in requests(app)] == ["open", "closed"]


def test_registering_again_by_text_sounds_like_a_first_registration(app, texter) -> None:
    from models import Registration

    sender = texter("+14155550166")
    first = sender.send("REGISTER A201345678 MEXICO")[0]
    code = re.search(r"\d{6}", first)[0]
    sender.send(f"YES {code}")
    again = sender.send("REGISTER A201345678 MEXICO")[0]
    assert re.sub(r"\d{6}", "N", again) == re.sub(r"\d{6}", "N", first)
    assert "already" not in again and "registered" not in again
    # Wrong codes stop the renewal code working; the registration itself stays.
    for wrong in ("000000", "000001", "000002", "000003", "000004"):
        sender.send(f"YES {wrong}")
    with app.extensions["hotline"].database.session() as session:
        (registration,) = session.query(Registration).all()
        assert registration.status == "active"
