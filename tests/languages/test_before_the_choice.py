"""Before a language is chosen every sentence is said in every language; relay calls never choose one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from callflows.catalogue import catalogue
from models.base import utcnow
from tests.languages.conftest import RELAY_NUMBER


def close(app) -> None:
    hotline = app.extensions["hotline"]
    today = utcnow().date()
    hotline.settings = hotline.settings.replace(holidays=tuple(today + timedelta(days=d) for d in (-1, 0, 1)))


def languages_of(caller) -> set[str | None]:
    return {heard.language for heard in caller.heard}


ALL = {lang.say_language for lang in catalogue().languages}


def test_a_spanish_speaker_hears_para_espanol_oprima_2_within_45_words(call) -> None:
    caller = call()
    words_before = 0
    for heard in caller.heard:
        if "Para español, oprima 2" in heard.text:
            break
        words_before += len(heard.text.split())
    else:
        pytest.fail("no Spanish choice")
    assert words_before + 4 <= 45
    # The welcome before the choice is short in every language; Chinese offers itself in Chinese.
    assert "普通话服务，请按3。" in [heard.text for heard in caller.heard]
    english = [heard.text for heard in caller.heard if heard.language == "en-US"]
    assert sum(len(text.split()) for text in english) <= 25


@pytest.mark.parametrize("lang", ["en", "es", "zh"])
def test_each_language_is_chosen_by_its_key_and_welcomed_in_it(call, lang) -> None:
    cat = catalogue()
    caller = call().press(str(cat.codes.index(lang) + 1))
    assert languages_of(caller) == {cat.language(lang).say_language}
    assert cat.text(lang, "welcome.greeting") in caller.last_heard()
    assert cat.text(lang, "main.intro") in caller.last_heard()


@pytest.mark.parametrize(("said", "lang"), [("español", "es"), ("english", "en"), ("普通话", "zh")])
def test_a_language_can_be_said(call, said, lang) -> None:
    caller = call().say(said)
    assert languages_of(caller) == {catalogue().language(lang).say_language}


def test_a_miss_at_the_language_menu_is_apologised_for_in_every_language(call) -> None:
    cat = catalogue()
    caller = call().press("7")
    texts = [heard.text for heard in caller.heard]
    for code in cat.codes:
        assert cat.text(code, "language.invalid") in texts
    assert languages_of(caller) == ALL
    caller.silence()
    for code in cat.codes:
        assert cat.text(code, "language.silence") in [heard.text for heard in caller.heard]
    assert languages_of(caller) == ALL


def test_silence_at_the_choice_hears_the_promise_in_every_language_then_holds_for_a_person(call) -> None:
    cat = catalogue()
    caller = call().silence().silence()
    assert caller.ended == "enqueued:operators"
    heard = caller.last_heard()
    for code in cat.codes:
        assert cat.text(code, "promise.status") in heard
        assert cat.text(code, "operator.connecting") in heard
    # The wait message too is said in every language: never English only.
    assert languages_of(caller) == ALL


def test_silence_at_the_choice_out_of_hours_offers_the_call_back_in_every_language(app, call) -> None:
    close(app)
    cat = catalogue()
    caller = call().silence().silence()
    heard = caller.last_heard()
    for code in cat.codes:
        assert cat.text(code, "operator.closed_offer") in heard
        # The hours are worded in each language.
        assert cat.text(code, "hours.every_day") in heard
        assert cat.text(code, "menu.globals.closed") in heard
        assert cat.text(code, "menu.globals") not in heard
    assert languages_of(caller) == ALL
    # One more press and the call back is under way (still in every language).
    caller.press("1")
    assert cat.text("es", "callback.intro") in caller.last_heard()


def test_zero_before_the_choice_reaches_a_person_in_every_language(call) -> None:
    caller = call().press("0")
    assert caller.ended == "enqueued:operators"
    assert languages_of(caller) == ALL


# --- relay calls (711) --------------------------------------------------------------------


def test_a_relay_call_hears_the_welcome_the_911_notice_and_the_promise_in_every_language_then_holds(call) -> None:
    cat = catalogue()
    caller = call(caller=RELAY_NUMBER)
    assert caller.ended == "enqueued:operators"
    heard = " ".join(caller.transcript)
    for code in cat.codes:
        for key in ("welcome.short", "welcome.danger", "promise.status"):
            assert cat.text(code, key) in heard, (code, key)
        # Not offered the call back from the queue: the relay's caller ID is not the caller's.
        assert cat.text(code, "queue.keep_place", {"digit": "1"}) not in heard
    assert not re.search(r"caller ID is hidden|número está oculto|来电号码已隐藏", heard)
    # Pressing 1 while holding keeps the caller holding, and says nothing about a hidden number.
    caller.press_while_holding("1")
    assert caller.queue == "operators" and not caller.heard


def test_a_relay_call_out_of_hours_is_asked_for_a_number_to_call_back_in_every_language(app, call) -> None:
    close(app)
    cat = catalogue()
    caller = call(caller=RELAY_NUMBER)
    heard = " ".join(caller.transcript)
    for code in cat.codes:
        assert cat.text(code, "relay.callback") in heard
        assert cat.text(code, "callback.enter_phone") in heard
    assert "hidden" not in heard and "oculto" not in heard
    # The relay operator types the number; it is read back, confirmed, and the request stored.
    caller.press("2025550199#")
    caller.press("1")
    assert cat.text("en", "callback.safe_to_call") in caller.last_heard()


def test_three_silences_out_of_hours_do_not_end_a_relay_call_without_a_way_to_a_person(app, call) -> None:
    close(app)
    cat = catalogue()
    caller = call(caller=RELAY_NUMBER).silence()
    # The number question again, then on silence the call-back offer: never a silent hang-up.
    caller.silence().silence()
    assert cat.text("en", "operator.closed_offer") in " ".join(caller.transcript)


def test_the_operator_is_told_the_caller_chose_no_language(app, call) -> None:
    from models import QueuedCall
    from models.live_queue import NO_LANGUAGE

    caller = call().silence().silence()
    with app.extensions["hotline"].database.session() as session:
        row = session.get(QueuedCall, caller.call_sid)
        assert row is not None and row.language == NO_LANGUAGE
        assert row.triage_keys()[0] == "live.language.none"
