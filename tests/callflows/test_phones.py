"""Phone numbers, one rule each: parse, mask, print, speak and the time zone of a number."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callflows import masking, phones
from callflows.engine import context_params


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("(202) 555-0143", "+12025550143"),
        ("2025550143", "+12025550143"),
        ("+44 20 7946 0000", "+442079460000"),
        ("anonymous", None),
        ("+266696687", None),
        ("555", None),
        ("", None),
        (None, None),
    ],
)
def test_a_number_is_parsed_once_to_e164(typed: str | None, e164: str | None) -> None:
    assert phones.to_e164(typed) == e164


# North American numbers in E.164 (valid or not: unassigned area codes, 555, N11 and toll-free codes),
# and near misses (a digit short or over, another country, no plus).
NANP_LIKE = st.one_of(
    st.builds(
        "+1{}{}".format,
        st.one_of(
            st.sampled_from(["202", "312", "415", "555", "800", "911", "999", "200", "264", "787", "416"]),
            st.from_regex(r"[0-9]{3}", fullmatch=True),
        ),
        st.from_regex(r"[0-9]{7}", fullmatch=True),
    ),
    st.from_regex(r"\+?1?[0-9]{9,11}", fullmatch=True),
    st.from_regex(r"\+44[0-9]{10}", fullmatch=True),
)


@settings(max_examples=500, deadline=None)
@given(NANP_LIKE)
def test_a_number_already_in_e164_is_read_as_the_parser_reads_it(number: str) -> None:
    assert phones.to_e164.__wrapped__(number) == phones._parsed_e164(number, "US")


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("202-555-0143", "+12025550143"), ("1-800-555-0143", None), ("1-900-555-0143", None), ("911", None)],
)
def test_only_a_number_called_at_a_normal_rate_is_a_callback_number(typed: str, e164: str | None) -> None:
    assert phones.parse_callback_number(typed) == e164


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("+14435600640", None),
        ("+1443560064", "is not a valid number"),
        ("443-560-0640", "does not parse"),
        ("+1 443 560 0640", "is not in E.164 form"),
    ],
)
def test_a_data_file_number_must_be_written_in_e164(number: str, problem: str | None) -> None:
    assert phones.e164_problem(number) == problem


@pytest.mark.parametrize(
    ("number", "fictional"), [("+12025550143", True), ("+12025550199", True), ("+12025550200", False), (None, False)]
)
def test_555_01xx_numbers_are_fictional(number: str | None, fictional: bool) -> None:
    assert phones.is_fictional(number) is fictional


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+12025550143", "***0143"),
        ("(202) 555-0143", "***0143"),
        ("143", "***"),
        (None, "(none)"),
    ],
)
def test_a_number_is_masked_to_its_last_four_digits(number: str | None, masked: str) -> None:
    assert masking.mask_phone(number) == masked


@pytest.mark.parametrize(
    ("a_number", "masked"),
    [("201345678", "A******678"), ("A-201-345-678", "A******678"), ("12", "A***"), ("", "(none)")],
)
def test_an_a_number_is_masked_to_its_last_three_digits(a_number: str, masked: str) -> None:
    assert masking.mask_a_number(a_number) == masked


@pytest.mark.parametrize(
    ("e164", "printed", "spoken"),
    [
        ("+19565550101", "956-555-0101", "9 5 6, 5 5 5, 0 1 0 1"),
        ("+442079460000", "+442079460000", "4 4 2, 0 7 9, 4 6 0, 0 0 0"),
        (None, "", None),
    ],
)
def test_a_number_is_printed_and_spoken_in_the_groups_people_write(e164, printed: str, spoken) -> None:
    assert phones.printed_phone(e164) == printed
    if spoken is not None:
        assert phones.spoken_phone(e164) == spoken


def test_the_tree_speaks_the_last_four_digits_as_the_phone_rules_do() -> None:
    params = context_params({"caller": "+12025550143"})
    assert params["caller_last4"] == "0 1 4 3"
    assert params["caller_groups"] == "1 2 0, 2 5 5, 5 0 1, 4 3"


@pytest.mark.parametrize(
    ("number", "hotline", "zone"),
    [
        # One zone for the number: that zone, wherever the hotline is.
        ("+12025550143", "America/Chicago", "America/New_York"),
        ("+19155550143", "America/New_York", "America/Denver"),  # El Paso
        ("+442079460000", "America/New_York", "Europe/London"),
        # phonenumbers places most exchanges of a split area code in one zone.
        ("+17012001234", "America/Denver", "America/Chicago"),
        # An exchange it does not place (555) in an area code that spans zones: the hotline's zone
        # when it is one of them, else the first listed.
        ("+12085550143", "America/Los_Angeles", "America/Los_Angeles"),
        ("+12085550143", "America/Boise", "America/Boise"),
        ("+12085550143", "America/New_York", "America/Boise"),
        ("+19075550143", "America/Anchorage", "America/Anchorage"),
        # A number that names no place: no zone (the caller falls back to the ZIP, then the hotline's).
        ("+18005550143", "America/New_York", None),
        ("+74952345678", "America/New_York", "Europe/Moscow"),  # a Moscow landline
        ("+79161234567", "America/New_York", None),  # a Russian mobile: valid across eleven zones
        ("anonymous", "America/New_York", None),
        (None, "America/New_York", None),
        ("not a number", "America/New_York", None),
    ],
)
def test_one_rule_places_a_number_in_a_time_zone(number: str | None, hotline: str, zone: str | None) -> None:
    assert phones.zone_for_number(number, hotline) == zone


@pytest.mark.parametrize(
    ("number", "zone"),
    [("+12085550143", "America/Boise"), ("+18005550143", "America/New_York"), ("+14155550166", "America/Los_Angeles")],
)
def test_a_phones_local_time_falls_back_to_the_hotlines_zone(number: str, zone: str) -> None:
    assert phones.time_zone(number, "America/New_York").key == zone
