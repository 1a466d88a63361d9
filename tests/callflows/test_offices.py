import csv
import shutil
from pathlib import Path

import phonenumbers
import pytest

from callflows.offices import (
    FIELD_OFFICES_CSV,
    ZIP_PREFIXES_CSV,
    FieldOffice,
    check_offices,
    load_offices,
    office_for_state,
    office_for_zip,
    state_for_zip,
)

# Written out here rather than imported, so the test does not trust the module's own list.
# fmt: off
STATES_AND_TERRITORIES = sorted({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL",
    "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT",
    "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI",
    "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    "DC", "PR", "VI", "GU", "AS", "MP",
})
OFFICE_CODES = sorted({
    "ATL", "BAL", "BOS", "BUF", "CHI", "DAL", "DEN", "DET", "ELP", "HLG", "HOU", "LOS", "MIA",
    "NOL", "NYC", "NEW", "PHI", "PHO", "SLC", "SNA", "SND", "SFR", "SEA", "SPM", "WAS",
})
# fmt: on


def read_states_column() -> dict[str, list[str]]:
    """Map each state in field_offices.csv's `states` column to the offices listing it."""
    with FIELD_OFFICES_CSV.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        served: dict[str, list[str]] = {}
        for row in rows:
            for state in filter(None, row["states"].split("|")):
                served.setdefault(state, []).append(row["code"])
    return served


def test_all_25_field_offices_are_loaded_by_code():
    assert sorted(load_offices()) == sorted(OFFICE_CODES)
    assert len(STATES_AND_TERRITORIES) == 56


@pytest.mark.parametrize("state", STATES_AND_TERRITORIES)
def test_every_state_and_territory_maps_to_one_office(state):
    assert len(read_states_column().get(state, [])) == 1
    office = office_for_state(state)
    assert office is not None
    assert office.code == read_states_column()[state][0]


@pytest.mark.parametrize("office", load_offices().values(), ids=lambda office: office.code)
def test_every_office_phone_is_a_valid_e164_number(office):
    number = phonenumbers.parse(office.phone, None)
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.region_code_for_number(number) == "US"
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == office.phone


@pytest.mark.parametrize(
    ("phone", "placeholder"),
    [
        ("+15045550100", True),
        ("+14045550199", True),
        ("+14048931290", False),
        ("+15045550200", False),
    ],
)
def test_fictional_555_01xx_phones_are_flagged_as_placeholders(phone, placeholder):
    office = FieldOffice("XXX", "Test Field Office", "Nowhere", "LA", phone)
    assert office.phone_is_placeholder is placeholder


@pytest.mark.parametrize(
    ("zip5", "state", "office"),
    [
        ("10001", "NY", "NYC"),  # Manhattan
        ("11201", "NY", "NYC"),  # Brooklyn
        ("10601", "NY", "NYC"),  # White Plains, Westchester
        ("12207", "NY", "BUF"),  # Albany
        ("14202", "NY", "BUF"),  # Buffalo
        ("00501", "NY", "NYC"),  # Holtsville, Suffolk
        ("90012", "CA", "LOS"),  # Los Angeles
        ("92701", "CA", "LOS"),  # Santa Ana, Orange County
        ("92101", "CA", "SND"),  # San Diego
        ("94111", "CA", "SFR"),  # San Francisco
        ("93301", "CA", "SFR"),  # Bakersfield, Kern
        ("93721", "CA", "SFR"),  # Fresno
        ("75201", "TX", "DAL"),  # Dallas
        ("76102", "TX", "DAL"),  # Fort Worth
        ("77002", "TX", "HOU"),  # Houston
        ("77701", "TX", "HOU"),  # Beaumont
        ("78205", "TX", "SNA"),  # San Antonio
        ("78701", "TX", "SNA"),  # Austin
        ("78040", "TX", "SNA"),  # Laredo
        ("78501", "TX", "HLG"),  # McAllen
        ("78520", "TX", "HLG"),  # Brownsville
        ("79901", "TX", "ELP"),  # El Paso
        ("88510", "TX", "ELP"),  # El Paso post office boxes
        ("73301", "TX", "SNA"),  # Austin, the IRS prefix inside Oklahoma's block
        ("73102", "OK", "DAL"),  # Oklahoma City
        ("00901", "PR", "MIA"),  # San Juan
        ("00802", "VI", "MIA"),  # St. Thomas
        ("33130", "FL", "MIA"),  # Miami
        ("96910", "GU", "SFR"),  # Hagatna
        ("96950", "GU", "SFR"),  # Saipan: prefix 969 is shared and reads as Guam
        ("96813", "HI", "SFR"),  # Honolulu
        (
            "96799",
            "HI",
            "SFR",
        ),  # Pago Pago: American Samoa's ZIP sits in a Hawaii prefix
        ("20001", "DC", "WAS"),  # Washington
        ("22101", "VA", "WAS"),  # McLean
        ("99501", "AK", "SEA"),  # Anchorage
        ("97201", "OR", "SEA"),  # Portland
        ("02110", "MA", "BOS"),  # Boston
        ("05401", "VT", "BOS"),  # Burlington
        ("07102", "NJ", "NEW"),  # Newark
        ("19107", "PA", "PHI"),  # Philadelphia
        ("21201", "MD", "BAL"),  # Baltimore
        ("30303", "GA", "ATL"),  # Atlanta
        ("28202", "NC", "ATL"),  # Charlotte
        ("60605", "IL", "CHI"),  # Chicago
        ("64106", "MO", "CHI"),  # Kansas City
        ("48226", "MI", "DET"),  # Detroit
        ("43215", "OH", "DET"),  # Columbus
        ("80202", "CO", "DEN"),  # Denver
        ("87102", "NM", "ELP"),  # Albuquerque
        ("85004", "AZ", "PHO"),  # Phoenix
        ("84101", "UT", "SLC"),  # Salt Lake City
        ("89101", "NV", "SLC"),  # Las Vegas
        ("70112", "LA", "NOL"),  # New Orleans
        ("37203", "TN", "NOL"),  # Nashville
        ("55101", "MN", "SPM"),  # St. Paul
    ],
)
def test_zip_maps_to_its_state_and_field_office(zip5, state, office):
    assert state_for_zip(zip5) == state
    found = office_for_zip(zip5)
    assert found is not None
    assert found.code == office


def test_surrounding_spaces_around_a_zip_are_ignored():
    assert state_for_zip(" 10001 ") == "NY"


@pytest.mark.parametrize(
    "zip5",
    [
        "00000",  # prefix 000 is unassigned
        "00401",  # prefix 004 is unassigned
        "09001",  # military mail, Europe (AE)
        "34001",  # military mail, the Americas (AA)
        "96201",  # military mail, Pacific (AP)
        "",
        "1000",
        "100011",
        "1000a",
        "10001-1234",
        "-1000",
        "١٠٠٠١",  # Arabic-Indic digits are digits to str.isdigit, not to a ZIP
    ],
)
def test_unknown_or_malformed_zip_finds_no_state_and_no_office(zip5):
    assert state_for_zip(zip5) is None
    assert office_for_zip(zip5) is None


@pytest.mark.parametrize("state", ["ZZ", "", "AE", "TEXAS", "N"])
def test_unknown_state_finds_no_office(state):
    assert office_for_state(state) is None


def test_state_code_is_matched_without_regard_to_case_or_spaces():
    assert office_for_state(" tx ") == office_for_state("TX")


def test_changing_the_returned_offices_does_not_change_lookups():
    offices = load_offices()
    offices.clear()
    assert office_for_state("NY") is not None
    assert len(load_offices()) == 25


def test_shipped_tables_pass_their_own_check():
    assert check_offices() == []


@pytest.mark.parametrize(
    ("table", "old", "new", "problem"),
    [
        ("offices", "UT|ID|MT|NV", "UT|ID|MT", "NV is served by no field office"),
        (
            "offices",
            "DC|VA",
            "DC|VA|MD",
            "MD is served by more than one field office: BAL, WAS",
        ),
        ("offices", "NM\n", "NM|XX\n", "office ELP serves unknown state 'XX'"),
        (
            "offices",
            "+14435600640",
            "+1443560064",
            "office BAL phone '+1443560064' is not a valid number",
        ),
        (
            "offices",
            "+14435600640",
            "443-560-0640",
            "office BAL phone '443-560-0640' does not parse",
        ),
        (
            "offices",
            "+14435600640",
            "+1 443 560 0640",
            "office BAL phone '+1 443 560 0640' is not in E.164 form",
        ),
        ("offices", "ATL,", "BAL,", "office BAL is listed twice"),
        (
            "zips",
            "919,921,CA,SND",
            "919,921,CA,SDX",
            "ZIP range 919-921 names unknown field office 'SDX'",
        ),
        (
            "zips",
            "919,921,CA,SND",
            "919,921,CA,",
            "office SND serves no state and no ZIP range",
        ),
        (
            "zips",
            "005,005,NY,",
            "005,010,NY,",
            "ZIP prefix 010 is in both ZIP range 005-010 and ZIP range 010-027",
        ),
        (
            "zips",
            "969,969,GU,",
            "969,969,ZZ,",
            "ZIP range 969-969 names unknown state 'ZZ'",
        ),
        (
            "zips",
            "969,969,GU,",
            "969,967,GU,",
            "ZIP range 969-967 starts after it ends",
        ),
        (
            "zips",
            "969,969,GU,",
            "969,9690,GU,",
            "ZIP range 969-9690 is not two 3-digit prefixes",
        ),
        (
            "zips",
            "start,end,state,office",
            "start,end,state",
            "expected columns start,end,state,office",
        ),
    ],
)
def test_check_reports_a_broken_table(tmp_path: Path, table, old, new, problem):
    offices_path = shutil.copy(FIELD_OFFICES_CSV, tmp_path / "field_offices.csv")
    zips_path = shutil.copy(ZIP_PREFIXES_CSV, tmp_path / "zip_prefixes.csv")
    broken = Path(offices_path if table == "offices" else zips_path)
    text = broken.read_text(encoding="utf-8")
    assert old in text
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")

    problems = check_offices(Path(offices_path), Path(zips_path))

    assert any(problem in found for found in problems), problems


@pytest.mark.parametrize(
    ("code", "language", "spoken"),
    [("TX", "en", "Texas"), ("ny", "es", "Nueva York"), ("PR", "es", "Puerto Rico"), ("ZZ", "en", "ZZ")],
)
def test_a_state_is_spoken_by_name(code: str, language: str, spoken: str) -> None:
    from callflows.offices import state_name

    assert state_name(code, language) == spoken
