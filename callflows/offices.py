"""Field offices: which ICE ERO field office serves a caller's state or ZIP code.

The tables are data in `callflows/data/`: `field_offices.csv` (one row per office and the states it
serves as a whole) and `zip_prefixes.csv` (3-digit ZIP prefix ranges to a state, with an optional
office for states split between offices, such as Texas). Both are read once per process.
"""

import csv
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from callflows.phones import e164_problem, is_fictional

DATA_DIR = Path(__file__).resolve().parent / "data"
FIELD_OFFICES_CSV = DATA_DIR / "field_offices.csv"
ZIP_PREFIXES_CSV = DATA_DIR / "zip_prefixes.csv"

# fmt: off
STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL",
    "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT",
    "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI",
    "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
})
# fmt: on
DISTRICT_AND_TERRITORIES = frozenset({"DC", "PR", "VI", "GU", "AS", "MP"})
SERVED_AREAS = STATES | DISTRICT_AND_TERRITORIES

_OFFICE_COLUMNS = ("code", "name", "city", "state", "phone", "states")
_ZIP_COLUMNS = ("start", "end", "state", "office")
_PREFIX = re.compile(r"[0-9]{3}")
_ZIP5 = re.compile(r"[0-9]{5}")


@dataclass(frozen=True)
class FieldOffice:
    """An ICE ERO field office and the main line the hotline gives callers."""

    code: str
    name: str
    city: str
    state: str
    phone: str  # E.164

    @property
    def phone_is_placeholder(self) -> bool:
        """Tell whether the phone is a fictional 555-01XX stand-in that no caller may hear."""
        return is_fictional(self.phone)


@dataclass(frozen=True)
class _Tables:
    offices: Mapping[str, FieldOffice]
    office_by_state: Mapping[str, str]
    # index = 3-digit ZIP prefix; value = (state, overriding office code or "") or None
    by_prefix: tuple[tuple[str, str] | None, ...]


def _read_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """Read a data CSV, skipping `#` comment lines, with every cell stripped."""
    with path.open(newline="", encoding="utf-8") as handle:
        lines = [line for line in handle if not line.lstrip().startswith("#")]
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != columns:
        raise ValueError(f"{path.name}: expected columns {','.join(columns)}, got {reader.fieldnames}")
    return [{key: (value or "").strip() for key, value in row.items() if key in columns} for row in reader]


def _split_states(cell: str) -> list[str]:
    return [state.strip() for state in cell.split("|") if state.strip()]


@functools.cache
def _load_tables() -> _Tables:
    offices: dict[str, FieldOffice] = {}
    office_by_state: dict[str, str] = {}
    for row in _read_rows(FIELD_OFFICES_CSV, _OFFICE_COLUMNS):
        office = FieldOffice(row["code"], row["name"], row["city"], row["state"], row["phone"])
        offices[office.code] = office
        for state in _split_states(row["states"]):
            office_by_state.setdefault(state, office.code)
    by_prefix: list[tuple[str, str] | None] = [None] * 1000
    for row in _read_rows(ZIP_PREFIXES_CSV, _ZIP_COLUMNS):
        for prefix in range(int(row["start"]), int(row["end"]) + 1):
            by_prefix[prefix] = (row["state"], row["office"])
    return _Tables(MappingProxyType(offices), MappingProxyType(office_by_state), tuple(by_prefix))


def load_offices() -> dict[str, FieldOffice]:
    """Return the field offices by code, read once from field_offices.csv."""
    return dict(_load_tables().offices)


def office_for_state(state: str) -> FieldOffice | None:
    """Find the office serving a USPS state or territory code as a whole, or None."""
    tables = _load_tables()
    code = tables.office_by_state.get(state.strip().upper())
    return tables.offices.get(code) if code else None


def _look_up_zip(zip5: str) -> tuple[str, str] | None:
    zip5 = zip5.strip()
    if not _ZIP5.fullmatch(zip5):
        return None
    return _load_tables().by_prefix[int(zip5[:3])]


def state_for_zip(zip5: str) -> str | None:
    """Find the USPS state or territory code of a 5-digit ZIP code, or None."""
    entry = _look_up_zip(zip5)
    return entry[0] if entry else None


def office_for_zip(zip5: str) -> FieldOffice | None:
    """Find the field office serving a 5-digit ZIP code, or None for an unknown or bad ZIP."""
    entry = _look_up_zip(zip5)
    if entry is None:
        return None
    state, override = entry
    if not override:
        return office_for_state(state)
    return _load_tables().offices.get(override)


def check_offices(offices_path: Path = FIELD_OFFICES_CSV, zip_prefixes_path: Path = ZIP_PREFIXES_CSV) -> list[str]:
    """List the problems in the field-office and ZIP-prefix tables; empty when they are sound."""
    try:
        office_rows = _read_rows(offices_path, _OFFICE_COLUMNS)
        zip_rows = _read_rows(zip_prefixes_path, _ZIP_COLUMNS)
    except (OSError, ValueError) as error:
        return [str(error)]
    problems: list[str] = []
    servers: dict[str, list[str]] = {}
    codes: list[str] = []
    for row in office_rows:
        code = row["code"]
        if not code:
            problems.append(f"{offices_path.name}: an office has no code")
            continue
        if code in codes:
            problems.append(f"office {code} is listed twice")
        codes.append(code)
        if not row["name"] or not row["city"]:
            problems.append(f"office {code} has no name or city")
        if row["state"] not in SERVED_AREAS:
            problems.append(f"office {code} sits in unknown state {row['state']!r}")
        problems.extend(_check_phone(code, row["phone"]))
        for state in _split_states(row["states"]):
            if state not in SERVED_AREAS:
                problems.append(f"office {code} serves unknown state {state!r}")
            servers.setdefault(state, []).append(code)
    for state in sorted(SERVED_AREAS):
        serving = servers.get(state, [])
        if not serving:
            problems.append(f"{state} is served by no field office")
        elif len(serving) > 1:
            problems.append(f"{state} is served by more than one field office: {', '.join(serving)}")
    problems.extend(_check_zip_rows(zip_rows, set(codes)))
    reached = {code for serving in servers.values() for code in serving}
    reached |= {row["office"] for row in zip_rows if row["office"]}
    problems.extend(f"office {code} serves no state and no ZIP range" for code in codes if code not in reached)
    return problems


def _check_phone(code: str, phone: str) -> list[str]:
    problem = e164_problem(phone)
    return [f"office {code} phone {phone!r} {problem}"] if problem else []


def _check_zip_rows(rows: list[dict[str, str]], codes: set[str]) -> list[str]:
    problems: list[str] = []
    owner: dict[int, str] = {}
    for row in rows:
        label = f"ZIP range {row['start']}-{row['end']}"
        if not (_PREFIX.fullmatch(row["start"]) and _PREFIX.fullmatch(row["end"])):
            problems.append(f"{label} is not two 3-digit prefixes")
            continue
        start, end = int(row["start"]), int(row["end"])
        if start > end:
            problems.append(f"{label} starts after it ends")
        if row["state"] not in SERVED_AREAS:
            problems.append(f"{label} names unknown state {row['state']!r}")
        if row["office"] and row["office"] not in codes:
            problems.append(f"{label} names unknown field office {row['office']!r}")
        for prefix in range(start, end + 1):
            if prefix in owner:
                problems.append(f"ZIP prefix {prefix:03d} is in both {owner[prefix]} and {label}")
            owner[prefix] = label
    return problems


# How a state is said to a caller; SMS keeps the two-letter code to stay short.
_STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "the District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
    "PR": "Puerto Rico", "VI": "the U.S. Virgin Islands", "GU": "Guam", "AS": "American Samoa",
    "MP": "the Northern Mariana Islands",
}  # fmt: skip
_STATE_NAMES_ES = {
    **_STATE_NAMES,
    "DC": "el Distrito de Columbia", "HI": "Hawái", "LA": "Luisiana", "MS": "Misisipi",
    "NJ": "Nueva Jersey", "NM": "Nuevo México", "NY": "Nueva York", "NC": "Carolina del Norte",
    "ND": "Dakota del Norte", "PA": "Pensilvania", "SC": "Carolina del Sur", "SD": "Dakota del Sur",
    "WV": "Virginia Occidental", "VI": "las Islas Vírgenes de EE. UU.", "MP": "las Islas Marianas del Norte",
    "AS": "Samoa Americana",
}  # fmt: skip


def state_name(code: str, language: str) -> str:
    """A state or territory as a caller hears it ("TX" → "Texas"); unknown codes come back as given."""
    names = _STATE_NAMES_ES if language == "es" else _STATE_NAMES
    return names.get(code.strip().upper(), code)
