"""End to end through the call simulator: every path of the tree, in English and Spanish.

Real app, real database, real Redis; the simulator fails a test on any TwiML Twilio would refuse.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHRASES, choose, heard, requests, safe_contact

LANGS = ["en", "es"]


def start(call, lang: str, caller: str = "+12025550143"):
    """Dial and pick the language: the caller is at the main menu."""
    return call(caller=caller).press(PHRASES[lang]["language"])


def triage(caller, lang: str, who: str = "victim", need: str = "offender_info", danger: str = "danger_no"):
    """Answer the three triage questions (and, asking about removal, decline the explainer first).

    A caller in danger out of hours is offered the national lines; here they ask for the call back.
    """
    caller = choose(choose(caller, lang, who), lang, need)
    if need == "removal_process":
        caller = choose(caller, lang, "removal_continue")
    caller = choose(caller, lang, danger)
    if danger == "danger_yes" and heard(caller, lang, "danger_lines"):
        caller = choose(caller, lang, "callback_instead")
    return caller


def to_callback_number(call, lang: str, caller: str = "+12025550143", **answers: str):
    """Main menu → callback → triage: the caller is asked about the number."""
    return triage(choose(start(call, lang, caller), lang, "callback"), lang, **answers)


# --- callback requests --------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_caller_id_callback_is_saved_with_triage_and_read_back_by_last_four(app, call, lang) -> None:
    caller = to_callback_number(call, lang, who="family", need="removal_process")
    assert "6 4 2 3" not in caller.last_heard() and "0 1 4 3" in caller.last_heard()
    safe_contact(choose(caller, lang, "this_number"), lang)
    choose(caller, lang, "skip")
    assert heard(caller, lang, "saved") and "0 1 4 3" in caller.last_heard()
    assert heard(caller, lang, "no_estimate")
    # Last, the offer of a confirmation text; saying nothing means no text, and goodbye.
    caller.silence()
    assert caller.ended == "hung up" and heard(caller, lang, "goodbye")
    [request] = requests(app)
    assert (request.phone, request.language, request.caller_type, request.need) == (
        "+12025550143",
        lang,
        "family",
        "removal_process",
    )
    assert (request.status, request.source, request.urgent, request.call_sid) == (
        "open",
        "voice",
        False,
        caller.call_sid,
    )


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("who", "need", "caller_type", "stored_need"),
    [
        ("victim", "local_services", "victim", "local_services"),
        ("witness", "something_else", "witness", "other"),
        ("someone_else", "offender_info", "other", "offender_info"),
    ],
)
def test_every_triage_answer_is_stored(app, call, lang, who, need, caller_type, stored_need) -> None:
    caller = to_callback_number(call, lang, who=who, need=need)
    choose(safe_contact(choose(caller, lang, "this_number"), lang), lang, "skip")
    [request] = requests(app)
    assert (request.caller_type, request.need) == (caller_type, stored_need)


@pytest.mark.parametrize("lang", LANGS)
def test_caller_in_danger_hears_911_and_the_request_is_urgent(app, call, closed_hours, lang) -> None:
    caller = to_callback_number(call, lang, danger="danger_yes")
    assert any(PHRASES[lang]["danger_notice"] in line for line in caller.transcript)
    choose(safe_contact(choose(caller, lang, "this_number"), lang), lang, "skip")
    [request] = requests(app)
    assert request.urgent is True and request.priority == 10


@pytest.mark.parametrize("lang", LANGS)
def test_a_caller_in_danger_while_operators_answer_hears_911_then_holds_in_the_urgent_queue(app, call, lang) -> None:
    caller = to_callback_number(call, lang, danger="danger_yes")
    assert heard(caller, lang, "danger_notice")
    assert caller.ended == "enqueued:operators-urgent"
    assert requests(app) == []


@pytest.mark.parametrize("lang", LANGS)
def test_another_number_is_entered_read_back_and_used(app, call, lang) -> None:
    caller = choose(to_callback_number(call, lang), lang, "other_number")
    caller.press("6175550188#")
    assert "6 1 7, 5 5 5, 0 1 8 8" in caller.last_heard()
    safe_contact(choose(caller, lang, "entered_right"), lang)
    choose(caller, lang, "skip")
    assert "0 1 8 8" in caller.last_heard()
    assert requests(app)[0].phone == "+16175550188"


@pytest.mark.parametrize("lang", LANGS)
def test_a_mistyped_number_can_be_entered_again(app, call, lang) -> None:
    caller = choose(to_callback_number(call, lang), lang, "other_number").press("6175550188#")
    choose(caller, lang, "enter_again").press("3055550177#")
    choose(safe_contact(choose(caller, lang, "entered_right"), lang), lang, "skip")
    assert requests(app)[0].phone == "+13055550177"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "bad", ["8005550100#", "9005550100#", "555#", "12#"], ids=["toll-free", "premium", "short", "tiny"]
)
def test_unusable_numbers_are_refused_with_a_reprompt(app, call, lang, bad) -> None:
    caller = choose(to_callback_number(call, lang), lang, "other_number").press(bad)
    assert heard(caller, lang, "refused") and caller.waiting_tag == "Gather"
    assert requests(app) == []


@pytest.mark.parametrize("lang", LANGS)
def test_a_spoken_callback_number_is_understood(app, call, lang) -> None:
    caller = choose(to_callback_number(call, lang), lang, "other_number")
    caller.say(
        "six one seven five five five zero one eight eight"
        if lang == "en"
        else "seis uno siete cinco cinco cinco cero uno ocho ocho"
    )
    assert "0 1 8 8" in caller.last_heard()


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("withheld", ["anonymous", "+266696687", ""], ids=["anonymous", "266696687", "empty"])
def test_withheld_caller_id_must_enter_a_number(app, call, lang, withheld) -> None:
    caller = to_callback_number(call, lang, caller=withheld)
    assert heard(caller, lang, "withheld") and caller.waiting_tag == "Gather"
    caller.press("2025550166#")
    choose(safe_contact(choose(caller, lang, "entered_right"), lang), lang, "skip")
    assert requests(app)[0].phone == "+12025550166"


@pytest.mark.parametrize("lang", LANGS)
def test_a_voice_message_is_announced_recorded_and_attached(app, call, lang) -> None:
    caller = choose(safe_contact(choose(to_callback_number(call, lang), lang, "this_number"), lang), lang, "record")
    assert caller.waiting_tag == "Record"
    record = caller.documents[-1]
    assert "recorded" in caller.last_heard() or "grabado" in caller.last_heard()
    # Twilio's transcription is English only.
    assert ('transcribe="true"' in record) is (lang == "en")
    caller.record(seconds=20)
    assert heard(caller, lang, "saved")
    [request] = requests(app)
    assert request.message_url and request.message_url.startswith("https://api.twilio.com/")
    assert request.message_seconds == 20


@pytest.mark.parametrize("lang", LANGS)
def test_silence_at_the_message_offer_still_saves_the_request(app, call, lang) -> None:
    caller = safe_contact(choose(to_callback_number(call, lang), lang, "this_number"), lang)
    caller.silence().silence().silence()
    assert heard(caller, lang, "saved")
    assert len(requests(app)) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_unanswered_triage_questions_do_not_block_a_callback(app, call, lang) -> None:
    caller = choose(start(call, lang), lang, "callback")
    for _ in range(9):
        caller.silence()
    assert "0 1 4 3" in caller.last_heard()
    choose(safe_contact(choose(caller, lang, "this_number"), lang), lang, "skip")
    [request] = requests(app)
    assert (request.caller_type, request.need, request.urgent) == (None, None, False)


# --- operator -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_in_hours_the_caller_is_triaged_and_queued_with_their_position(app, call, lang) -> None:
    caller = triage(choose(start(call, lang), lang, "operator"), lang)
    assert caller.ended == "enqueued:operators"
    # The simulator fetched the wait URL with QueuePosition=1.
    assert any(p in caller.last_heard() for p in ("next in line", "próxima persona en la fila"))


@pytest.mark.parametrize("lang", LANGS)
def test_zero_at_the_call_back_questions_goes_straight_to_the_queue(app, call, lang) -> None:
    caller = choose(start(call, lang), lang, "callback").press("0")
    # Not "who is calling?" a second time: one press, and the caller holds for a person.
    assert caller.ended == "enqueued:operators"


@pytest.mark.parametrize("lang", LANGS)
def test_after_hours_the_hours_are_said_and_a_callback_offered(app, call, closed_hours, lang) -> None:
    # Out of hours the menu offers a call back on 0, never an operator who is not there.
    assert not heard(start(call, lang), lang, "operator")
    caller = start(call, lang).press("0")
    assert heard(caller, lang, "closed")
    said = caller.last_heard()
    assert ("Monday to Friday, from 8 AM to 8 PM, Eastern time" in said) or (
        "de lunes a viernes, de 8 de la mañana a 8 de la noche, hora del Este" in said
    )
    choose(caller, lang, "offer_callback")
    choose(safe_contact(choose(triage(caller, lang), lang, "this_number"), lang), lang, "skip")
    assert heard(caller, lang, "saved") and len(requests(app)) == 1


@pytest.mark.parametrize("lang", LANGS)
def test_after_hours_a_caller_can_go_back_to_the_main_menu(app, call, closed_hours, lang) -> None:
    caller = choose(start(call, lang).press("0"), lang, "offer_main")
    assert heard(caller, lang, "main")


@pytest.mark.parametrize("lang", LANGS)
def test_after_hours_silence_ends_with_words_not_a_silent_hang_up(app, call, closed_hours, lang) -> None:
    caller = start(call, lang).press("0").silence().silence().silence()
    assert caller.ended == "hung up" and heard(caller, lang, "goodbye")


@pytest.mark.parametrize("lang", LANGS)
def test_a_caller_who_leaves_the_queue_is_offered_a_callback_without_triage_again(app, call, client, lang) -> None:
    from tests.e2e.conftest import post_signed

    caller = triage(choose(start(call, lang), lang, "operator"), lang)
    enqueue = caller.documents[-1]
    action = enqueue.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    params = {"CallSid": caller.call_sid, "From": caller.caller, "To": caller.hotline, "QueueResult": "queue-full"}
    document = post_signed(client, action, params).get_data(as_text=True)
    assert PHRASES[lang]["not_reached"] in document
    # The callback option goes straight to the number: the triage answers ride along in the state.
    menu = document.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    document = post_signed(client, menu, {**params, "Digits": "1", "QueueResult": ""}).get_data(as_text=True)
    assert "0 1 4 3" in document
    from urllib.parse import parse_qsl, urlsplit

    from web.phone.url_state import UrlStateCodec

    action = document.split('action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    codec = UrlStateCodec(app.extensions["hotline"].settings.url_state_key)
    assert codec.decode(dict(parse_qsl(urlsplit(action).query))).get("caller_type") == "victim"


# --- local office (now behind "help near you": local services first) ------------------


def to_office(call, lang: str, zip_keys: str | None = None, zip_words: str | None = None):
    """Main menu → help near you → ZIP code → more kinds of help → the ICE field office."""
    caller = choose(start(call, lang), lang, "help_near_you")
    caller = caller.press(zip_keys) if zip_keys else caller.say(zip_words or "")
    return choose(choose(caller, lang, "more_help"), lang, "ice_office")


@pytest.mark.parametrize("lang", LANGS)
def test_a_zip_code_gives_the_field_office_name_and_phone(app, call, lang) -> None:
    caller = to_office(call, lang, "30301")
    assert "Atlanta" in caller.last_heard()
    assert "4 0 4, 8 9 3, 1 2 9 0" in caller.last_heard()
    choose(caller, lang, "offer_main")
    assert heard(caller, lang, "main")


@pytest.mark.parametrize("lang", LANGS)
def test_a_callback_from_the_office_carries_the_office(app, call, lang) -> None:
    caller = to_office(call, lang, zip_words="three zero three zero one" if lang == "en" else "tres cero tres cero uno")
    choose(caller, lang, "office_callback")
    choose(safe_contact(choose(triage(caller, lang), lang, "this_number"), lang), lang, "skip")
    assert requests(app)[0].field_office == "ATL"


@pytest.mark.parametrize("lang", LANGS)
def test_an_office_without_a_real_number_never_reads_the_placeholder(app, call, lang) -> None:
    caller = to_office(call, lang, "70112")
    assert "New Orleans" in caller.last_heard()
    assert "5 5 5" not in caller.last_heard()


@pytest.mark.parametrize("lang", LANGS)
def test_an_unknown_zip_is_said_back_and_can_be_tried_again(app, call, lang) -> None:
    caller = to_office(call, lang, "00000")
    assert "0 0 0 0 0" in caller.last_heard()
    choose(caller, lang, "try_again").press("98101")
    assert "Seattle" in caller.last_heard()


@pytest.mark.parametrize("lang", LANGS)
def test_custody_option_leads_to_the_custody_part(app, call, lang) -> None:
    caller = choose(start(call, lang), lang, "custody")
    assert caller.documents[-1]  # valid TwiML (the simulator checks every document)


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_silent_caller_is_reprompted_then_given_an_operator(app, call, lang) -> None:
    caller = start(call, lang).silence()
    assert heard(caller, lang, "main") and caller.waiting_tag == "Gather"
    caller.silence().silence()
    assert caller.ended is None and caller.waiting_tag == "Gather"
    assert any(w in caller.last_heard() for w in ("who is calling", "quién llama"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("garbage", ["7", "6", "*", "#", "12"])
def test_garbage_keys_get_a_short_reprompt(app, call, lang, garbage) -> None:
    caller = start(call, lang).press(garbage)
    said = caller.last_heard()
    assert said.startswith(("Sorry, I didn't get that", "Lo siento, no le entendí"))
    assert heard(caller, lang, "main")


@pytest.mark.parametrize(
    ("lang", "words", "reaches"),
    [
        ("en", "call me back", "who is calling"),
        ("en", "help near me", "ZIP code"),
        ("en", "representative", "who is calling"),
        ("es", "que me llamen", "quién llama"),
        ("es", "ayuda cerca", "código postal"),
        ("es", "operador", "quién llama"),
    ],
)
def test_speech_works_wherever_keys_do(app, call, lang, words, reaches) -> None:
    caller = start(call, lang).say(words)
    assert reaches in caller.last_heard()


@pytest.mark.parametrize("lang", LANGS)
def test_nine_repeats_the_menu(app, call, lang) -> None:
    caller = start(call, lang).press("9")
    assert heard(caller, lang, "main")


@pytest.mark.parametrize("lang", LANGS)
def test_after_hours_a_silent_caller_hears_the_hours_and_the_callback_offer(app, call, closed_hours, lang) -> None:
    caller = start(call, lang).silence().silence().silence()
    assert heard(caller, lang, "closed") and caller.waiting_tag == "Gather"
    assert caller.option_for(PHRASES[lang]["offer_callback"]) == "1"


@pytest.mark.parametrize(("lang", "yes"), [("en", "yes"), ("es", "sí")])
def test_saying_yes_to_danger_gives_the_911_notice(app, call, closed_hours, lang, yes) -> None:
    caller = choose(choose(choose(start(call, lang), lang, "callback"), lang, "victim"), lang, "offender_info")
    caller.say(yes)
    assert heard(caller, lang, "danger_notice") and heard(caller, lang, "danger_lines")
    choose(caller, lang, "callback_instead")
    choose(safe_contact(choose(caller, lang, "this_number"), lang), lang, "skip")
    assert requests(app)[0].urgent is True
