"""Help near you by voice: a caller in Harlingen, TX hears the nearest services first, in English and Spanish."""

from __future__ import annotations

import pytest
from rq import SimpleWorker
from sqlalchemy import select

import workers
from models import OutboxMessage, Service
from tests.e2e.conftest import PHRASES

LANGS = ["en", "es"]
WORDS = {
    "en": {
        "dv": "domestic violence",
        "legal": "legal help",
        "miles": "miles away",
        "text_me": "by text message",
        "texted": "We sent the list",
        "national": "national hotline",
        "ndvh": "Domestic Violence Hotline",
        "ice": "the ICE field office",
        "nothing": "We did not find",
        "phone": "Their phone number is",
        "cannot_text": "we cannot see its number",
    },
    "es": {
        "dv": "violencia doméstica",
        "legal": "ayuda legal gratuita",
        "miles": "millas",
        "text_me": "mensaje de texto",
        "texted": "Le enviamos la lista",
        "national": "línea nacional gratuita",
        "ndvh": "Línea Nacional sobre la Violencia",
        "ice": "la oficina de campo de ICE",
        "nothing": "No encontramos",
        "phone": "Su número de teléfono es",
        "cannot_text": "no podemos ver su número",
    },
}


def to_list(call, lang: str, zip_code: str = "78550", kind: str = "dv", caller: str = "+19565550143"):
    caller_ = call(caller=caller).press(PHRASES[lang]["language"])
    caller_ = caller_.press(caller_.option_for(PHRASES[lang]["help_near_you"])).press(zip_code)
    return caller_.press(caller_.option_for(WORDS[lang][kind]))


def service_names(database) -> dict[str, Service]:
    with database.session() as session:
        return {s.name: s for s in session.scalars(select(Service))}


@pytest.mark.parametrize("lang", LANGS)
def test_a_caller_in_harlingen_hears_the_three_nearest_with_distance_and_phone_twice(demo_directory, call, lang):
    caller = to_list(call, lang)
    said = caller.last_heard()
    assert said.count(WORDS[lang]["phone"]) == 3
    assert "Harlingen" in said and WORDS[lang]["miles"] in said
    # Each phone is read twice, digit by digit in groups.
    assert said.count("9 5 6, 5 5 5, 0 1") >= 6
    # Local services come first; the ICE office is offered after them and named for what it is.
    assert said.index(WORDS[lang]["phone"]) < said.index(WORDS[lang]["ice"])
    assert "ICE" in said


def test_spanish_callers_hear_services_that_list_spanish_first(demo_directory, call):
    said = to_list(call, "es", kind="legal").last_heard()
    services = service_names(demo_directory)
    named = [name for name in services if name in said]
    first = min(named, key=said.index)
    assert "es" in services[first].languages.split(",")


from tests.operators.test_confirmations import SAFE_TO_TEXT  # noqa: E402


@pytest.mark.parametrize("lang", LANGS)
def test_text_me_this_list_texts_the_caller_id_once(app, demo_directory, call, fake_twilio, lang):
    caller = to_list(call, lang)
    caller.press(caller.option_for(WORDS[lang]["text_me"]))
    caller.press(caller.option_for(SAFE_TO_TEXT[lang]))
    assert WORDS[lang]["texted"] in caller.last_heard()
    redis = app.extensions["hotline"].redis
    app.extensions["hotline"].handover.flush()
    SimpleWorker(workers.queues(redis), connection=redis).work(burst=True)
    [message] = fake_twilio.messages()
    assert message.value("To") == "+19565550143"
    body = message.value("Body")
    assert "956-555-01" in body and "mi." in body
    for word in ("ICE", "victim", "víctima"):
        assert word.lower() not in body.lower()
    with demo_directory.session() as session:
        assert len(session.scalars(select(OutboxMessage)).all()) == 1


def test_a_withheld_caller_id_gets_no_text(demo_directory, call, fake_twilio):
    caller = to_list(call, "en", caller="anonymous")
    caller.press(caller.option_for(WORDS["en"]["text_me"]))
    caller.press(caller.option_for(SAFE_TO_TEXT["en"]))
    assert WORDS["en"]["cannot_text"] in caller.last_heard()
    assert fake_twilio.messages() == []


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_near_says_so_and_offers_the_national_lines_as_a_transfer(app, demo_directory, call, lang):
    caller = to_list(call, lang, zip_code="59001")  # rural Montana: no demo services within 60 miles
    assert WORDS[lang]["nothing"] in caller.last_heard()
    caller.press(caller.option_for(WORDS[lang]["ndvh"]))
    assert caller.ended == "dialled"
    assert "<Dial" in caller.documents[-1] and "+18007997233" in caller.documents[-1]


def test_the_national_lines_come_from_settings(app, demo_directory, call):
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(referrals=hotline.settings.referrals.__class__(ndvh="+18005550100"))
    caller = to_list(call, "en")
    caller.press(caller.option_for(WORDS["en"]["national"]))
    caller.press(caller.option_for(WORDS["en"]["ndvh"]))
    assert "+18005550100" in caller.documents[-1]


def test_the_ice_office_follows_from_the_list_with_the_same_zip(demo_directory, call):
    caller = to_list(call, "en")
    caller.press(caller.option_for(WORDS["en"]["ice"]))
    said = caller.last_heard()
    assert "Harlingen" in said and "immigration enforcement office" in said
