"""Safe-contact questions on every path that ends in a call back; silence keeps the careful defaults."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHRASES, choose, heard, requests
from tests.e2e.test_call_tree import to_callback_number
from tests.operators.test_live_queue import in_queue


@pytest.mark.parametrize("lang", ["en", "es"])
def test_leaving_the_live_queue_for_a_call_back_asks_the_safe_contact_questions(app, call, lang) -> None:
    caller = in_queue(call, lang, who="victim", need="local_services")
    caller.press_while_holding("1")
    assert heard(caller, lang, "safe_yes")
    for answer in ("safe_yes", "voicemail_no", "identify_no", "evening"):
        choose(caller, lang, answer)
    choose(caller, lang, "skip")
    assert heard(caller, lang, "saved")
    [request] = requests(app)
    assert (request.safe_to_call, request.voicemail_ok, request.may_identify, request.call_window) == (
        "yes", False, False, "evening"
    )  # fmt: skip
    assert request.caller_type == "victim"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_silence_at_is_it_safe_goes_on_to_the_next_questions(app, call, lang) -> None:
    caller = choose(to_callback_number(call, lang), lang, "this_number")
    caller.silence().silence()
    # Not skipped: the voicemail question comes next.
    assert heard(caller, lang, "voicemail_yes")
    choose(caller, lang, "voicemail_no")
    assert heard(caller, lang, "identify_yes")
    choose(caller, lang, "identify_no")
    assert PHRASES[lang]["any_time"] in caller.last_heard()
    choose(choose(caller, lang, "any_time"), lang, "skip")
    [request] = requests(app)
    assert request.safe_contact()["safe_to_call"] == "unconfirmed"
    assert (request.voicemail_ok, request.may_identify) == (False, False)
