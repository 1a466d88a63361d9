"""Pure tests for the country-of-birth table and for matching countries from speech."""

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import callflows
from callflows.countries import (
    COMMON_COUNTRIES,
    CountryMatch,
    country_name,
    match_country,
    normalize_country,
)

COUNTRIES_CSV = Path(callflows.__file__).parent / "data" / "countries.csv"


def read_rows() -> list[dict[str, str]]:
    """Read the data file directly, so these tests do not trust the module's loader."""
    with COUNTRIES_CSV.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


ROWS = read_rows()

# --- the data file ------------------------------------------------------------------------


def test_data_file_lists_every_country_once():
    codes = [row["code"] for row in ROWS]
    assert len(codes) == len(set(codes))
    assert 245 <= len(codes) <= 252
    assert all(len(code) == 2 and code.isascii() and code.isupper() for code in codes)
    assert list(ROWS[0]) == ["code", "name_en", "name_es", "aliases"]
    assert all(row["name_en"] and row["name_es"] for row in ROWS)


@pytest.mark.parametrize(
    ("code", "name_en", "name_es"),
    [
        ("MX", "Mexico", "México"),
        ("GT", "Guatemala", "Guatemala"),
        ("HN", "Honduras", "Honduras"),
        ("SV", "El Salvador", "El Salvador"),
        ("CN", "China", "China"),
        ("IN", "India", "India"),
        ("VE", "Venezuela", "Venezuela"),
        ("CU", "Cuba", "Cuba"),
        ("HT", "Haiti", "Haití"),
        ("NI", "Nicaragua", "Nicaragua"),
        ("CO", "Colombia", "Colombia"),
        ("EC", "Ecuador", "Ecuador"),
        ("BR", "Brazil", "Brasil"),
        ("DO", "Dominican Republic", "República Dominicana"),
        ("PE", "Peru", "Perú"),
        ("US", "United States", "Estados Unidos"),
        ("PA", "Panama", "Panamá"),
        ("DE", "Germany", "Alemania"),
    ],
)
def test_country_names_are_correct_in_both_languages(code, name_en, name_es):
    assert country_name(code, "en") == name_en
    assert country_name(code, "es") == name_es


@pytest.mark.parametrize(
    ("code", "language", "expected"),
    [
        ("mx", "es", "México"),
        (" HT ", "es-US", "Haití"),
        ("HT", "en-US", "Haiti"),
        ("HT", "fr", "Haiti"),
    ],
)
def test_country_name_accepts_any_case_and_defaults_to_english(code, language, expected):
    assert country_name(code, language) == expected


def test_country_name_of_an_unknown_code_raises():
    with pytest.raises(KeyError):
        country_name("ZZ", "en")


def test_common_countries_are_listed_in_keypad_order():
    assert COMMON_COUNTRIES == ("MX", "GT", "HN", "SV")
    assert [country_name(code, "es") for code in COMMON_COUNTRIES] == [
        "México",
        "Guatemala",
        "Honduras",
        "El Salvador",
    ]


# --- match_country ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "code"),
    [
        ("mexico", "en", "MX"),
        ("Mexico.", "en", "MX"),
        ("méxico", "es", "MX"),
        ("MÉXICO", "es", "MX"),
        ("mejico", "es", "MX"),
        ("Guatemala", "en", "GT"),
        ("honduras.", "en", "HN"),
        ("Honduras", "es", "HN"),
        ("El Salvador", "en", "SV"),
        ("el salvador", "es", "SV"),
        ("salvador", "es", "SV"),
        ("elsalvador", "en", "SV"),
        ("Haití", "es", "HT"),
        ("Haiti", "en", "HT"),
        ("Brasil", "en", "BR"),
        ("Brazil", "es", "BR"),
        ("República Dominicana", "es", "DO"),
        ("the Dominican Republic", "en", "DO"),
        ("Perú", "es", "PE"),
        ("Venezuela", "es", "VE"),
        ("Nicaragua", "es", "NI"),
        ("Colombia", "es", "CO"),
        ("Ecuador", "en", "EC"),
        ("Cuba", "es", "CU"),
        ("China", "en", "CN"),
        ("India", "en", "IN"),
        ("Estados Unidos", "es", "US"),
        ("U.S.A.", "en", "US"),
        ("Côte d'Ivoire", "en", "CI"),
        ("Ivory Coast", "en", "CI"),
    ],
)
def test_country_names_in_either_language_match_with_certainty(text, language, code):
    assert match_country(text, language) == CountryMatch(code, 1.0, certain=True)


@pytest.mark.parametrize(
    ("text", "language", "code"),
    [
        ("in mexico", "en", "MX"),
        ("I was born in Guatemala", "en", "GT"),
        ("I was born in Guatemala City", "en", "GT"),
        ("Nací en Honduras.", "es", "HN"),
        ("Soy de El Salvador", "es", "SV"),
        ("He is from Venezuela", "en", "VE"),
        ("I'm Mexican", "en", "MX"),
        ("soy mexicano", "es", "MX"),
        ("es hondureña", "es", "HN"),
        ("uh Cuba", "en", "CU"),
        ("Guatemala, Guatemala", "es", "GT"),
    ],
)
def test_a_country_inside_a_sentence_matches(text, language, code):
    match = match_country(text, language)
    assert match is not None
    assert (match.code, match.certain) == (code, True)


@pytest.mark.parametrize(
    ("text", "language", "code"),
    [
        ("mehico", "en", "MX"),
        ("I was born in mehico", "en", "MX"),
        ("guatemla", "en", "GT"),
        ("guatamala", "es", "GT"),
        ("onduras", "es", "HN"),
        ("el salvadr", "en", "SV"),
        ("benezuela", "es", "VE"),
        ("kolombia", "en", "CO"),
        ("nicaraguaa", "es", "NI"),
        ("republica dominikana", "es", "DO"),
    ],
)
def test_misheard_countries_match_but_must_be_confirmed(text, language, code):
    match = match_country(text, language)
    assert match is not None
    assert match.code == code
    assert not match.certain
    assert 0.8 <= match.score < 1.0


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("New Mexico", "US"),
        ("Nuevo México", "US"),
        ("New Jersey", "US"),
        ("North Korea", "KP"),
        ("South Korea", "KR"),
        ("South Sudan", "SS"),
        ("Sudan", "SD"),
        ("Papua New Guinea", "PG"),
        ("Guinea", "GN"),
        ("Equatorial Guinea", "GQ"),
        ("Niger", "NE"),
        ("Nigeria", "NG"),
        ("Dominica", "DM"),
        ("Democratic Republic of the Congo", "CD"),
        ("Republic of the Congo", "CG"),
        ("American Samoa", "AS"),
        ("Samoa", "WS"),
        ("Northern Ireland", "GB"),
        ("Ireland", "IE"),
        ("United States Virgin Islands", "VI"),
    ],
)
def test_the_longest_country_name_heard_wins(text, code):
    match = match_country(text, "en")
    assert match is not None
    assert match.code == code


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("", "en"),
        ("   ", "es"),
        ("um", "en"),
        ("I don't know", "en"),
        ("no sé", "es"),
        ("hello", "en"),
        ("yes", "en"),
        ("1", "en"),
        ("dos", "es"),
        ("Texas", "en"),
        ("Guadalajara", "es"),
        ("Mexico or Guatemala", "en"),
        ("nací en Guatemala pero vivo en México", "es"),
        ("Congo", "en"),
        ("Virgin Islands", "en"),
        ("xyzzy", "en"),
    ],
)
def test_garbage_or_ambiguous_speech_matches_no_country(text, language):
    assert match_country(text, language) is None


def phrases_of(row: dict[str, str]) -> list[str]:
    """Every way the data file says a country: both names and the aliases."""
    return [row["name_en"], row["name_es"], *filter(None, row["aliases"].split("|"))]


SHARED_PHRASES = {
    phrase for row in ROWS for phrase in phrases_of(row) if sum(phrase in phrases_of(other) for other in ROWS) > 1
}


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row["code"])
def test_every_country_name_and_alias_matches_its_own_country(row):
    for phrase in phrases_of(row):
        if phrase in SHARED_PHRASES:
            continue
        assert match_country(phrase, "en") == CountryMatch(row["code"], 1.0, certain=True)
        assert normalize_country(phrase) == row["code"]


def test_names_shared_by_two_countries_match_neither():
    assert {"congo", "virgin islands"} <= SHARED_PHRASES
    for phrase in SHARED_PHRASES:
        assert match_country(phrase, "en") is None
        assert normalize_country(phrase) is None


# --- normalize_country --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("MEXICO", "MX"),
        ("México", "MX"),
        ("mx", "MX"),
        ("MX", "MX"),
        (" gt ", "GT"),
        ("Guatemala", "GT"),
        ("EL SALVADOR", "SV"),
        ("Salvador", "SV"),
        ("Haití", "HT"),
        ("REPUBLICA DOMINICANA", "DO"),
        ("Estados Unidos", "US"),
        ("EEUU", "US"),
        ("USA", "US"),
        ("united states of america", "US"),
        ("Brasil", "BR"),
        ("Holanda", "NL"),
    ],
)
def test_names_aliases_and_codes_normalize_to_the_iso_code(value, code):
    assert normalize_country(value) == code


@pytest.mark.parametrize("value", ["", "  ", "ZZ", "XX", "mehico", "Mexico Guatemala", "born in Mexico", "123"])
def test_unknown_or_fuzzy_countries_do_not_normalize(value):
    assert normalize_country(value) is None


@given(st.sampled_from(ROWS), st.sampled_from(["name_en", "name_es"]), st.data())
def test_any_country_name_in_any_case_normalizes(row, column, data):
    name = row[column]
    cased = "".join(char.upper() if data.draw(st.booleans()) else char.lower() for char in name)
    assert normalize_country(cased) == row["code"]
    assert normalize_country(cased + ".") == row["code"]


@given(st.text(max_size=40), st.sampled_from(["en", "es"]))
def test_any_text_matches_a_known_country_or_none(text, language):
    match = match_country(text, language)
    assert match is None or (country_name(match.code, language) and 0.8 <= match.score <= 1.0)
