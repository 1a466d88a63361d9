"""SERVICES 78520 / SERVICIOS 78520 [category]: the nearest three by text, in the texter's language, ≤ 3 segments."""

from __future__ import annotations

import pytest

from callflows.referrals import ListedService, parse_services, service_list_text, textable_name
from callflows.sms import segments


@pytest.mark.parametrize(
    ("body", "language", "zip_code", "category"),
    [
        ("SERVICES 78520", "en", "78520", None),
        ("services 78520 legal", "en", "78520", "legal_help"),
        ("SERVICIOS 78520 REFUGIO", "es", "78520", "shelter"),
        ("Servicios, 78520-1234, consejería", "es", "78520", "counselling"),
        ("SERVICES LEGAL", "en", None, "legal_help"),
        ("SERVICE 78550 SHELTER", "en", "78550", "shelter"),
    ],
)
def test_parse_services(body, language, zip_code, category):
    command = parse_services(body)
    assert (command.language, command.zip, command.category) == (language, zip_code, category)


@pytest.mark.parametrize("body", ["STATUS A201345678 MEXICO", "HELP", "STOP", "I need services"])
def test_other_texts_are_not_services_commands(body):
    assert parse_services(body) is None


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_long_list_still_fits_three_segments(lang):
    long = "Cameron County Comprehensive Crime Victim Compensation and Family Violence Legal Assistance Program"
    text = service_list_text(lang, "78520", [ListedService(long, "+19565550101", 12.3)] * 3)
    assert segments(text) <= 3
    assert "956-555-0101" in text


def test_texts_never_carry_ice_or_victim():
    assert textable_name("Crime Victim Compensation Office") == "Crime Compensation Office"
    assert textable_name("Servicios para Víctimas de Harlingen") == "Servicios para de Harlingen"


@pytest.mark.parametrize(("lang", "intro"), [("en", "Help near 78550:"), ("es", "Ayuda cerca de 78550:")])
def test_a_texter_in_harlingen_gets_the_nearest_three_in_their_language(demo_directory, texter, lang, intro):
    keyword = "SERVICES" if lang == "en" else "SERVICIOS"
    [reply] = texter("+19565550143").send(f"{keyword} 78550")
    assert reply.startswith(intro)
    assert reply.count("956-555-01") == 3 and "mi." in reply
    assert segments(reply) <= 3
    assert "victim" not in reply.lower() and "ICE" not in reply


def test_a_category_word_narrows_the_list(demo_directory, texter):
    [reply] = texter().send("SERVICIOS 78550 REFUGIO")
    assert "Shelter" in reply or "Safe House" in reply
    assert "Legal" not in reply


def test_a_missing_zip_is_explained(demo_directory, texter):
    [reply] = texter().send("SERVICES")
    assert "5-digit ZIP code" in reply


def test_nothing_near_points_to_the_hotline(demo_directory, texter):
    [reply] = texter().send("SERVICES 59001")
    assert "1-855-488-6423" in reply


def test_a_message_delivered_twice_gets_the_same_reply_again(demo_directory, texter):
    sender = texter()
    first = sender.send("SERVICES 78550", message_sid="SM" + "a" * 32)
    assert len(first) == 1
    assert sender.send("SERVICES 78550", message_sid="SM" + "a" * 32) == first
