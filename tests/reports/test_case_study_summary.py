"""A case-study summary is refused when anything in it is shaped like something that identifies a person."""

from __future__ import annotations

import pytest

from models.case_study import SummaryRefused, check_summary

STORY = "The caller's brother had been moved to another facility and the family did not know where. "


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (STORY + "Call her at (202) 555-0143.", "a phone number"),
        (STORY + "Her number is 202.555.0143 after six.", "a phone number"),
        (STORY + "Callback on +1 202 555 0143.", "a phone number"),
        (STORY + "His A-number is A201345678.", "an A-number"),
        (STORY + "Case A 201-345-678 was found.", "an A-number"),
        (STORY + "Reference 201345678 in the system.", "an A-number"),
        (STORY + "Write to maria.l@example.org for more.", "an e-mail address"),
        (STORY + "Born 03/14/1988 in the north.", "a date of birth"),
        (STORY + "He was born on March 14, 1988.", "a date of birth"),
        (STORY + "Nació el 14 de marzo de 1988.", "a date of birth"),
        (STORY + "She lives at 1420 Oak Street with her aunt.", "a street address"),
        (STORY + "They moved to Calle 5 near the market.", "a street address"),
        (STORY + "The family is in 20001 now.", "a street address"),
    ],
)
def test_a_summary_with_identifying_details_is_refused(text, reason) -> None:
    with pytest.raises(SummaryRefused) as refused:
        check_summary(text)
    assert any(reason in why for why in refused.value.reasons), refused.value.reasons


@pytest.mark.parametrize(
    "text",
    [
        STORY + "The specialist found the facility, explained visiting rules and referred them to legal aid.",
        "A witness to a workplace assault asked how the removal process works; the specialist explained "
        "each step in Spanish and sent the list of three local services by text.",
        "A mother in danger was connected to the national line in 4 minutes, then called back the next "
        "morning; she has a safety plan and a referral to a shelter.",
    ],
)
def test_an_anonymised_summary_is_accepted(text) -> None:
    assert check_summary(text) == " ".join(text.split())


def test_a_summary_too_short_to_say_anything_is_refused() -> None:
    with pytest.raises(SummaryRefused):
        check_summary("Helped.")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Maria Lopez from Juarez asked where her husband had been moved; the specialist found him.", "a name"),
        (STORY + "The specialist spoke with Sra. Hernández about visiting.", "a name"),
        (STORY + "Her cousin Guadalupe Garcia helped with the paperwork.", "a name"),
        (STORY + "The case is A 201/345/678 in the system.", "an A-number"),
        (STORY + "His number is A dos cero uno tres cuatro cinco seis siete ocho.", "an A-number"),
        (STORY + "Call her on phone two zero two five five five zero one four three.", "a phone number"),
        (STORY + "Su teléfono es dos cero dos cinco cinco cinco cero uno cuatro tres.", "a phone number"),
        (STORY + "Her number is ٢٠٢٥٥٥٠١٤٣ in the evening.", "a phone number"),
        (STORY + "Reach her at 202/555/0143.", "a phone number"),
        (STORY + "Write to maria dot lopez at gmail dot com for more.", "an e-mail address"),
        (STORY + "Escriba a maria punto lopez arroba hotmail punto com.", "an e-mail address"),
        (STORY + "She lives at twelve Oak Street with her aunt.", "a street address"),
        (STORY + "Viven en la calle doce cerca del mercado.", "a street address"),
    ],
)
def test_a_summary_identifying_someone_in_any_spelling_is_refused(text, reason) -> None:
    with pytest.raises(SummaryRefused) as refused:
        check_summary(text)
    assert any(reason in why for why in refused.value.reasons), refused.value.reasons


@pytest.mark.parametrize(
    "text",
    [
        "A mother of two called in May about her partner's detention; the specialist explained the removal "
        "process and gave her three legal aid services.",
        "Two relatives asked where a family member had been moved; the specialist found the facility in "
        "El Paso and explained the visiting rules.",
        "Una madre llamó por su hermano; la especialista le explicó el proceso y le dio dos servicios legales.",
    ],
)
def test_an_anonymised_summary_with_number_words_and_places_is_accepted(text) -> None:
    assert check_summary(text) == " ".join(text.split())
