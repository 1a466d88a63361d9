"""Pure tests for reading numbers and choices from what Twilio's speech recognizer heard."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callflows.speech import (
    ChoiceMatch,
    find_choice,
    match_choice,
    normalize,
    parse_a_number,
    parse_digits,
    parse_zip,
    spoken_digit,
)

# --- normalize ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("México", "mexico"),
        ("  Número   de  REGISTRO. ", "numero de registro"),
        ("¿Dieciséis?", "dieciseis"),
        ("201-345-678.", "201 345 678"),
        ("Côte d’Ivoire", "cote d ivoire"),
        ("niño\tpequeño\n", "nino pequeno"),
        ("", ""),
        ("...", ""),
    ],
)
def test_normalize_lowercases_strips_accents_and_punctuation(text, expected):
    assert normalize(text) == expected


# --- parse_digits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("201-345-678.", "201345678"),
        ("2 0 1 3 4 5", "201345"),
        ("201.345.678", "201345678"),
        ("201,345,678", "201345678"),
        ("(201) 345 678", "201345678"),
        ("2013 45678", "201345678"),
        ("0", "0"),
        ("007", "007"),
    ],
)
def test_literal_digits_with_any_separators_become_digits(text, expected):
    assert parse_digits(text, "en") == expected
    assert parse_digits(text, "es") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two oh one three four five six seven eight", "201345678"),
        ("two zero one", "201"),
        ("zero", "0"),
        ("Zero.", "0"),
        ("one o one", "101"),
        ("nine oh two one oh", "90210"),
        ("oh two one three nine", "02139"),
        ("Two, oh, one.", "201"),
        ("niner", "9"),
    ],
)
def test_english_digit_words_become_digits(text, expected):
    assert parse_digits(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("double five", "55"),
        ("triple seven", "777"),
        ("two oh one double five six seven", "2015567"),
        ("double oh seven", "007"),
        ("double 5", "55"),
        ("four triple zero", "4000"),
    ],
)
def test_double_and_triple_repeat_the_next_digit(text, expected):
    assert parse_digits(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dos cero uno tres cuatro cinco seis siete ocho", "201345678"),
        ("uno", "1"),
        ("un", "1"),
        ("una", "1"),
        ("cero cero siete", "007"),
        ("Nueve, cero, dos, uno, cero.", "90210"),
    ],
)
def test_spanish_digit_words_become_digits(text, expected):
    assert parse_digits(text, "es") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "doscientos uno trescientos cuarenta y cinco seiscientos setenta y ocho",
            "201345678",
        ),
        ("doscientos uno", "201"),
        ("cuarenta y cinco", "45"),
        ("trescientos cuarenta y cinco", "345"),
        ("veinte", "20"),
        ("treinta y cuatro", "34"),
        ("cien", "100"),
        ("ciento dos", "102"),
        ("ciento veinte", "120"),
        ("quinientos", "500"),
        ("setecientos", "700"),
        ("novecientos noventa y nueve", "999"),
        ("dieciséis", "16"),
        ("dieciseis", "16"),
        ("diez y seis", "16"),
        ("veintidós", "22"),
        ("veintiún", "21"),
        ("doscientas", "200"),
        ("once doce", "1112"),
        ("veinte treinta", "2030"),
        ("veinte cero", "200"),
        ("cuarenta cinco", "45"),
        ("Doscientos Uno, Trescientos Cuarenta Y Cinco.", "201345"),
        ("DOSCIENTOS UNO", "201"),
    ],
)
def test_spanish_grouped_numbers_become_digits(text, expected):
    assert parse_digits(text, "es") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two hundred one", "201"),
        ("two hundred and one", "201"),
        ("forty five", "45"),
        ("forty-five", "45"),
        ("twenty three", "23"),
        ("hundred", "100"),
        ("a hundred", "100"),
        ("one hundred oh five", "105"),
        ("two hundred one three hundred forty five six hundred seventy eight", "201345678"),
        ("two hundred three hundred", "200300"),
        ("two hundred twenty three hundred forty five", "220345"),
        ("twelve thirty four", "1234"),
        ("nineteen hundred", "1900"),
        ("ten", "10"),
    ],
)
def test_english_grouped_numbers_become_digits(text, expected):
    assert parse_digits(text, "en") == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("dos mil veinte", "es", "2020"),
        ("mil", "es", "1000"),
        ("dos mil cinco", "es", "2005"),
        (
            "doscientos un millones trescientos cuarenta y cinco mil seiscientos setenta y ocho",
            "es",
            "201345678",
        ),
        ("201 millones 345 mil 678", "es", "201345678"),
        ("ninety thousand two hundred ten", "en", "90210"),
        ("two thousand oh five", "en", "2005"),
        ("two thousand and five", "en", "2005"),
        ("two thousand three hundred", "en", "2300"),
        ("one million", "en", "1000000"),
    ],
)
def test_thousands_and_millions_make_one_number(text, language, expected):
    assert parse_digits(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("201 three four five 678", "en", "201345678"),
        ("two 0 one", "en", "201"),
        ("forty 5", "en", "45"),
        ("doscientos 1 345 seiscientos setenta y ocho", "es", "201345678"),
    ],
)
def test_digits_and_number_words_mix(text, language, expected):
    assert parse_digits(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("my A number is 201 345 678", "en", "201345678"),
        ("um it's 201 345 678 please", "en", "201345678"),
        ("Uh, I think it's two oh one, three four five.", "en", "201345"),
        ("Oh, it's 90210.", "en", "90210"),
        ("Oh, two oh one", "en", "201"),
        ("zip code 90210", "en", "90210"),
        ("el número es 201 345 678", "es", "201345678"),
        ("Mi número de registro es dos cero uno", "es", "201"),
        ("eh, pues, doscientos uno por favor", "es", "201"),
        ("A dash 201 dash 345", "en", "201345"),
    ],
)
def test_filler_words_around_the_number_are_ignored(text, language, expected):
    assert parse_digits(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("", "en"),
        ("   ", "es"),
        ("um", "en"),
        ("my number is", "en"),
        ("oh", "en"),
        ("A", "en"),
        ("I don't know", "en"),
        ("no sé", "es"),
        ("hello", "en"),
        ("mexico", "en"),
        ("México", "es"),
        ("two or three", "en"),
        ("dos o tres", "es"),
        ("201 and a half", "en"),
        ("b201345678", "en"),
    ],
)
def test_text_that_is_not_a_number_gives_none(text, language):
    assert parse_digits(text, language) is None


@pytest.mark.parametrize(
    "text",
    ["double", "double fifty", "mil mil", "dos mil tres mil", "zero hundred", "mil 2000"],
)
def test_malformed_numbers_give_none(text):
    assert parse_digits(text, "xx") is None


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("dos cero uno", "en", None),
        ("two oh one", "es", None),
        ("dos cero uno", "xx", "201"),
        ("two oh one", "xx", "201"),
        ("two oh one", "en-US", "201"),
        ("dos cero uno", "es-MX", "201"),
        ("once", "en", None),
        ("once", "es", "11"),
    ],
)
def test_each_language_reads_its_own_number_words(text, language, expected):
    assert parse_digits(text, language) == expected


# --- parse_a_number -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("A201345678.", "en", "201345678"),
        ("a 201-345-678", "en", "201345678"),
        ("A-201-345-678", "en", "201345678"),
        ("a. 201 345 678", "en", "201345678"),
        ("ay two oh one three four five six seven eight", "en", "201345678"),
        ("2 0 1 3 4 5 6 7 8", "en", "201345678"),
        ("two oh one three four five six seven eight", "en", "201345678"),
        ("my A number is 201 345 678", "en", "201345678"),
        ("A 20134567", "en", "020134567"),
        ("20134567", "es", "020134567"),
        ("two oh one three four double five six seven", "en", "201345567"),
        ("two oh one double five triple seven", "en", "020155777"),
        ("dos cero uno tres cuatro cinco seis siete ocho", "es", "201345678"),
        ("a dos cero uno tres cuatro cinco seis siete ocho", "es", "201345678"),
        (
            "doscientos uno trescientos cuarenta y cinco seiscientos setenta y ocho",
            "es",
            "201345678",
        ),
        ("A doscientos uno 345 678", "es", "201345678"),
        ("el número es A 201 345 678", "es", "201345678"),
    ],
)
def test_a_numbers_are_read_as_nine_digits(text, language, expected):
    assert parse_a_number(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("", "en"),
        ("A", "en"),
        ("a", "es"),
        ("A 2013456", "en"),
        ("2013456789", "en"),
        ("A 20134567890", "en"),
        ("two oh one three four five six", "en"),
        ("I don't know my A number", "en"),
        ("no lo sé", "es"),
        ("B 201 345 678", "en"),
        ("doscientos uno trescientos cuarenta y cinco", "es"),
    ],
)
def test_a_numbers_of_the_wrong_length_or_not_numbers_give_none(text, language):
    assert parse_a_number(text, language) is None


# --- parse_zip ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("90210", "en", "90210"),
        ("90210.", "en", "90210"),
        ("9 0 2 1 0", "en", "90210"),
        ("nine oh two one oh", "en", "90210"),
        ("my zip code is 02139", "en", "02139"),
        ("90210-1234", "en", "90210"),
        ("90210 - 1234", "en", "90210"),
        ("nueve cero dos uno cero", "es", "90210"),
        ("código postal 78501", "es", "78501"),
    ],
)
def test_zip_codes_are_read_as_five_digits(text, language, expected):
    assert parse_zip(text, language) == expected


@pytest.mark.parametrize("text", ["", "9021", "902101", "201345678", "2013456789", "hello", "ninety"])
def test_zip_codes_of_the_wrong_length_give_none(text):
    assert parse_zip(text, "en") is None


# --- spoken_digit -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("one", "en", "1"),
        ("One.", "en", "1"),
        ("uno", "es", "1"),
        ("press two", "en", "2"),
        ("Oprima dos.", "es", "2"),
        ("number 3", "en", "3"),
        ("número tres", "es", "3"),
        ("2", "en", "2"),
        ("zero", "en", "0"),
        ("cero", "es", "0"),
        ("option nine", "en", "9"),
    ],
)
def test_a_single_spoken_key_press_gives_its_digit(text, language, expected):
    assert spoken_digit(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("", "en"),
        ("oh", "en"),
        ("twelve", "en"),
        ("22", "en"),
        ("one two", "en"),
        ("press", "en"),
        ("uno", "en"),
        ("yes", "en"),
        ("custody status", "en"),
    ],
)
def test_anything_but_a_single_key_press_gives_no_digit(text, language):
    assert spoken_digit(text, language) is None


# --- match_choice -------------------------------------------------------------------------

YES_NO = {
    "yes": ["yes", "correct", "that's right", "sí", "correcto", "es correcto"],
    "no": ["no", "not correct", "that's wrong", "incorrecto", "no es correcto"],
}

MAIN_MENU = {
    "custody": ["custody status", "find someone", "detained", "detenido", "buscar"],
    "callback": ["call back", "call me", "llamada", "llámenme"],
    "office": ["field office", "office", "oficina"],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", "yes"),
        ("Yes.", "yes"),
        ("YES!", "yes"),
        ("Sí.", "yes"),
        ("si", "yes"),
        ("That's right.", "yes"),
        ("no", "no"),
        ("No.", "no"),
        ("not correct", "no"),
        ("That is not correct, no", "no"),
        ("No es correcto.", "no"),
        ("correcto", "yes"),
        ("Incorrecto", "no"),
    ],
)
def test_yes_and_no_are_matched_in_either_language(text, expected):
    assert match_choice(text, YES_NO, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want a callback", "callback"),
        ("call me back please", "callback"),
        ("Call back.", "callback"),
        ("I'm looking for someone who was detained", "custody"),
        ("Detenido", "custody"),
        ("I need the field office", "office"),
        ("Oficina.", "office"),
        ("llámenme", "callback"),
        ("llamenme", "callback"),
    ],
)
def test_a_phrase_inside_the_utterance_selects_its_choice(text, expected):
    assert match_choice(text, MAIN_MENU, "en") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("custody statis", "custody"),
        ("call bak", "callback"),
        ("detainee", "custody"),
        ("ofisina", "office"),
        ("feild office", "office"),
    ],
)
def test_small_recognizer_errors_still_select_the_choice(text, expected):
    assert match_choice(text, MAIN_MENU, "en") == expected


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        ("", MAIN_MENU),
        ("...", MAIN_MENU),
        ("hello", MAIN_MENU),
        ("I don't know", MAIN_MENU),
        ("banana", MAIN_MENU),
        ("yes no", YES_NO),
        ("my uncle was detained, can you call me back", MAIN_MENU),
        ("nope", YES_NO),
        ("one", MAIN_MENU),
        ("yes", {}),
    ],
)
def test_no_match_or_an_ambiguous_match_gives_none(text, choices):
    assert match_choice(text, choices, "en") is None


def test_the_same_phrase_under_two_choices_is_ambiguous():
    choices = {"custody": ["status"], "callback": ["status", "call back"]}
    assert match_choice("status", choices, "en") is None
    assert match_choice("call back", choices, "en") == "callback"


def test_words_run_together_or_apart_still_match():
    assert match_choice("callback", {"callback": ["call back"]}, "en") == "callback"
    assert match_choice("call back", {"callback": ["callback"]}, "en") == "callback"


def test_a_longer_phrase_beats_a_shorter_one_inside_it():
    choices = {"office": ["office"], "hours": ["office hours"]}
    assert match_choice("what are your office hours", choices, "en") == "hours"
    assert match_choice("the office", choices, "en") == "office"


def test_short_words_are_not_matched_fuzzily():
    assert match_choice("know", {"no": ["no"]}, "en") is None
    assert match_choice("yo", {"no": ["no"]}, "en") is None


def test_find_choice_reports_whether_the_match_was_exact():
    assert find_choice("I want a callback", MAIN_MENU) == ChoiceMatch("callback", 1.0, True)
    fuzzy = find_choice("ofisina", MAIN_MENU)
    assert fuzzy is not None
    assert fuzzy.key == "office"
    assert not fuzzy.exact
    assert 0.8 <= fuzzy.score < 1.0


# --- properties ---------------------------------------------------------------------------

ENGLISH_DIGITS = [
    ["zero", "oh"],
    ["one"],
    ["two"],
    ["three"],
    ["four"],
    ["five"],
    ["six"],
    ["seven"],
    ["eight"],
    ["nine"],
]
SPANISH_DIGITS = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
separators = st.sampled_from([" ", "-", ".", ", ", " - ", "", "  "])


@given(nine_digits, st.data())
def test_any_a_number_said_as_english_digit_words_round_trips(digits, data):
    words = [data.draw(st.sampled_from(ENGLISH_DIGITS[int(digit)])) for digit in digits]
    prefix = data.draw(st.sampled_from(["", "A ", "ay ", "my A number is "]))
    assert parse_a_number(prefix + " ".join(words), "en") == digits


@given(nine_digits, st.sampled_from(["", "A ", "a "]))
def test_any_a_number_said_as_spanish_digit_words_round_trips(digits, prefix):
    text = prefix + " ".join(SPANISH_DIGITS[int(digit)] for digit in digits)
    assert parse_a_number(text, "es") == digits


@given(
    st.text(alphabet="0123456789", min_size=8, max_size=9),
    st.data(),
    st.sampled_from(["", "A", "A ", "a-", "A. "]),
    st.sampled_from(["", ".", " "]),
)
def test_any_eight_or_nine_digits_with_any_separators_round_trip(digits, data, prefix, end):
    pieces = [digits[0]]
    for digit in digits[1:]:
        pieces.append(data.draw(separators) + digit)
    text = prefix + "".join(pieces) + end
    for language in ("en", "es", "xx"):
        assert parse_a_number(text, language) == digits.zfill(9)


SPANISH_HUNDREDS = [
    "",
    "ciento",
    "doscientos",
    "trescientos",
    "cuatrocientos",
    "quinientos",
    "seiscientos",
    "setecientos",
    "ochocientos",
    "novecientos",
]
SPANISH_TEENS = [
    "diez",
    "once",
    "doce",
    "trece",
    "catorce",
    "quince",
    "dieciséis",
    "diecisiete",
    "dieciocho",
    "diecinueve",
]
SPANISH_TWENTIES = [
    "veinte",
    "veintiuno",
    "veintidós",
    "veintitrés",
    "veinticuatro",
    "veinticinco",
    "veintiséis",
    "veintisiete",
    "veintiocho",
    "veintinueve",
]
SPANISH_TENS = {3: "treinta", 4: "cuarenta", 5: "cincuenta", 6: "sesenta", 7: "setenta", 8: "ochenta", 9: "noventa"}


def say_spanish_below_hundred(number: int) -> str:
    """Spell 1-99 the way a Spanish speaker says it."""
    if number < 10:
        return SPANISH_DIGITS[number]
    if number < 20:
        return SPANISH_TEENS[number - 10]
    if number < 30:
        return SPANISH_TWENTIES[number - 20]
    tens, ones = divmod(number, 10)
    return SPANISH_TENS[tens] + (f" y {SPANISH_DIGITS[ones]}" if ones else "")


def say_spanish_group(number: int) -> str:
    """Spell 100-999 the way a Spanish speaker reads a group of an A-number."""
    if number == 100:
        return "cien"
    hundreds, rest = divmod(number, 100)
    tail = f" {say_spanish_below_hundred(rest)}" if rest else ""
    return SPANISH_HUNDREDS[hundreds] + tail


ENGLISH_ONES = [words[0] for words in ENGLISH_DIGITS]
ENGLISH_TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
ENGLISH_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def say_english_group(number: int, joiner: str) -> str:
    """Spell 100-999 the way an English speaker reads a group ("two hundred forty five")."""
    hundreds, rest = divmod(number, 100)
    spoken = f"{ENGLISH_ONES[hundreds]} hundred"
    if not rest:
        return spoken
    if rest < 10:
        below = ENGLISH_ONES[rest]
    elif rest < 20:
        below = ENGLISH_TEENS[rest - 10]
    else:
        tens, ones = divmod(rest, 10)
        below = ENGLISH_TENS[tens] + (f" {ENGLISH_ONES[ones]}" if ones else "")
    return f"{spoken}{joiner}{below}"


groups = st.lists(st.integers(min_value=100, max_value=999), min_size=3, max_size=3)


@given(groups)
def test_any_a_number_read_in_spanish_groups_round_trips(numbers):
    text = " ".join(say_spanish_group(number) for number in numbers)
    assert parse_a_number(text, "es") == "".join(str(number) for number in numbers)


@given(groups, st.sampled_from([" ", " and "]))
def test_any_a_number_read_in_english_groups_round_trips(numbers, joiner):
    text = " ".join(say_english_group(number, joiner) for number in numbers)
    assert parse_a_number(text, "en") == "".join(str(number) for number in numbers)


@given(st.text(max_size=60), st.sampled_from(["en", "es", "xx"]))
def test_any_text_gives_only_digits_or_none(text, language):
    digits = parse_digits(text, language)
    assert digits is None or (digits.isascii() and digits.isdigit())
    a_number = parse_a_number(text, language)
    assert a_number is None or (len(a_number) == 9 and a_number.isdigit())
    zip_code = parse_zip(text, language)
    assert zip_code is None or (len(zip_code) == 5 and zip_code.isdigit())
    digit = spoken_digit(text, language)
    assert digit is None or digit in "0123456789"


@given(st.text(max_size=60))
def test_any_text_gives_a_known_choice_or_none(text):
    assert match_choice(text, MAIN_MENU, "en") in {None, *MAIN_MENU}
