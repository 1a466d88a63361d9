"""Texts only when the caller says texting this phone is safe (silence is no), and texts that name nothing."""

from __future__ import annotations

import re

import pytest

from callflows.catalogue import catalogue
from models import CallbackConfirmation
from tests.e2e.conftest import choose
from tests.e2e.test_callback_requests import at_message_offer


def confirmations(app) -> list[CallbackConfirmation]:
    with app.extensions["hotline"].database.session() as session:
        return list(session.query(CallbackConfirmation))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_voice_path_asks_whether_texting_is_safe_before_the_offer(app, call, lang) -> None:
    caller = choose(at_message_offer(call, lang), lang, "skip")
    said = caller.last_heard()
    safe = catalogue().text(lang, "texting.safe", {})
    assert safe in said
    offer = catalogue().text(lang, "confirmation.offer", {})
    assert offer not in said


def test_silence_at_is_it_safe_to_text_sends_nothing(app, call) -> None:
    caller = choose(at_message_offer(call), "en", "skip")
    caller.silence()
    assert confirmations(app) == []
    assert caller.ended


def test_not_safe_to_text_sends_nothing(app, call) -> None:
    caller = choose(at_message_offer(call), "en", "skip")
    caller.press(caller.option_for("If it is not safe"))
    assert confirmations(app) == [] and "text message" not in caller.last_heard()


# Words no text may carry: who we are, what about, or a person's name.
FORBIDDEN = re.compile(r"\bICE\b|VOICE|hotline|l[ií]nea de ayuda|victim|v[ií]ctima|immigra|inmigra|migratori", re.I)


def test_no_text_names_the_service_the_agency_or_what_it_is_about() -> None:
    cat = catalogue()
    for lang in cat.codes:
        for key in cat.entries[lang]:
            if not key.startswith(("sms.", "notify.sms.", "referrals.sms.", "texting.sms.")):
                continue
            value = cat.entries[lang][key]
            if isinstance(value, str):
                assert not FORBIDDEN.search(value), f"{lang} {key}: {value}"
