"""The custody feed import: facilities and custody records from the upstream CSV exports.

The formats are documented in docs/custody-feed.md. Both imports are
idempotent upserts: the same file twice changes nothing. Every good row loads,
every bad row is reported with its line number and reason. Custody records are
read, compared and written in batches through one DBAPI connection (COPY on
PostgreSQL, ``executemany`` on SQLite), because the feed has a million rows and
the ORM would spend most of the time building objects.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from callflows.countries import normalize_country
from callflows.offices import SERVED_AREAS, load_offices
from callflows.phones import to_e164
from models.base import Database, utcnow
from models.custody import HELD_STATUSES, Facility, normalize_a_number, normalize_case_status, normalize_status
from models.import_lock import import_lock

CUSTODY_COLUMNS = (
    "a_number",
    "first_name",
    "last_name",
    "country_of_birth",
    "date_of_birth",
    "status",
    "facility_code",
    "status_changed_at",
)
# Columns a feed may add after the required ones, in any order (the case status; protected records).
OPTIONAL_CUSTODY_COLUMNS = ("case_status", "protected")
_PROTECTED_WORDS = {
    "": False,
    "0": False,
    "n": False,
    "no": False,
    "false": False,
    "f": False,
    "1": True,
    "y": True,
    "yes": True,
    "true": True,
    "t": True,
    "u": True,
    "vawa": True,
    "t visa": True,
    "u visa": True,
    "protected": True,
}
FACILITY_COLUMNS = ("code", "name", "address", "city", "state", "zip", "phone", "field_office")
BATCH_ROWS = 20_000
# Facilities and custody records share one lock (a custody row checks the facility codes).
FEED_LOCK = "custody-feed"
IMPORT_CACHE_KIB = 256 * 1024
_FACILITY_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")
_ZIP = re.compile(r"\d{5}(-\d{4})?")
# SQLAlchemy's SQLite DateTime text form, so ORM reads and raw writes agree.
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


class FeedError(ValueError):
    """The file cannot be imported at all (wrong header, unreadable); nothing was loaded."""


@dataclass(frozen=True)
class Rejected:
    """A row that was not loaded: its line in the file and why."""

    line: int
    reason: str


@dataclass
class ImportSummary:
    """What an import did."""

    inserted: int = 0
    changed: int = 0
    unchanged: int = 0
    events: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    # Loaded records without a date of birth (treated as possibly minors: never disclosed).
    without_date_of_birth: int = 0

    @property
    def rows(self) -> int:
        """Rows read (good and bad)."""
        return self.inserted + self.changed + self.unchanged + len(self.rejected)


class _Bad(ValueError):
    pass


# --- reading and checking rows ---------------------------------------------------


class _WrongCount(list):
    """A row whose number of fields differs from the header's (reported, never loaded)."""

    def __init__(self, fields: list[str], expected: int) -> None:
        super().__init__(fields)
        self.expected = expected


def _reader(file: TextIO, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each data row, after checking the header.

    With ``optional`` columns (after the required ones, in any order), each row's fields
    come back as ``columns + optional`` in that order, None for an optional column the file lacks.
    """
    reader = csv.reader(file)
    try:
        header = next(reader)
    except StopIteration:
        raise FeedError("the file is empty (expected a header row)") from None
    found = [name.strip().lower().lstrip("\ufeff") for name in header]
    extra = found[len(columns) :]
    if tuple(found[: len(columns)]) != columns or len(set(extra)) != len(extra) or not set(extra) <= set(optional):
        expected = ",".join(columns) + "".join(f"[,{name}]" for name in optional)
        raise FeedError(f"expected header {expected}; found {','.join(found)}")
    where = [found.index(name) if name in extra else None for name in optional]
    for fields in reader:
        if not fields:
            continue
        if not optional:
            yield reader.line_num, fields
        elif len(fields) != len(found):
            yield reader.line_num, _WrongCount(fields, len(found))
        else:
            yield reader.line_num, fields[: len(columns)] + [None if i is None else fields[i] for i in where]


@functools.lru_cache(maxsize=4096)
def _country(value: str) -> str:
    code = normalize_country(value) if value.strip() else None
    if code is None:
        raise _Bad(f"unknown country of birth {value!r}")
    return code


@functools.lru_cache(maxsize=256)
def _status(value: str) -> str:
    status = normalize_status(value)
    if status is None:
        raise _Bad(f"unknown status {value!r}")
    return status


def _date_of_birth(value: str, today: date) -> str | None:
    value = value.strip()
    if not value:
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise _Bad(f"date_of_birth {value!r} is not an ISO date (YYYY-MM-DD)") from None
    if born > today or born.year < 1900:
        raise _Bad(f"date_of_birth {value!r} is out of range")
    return value if len(value) == 10 else born.isoformat()


def _changed_at(value: str) -> str:
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Bad(f"status_changed_at {value!r} is not an ISO 8601 time") from None
    # A time without an offset is taken as UTC, as the upstream export writes it.
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    # The text form of _SQLITE_TIME (isoformat is several times faster than strftime).
    return when.isoformat(" ", "microseconds")


def _name(value: str, column: str) -> str:
    value = value.strip()
    if not value:
        raise _Bad(f"{column} is empty")
    if len(value) > 100:
        raise _Bad(f"{column} is longer than 100 characters")
    return value


# A checked row: (a_number, first, last, country, dob, status, facility, changed_at, case_status,
# protected) as canonical text; None for an optional column the file lacks (the stored value stays).
Row = tuple[str, str, str, str, str | None, str, str | None, str, str | None, bool | None]


@functools.lru_cache(maxsize=64)
def _case_status(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    case_status = normalize_case_status(value)
    if case_status is None:
        raise _Bad(f"unknown case_status {value!r}")
    return case_status


def _protected(value: str | None) -> bool | None:
    """T or U visa, VAWA self-petition. None when the file has no ``protected`` column (the stored value stays)."""
    if value is None:
        return None
    flag = _PROTECTED_WORDS.get(" ".join(value.strip().lower().split()))
    if flag is None:
        raise _Bad(f"protected {value!r} is not one of: yes, no, T, U, VAWA (or empty)")
    return flag


def check_custody_row(fields: list[str], facilities: set[str], today: date) -> Row:
    """Validate and normalize one custody row; raises _Bad with the reason."""
    if isinstance(fields, _WrongCount):
        raise _Bad(f"expected {fields.expected} fields, found {len(fields)}")
    if len(fields) != len(CUSTODY_COLUMNS) + len(OPTIONAL_CUSTODY_COLUMNS):
        raise _Bad(f"expected {len(CUSTODY_COLUMNS)} fields, found {len(fields)}")
    raw_a, first, last, country, born, status, facility, changed, case_status, protected = fields
    a_number = normalize_a_number(raw_a)
    if a_number is None:
        raise _Bad("A-number is not 8 or 9 digits (optionally with A, spaces or dashes)")
    status_code = _status(status)
    facility_code = facility.strip().upper() or None
    if facility_code is not None and facility_code not in facilities:
        raise _Bad(f"unknown facility_code {facility_code!r} (import the facilities first)")
    if facility_code is None and status_code in HELD_STATUSES:
        raise _Bad(f"status {status_code} needs a facility_code")
    return (
        a_number,
        _name(first, "first_name"),
        _name(last, "last_name"),
        _country(country),
        _date_of_birth(born, today),
        status_code,
        facility_code,
        _changed_at(changed),
        _case_status(case_status),
        _protected(protected),
    )


# --- writing batches ----------------------------------------------------------------


class _Writer:
    """Reads the stored rows of a batch and writes its inserts, updates and events."""

    def __init__(self, connection: Any, postgres: bool) -> None:
        self.connection = connection
        self.postgres = postgres

    def existing(self, a_numbers: list[str]) -> dict[str, tuple]:
        cursor = self.connection.cursor()
        if self.postgres:
            cursor.execute(
                "SELECT a_number, first_name, last_name, country_of_birth, date_of_birth::text, status, "
                "facility_code, to_char(status_changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
                "case_status, protected FROM custody_records WHERE a_number = ANY(%s)",
                (a_numbers,),
            )
        else:
            cursor.execute(
                "SELECT a_number, first_name, last_name, country_of_birth, date_of_birth, status, "
                "facility_code, status_changed_at, case_status, protected FROM custody_records "
                "WHERE a_number IN (SELECT value FROM json_each(?))",
                (json.dumps(a_numbers),),
            )
        return {row[0]: (*row[:9], bool(row[9])) for row in cursor.fetchall()}

    def _pg_time(self, text: str) -> str:
        return text + "+00"

    def write(self, inserts: list[Row], updates: list[Row], events: list[tuple], batch: str, now: str) -> None:
        cursor = self.connection.cursor()
        if self.postgres:
            if inserts:
                with cursor.copy(
                    "COPY custody_records (a_number, first_name, last_name, country_of_birth, date_of_birth, "
                    "status, facility_code, status_changed_at, updated_at, batch, case_status, protected) FROM STDIN"
                ) as copy:
                    for row in inserts:
                        copy.write_row((*row[:7], self._pg_time(row[7]), self._pg_time(now), batch, row[8], row[9]))
            if events:
                with cursor.copy(
                    "COPY custody_events (a_number, old_status, new_status, old_facility, new_facility, at, "
                    "batch, recorded_at, old_case_status, new_case_status) FROM STDIN"
                ) as copy:
                    for event in events:
                        copy.write_row((*event[:5], self._pg_time(event[5]), batch, self._pg_time(now), *event[6:]))
            now_value: Any = self._pg_time(now)
        else:
            if inserts:
                cursor.executemany(
                    "INSERT INTO custody_records (a_number, first_name, last_name, country_of_birth, "
                    "date_of_birth, status, facility_code, status_changed_at, updated_at, batch, case_status, "
                    "protected) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*row[:8], now, batch, row[8], row[9]) for row in inserts],
                )
            if events:
                cursor.executemany(
                    "INSERT INTO custody_events (a_number, old_status, new_status, old_facility, new_facility, "
                    "at, batch, recorded_at, old_case_status, new_case_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*event[:6], batch, now, *event[6:]) for event in events],
                )
            now_value = now
        if updates:
            mark = "%s" if self.postgres else "?"
            cursor.executemany(
                f"UPDATE custody_records SET first_name = {mark}, last_name = {mark}, country_of_birth = {mark}, "
                f"date_of_birth = {mark}, status = {mark}, facility_code = {mark}, status_changed_at = {mark}, "
                f"updated_at = {mark}, batch = {mark}, case_status = {mark}, protected = {mark} "
                f"WHERE a_number = {mark}",
                [
                    (
                        *row[1:7],
                        self._pg_time(row[7]) if self.postgres else row[7],
                        now_value,
                        batch,
                        row[8],
                        row[9],
                        row[0],
                    )
                    for row in updates
                ],
            )


def _batches(rows: Iterable[tuple[int, list[str]]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_custody(
    database: Database,
    file: TextIO,
    batch: str,
    *,
    progress: Callable[[int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    lock_wait: float = 0.0,
) -> ImportSummary:
    """Upsert the custody records of one feed file; a custody event for every status or facility change.

    Raises ImportLocked when another import holds the feed for longer than ``lock_wait`` seconds.
    """
    with import_lock(database, FEED_LOCK, wait=lock_wait):
        return _import_custody(database, file, batch, progress=progress, batch_rows=batch_rows)


def _import_custody(
    database: Database,
    file: TextIO,
    batch: str,
    *,
    progress: Callable[[int], None] | None,
    batch_rows: int,
) -> ImportSummary:
    summary = ImportSummary()
    facilities = set(_facility_codes(database))
    today = utcnow().date()
    now = utcnow().strftime(_SQLITE_TIME)
    raw = database.engine.raw_connection()
    sqlite = database.dialect == "sqlite"
    if sqlite:
        # A million random A-numbers make B-tree inserts jump all over the index: give SQLite a
        # page cache big enough to hold it (the default is 2 MB), for this import only.
        raw.driver_connection.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
    try:
        writer = _Writer(raw.driver_connection, not sqlite)
        for chunk in _batches(_reader(file, CUSTODY_COLUMNS, OPTIONAL_CUSTODY_COLUMNS), batch_rows):
            checked: list[Row] = []
            for line, fields in chunk:
                try:
                    checked.append(check_custody_row(fields, facilities, today))
                except _Bad as bad:
                    summary.rejected.append(Rejected(line, str(bad)))
                    checked.append(None)  # type: ignore[arg-type]
            current = writer.existing(list({row[0] for row in checked if row is not None}))
            inserts: dict[str, Row] = {}
            updates: dict[str, Row] = {}
            events: list[tuple] = []
            for (line, _fields), row in zip(chunk, checked, strict=True):
                if row is None:
                    continue
                a_number = row[0]
                if row[4] is None:
                    summary.without_date_of_birth += 1
                before = current.get(a_number)
                if before is not None:
                    # A feed without an optional column (case status, protected) keeps what is stored.
                    row = (*row[:8], before[8] if row[8] is None else row[8], before[9] if row[9] is None else row[9])
                elif row[9] is None:
                    row = (*row[:9], False)
                if before is None:
                    inserts[a_number] = row
                    summary.inserted += 1
                    events.append((a_number, None, row[5], None, row[6], row[7], None, row[8]))
                elif tuple(before) == row:
                    summary.unchanged += 1
                    continue
                elif row[7] < before[7]:
                    # An older export than what is stored must not roll a record back.
                    summary.rejected.append(
                        Rejected(line, f"status_changed_at is older than the stored record's ({before[7]} UTC)")
                    )
                    continue
                else:
                    summary.changed += 1
                    (inserts if a_number in inserts else updates)[a_number] = row
                    if (before[5], before[6], before[8]) != (row[5], row[6], row[8]):
                        events.append((a_number, before[5], row[5], before[6], row[6], row[7], before[8], row[8]))
                current[a_number] = row
            # In key order, so consecutive inserts land on neighbouring index pages.
            writer.write(sorted(inserts.values()), list(updates.values()), events, batch, now)
            raw.commit()
            summary.events += len(events)
            if progress is not None:
                progress(len(chunk))
    except BaseException:
        raw.rollback()
        raise
    finally:
        if sqlite:
            raw.driver_connection.execute("PRAGMA cache_size = -2000")
        raw.close()
    summary.rejected.sort(key=lambda r: r.line)
    return summary


def _facility_codes(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(Facility.code)))


# --- facilities -------------------------------------------------------------------------


def field_office_names() -> dict[str, str]:
    """An office's code, name or name without "Field Office", lower-case → its code."""
    names: dict[str, str] = {}
    for code, office in load_offices().items():
        name = " ".join(office.name.lower().split())
        names[code.lower()] = code
        names[name] = code
        names[name.removesuffix(" field office")] = code
    return names


def check_facility_row(fields: list[str], offices: Mapping[str, str]) -> dict[str, str | None]:
    """Validate and normalize one facility row; raises _Bad with the reason."""
    if len(fields) != len(FACILITY_COLUMNS):
        raise _Bad(f"expected {len(FACILITY_COLUMNS)} fields, found {len(fields)}")
    code, name, address, city, state, zip_code, phone, office = (value.strip() for value in fields)
    if not _FACILITY_CODE.fullmatch(code):
        raise _Bad(f"facility code {code!r} must be 1-16 letters, digits, '-' or '_'")
    if not name or len(name) > 200:
        raise _Bad("name is empty or longer than 200 characters")
    if not city:
        raise _Bad("city is empty")
    if state.upper() not in SERVED_AREAS:
        raise _Bad(f"state {state!r} is not a US state or territory code")
    if zip_code and not _ZIP.fullmatch(zip_code):
        raise _Bad(f"zip {zip_code!r} is not a 5-digit ZIP (or ZIP+4)")
    e164 = to_e164(phone) if phone else None
    if phone and e164 is None:
        raise _Bad(f"phone {phone!r} is not a valid phone number")
    office_code = offices.get(" ".join(office.lower().split())) if office else None
    if office and office_code is None:
        raise _Bad(f"unknown field_office {office!r} (an office code such as MIA or a name such as Miami)")
    return {
        "code": code.upper(),
        "name": name,
        "address": address or None,
        "city": city,
        "state": state.upper(),
        "zip": zip_code or None,
        "phone": e164,
        "field_office": office_code,
    }


def import_facilities(database: Database, file: TextIO, lock_wait: float = 0.0) -> ImportSummary:
    """Upsert the facilities of one file (a few hundred rows: the ORM is fast enough)."""
    with import_lock(database, FEED_LOCK, wait=lock_wait):
        return _import_facilities(database, file)


def _import_facilities(database: Database, file: TextIO) -> ImportSummary:
    summary = ImportSummary()
    offices = field_office_names()
    rows: dict[str, dict[str, str | None]] = {}
    for line, fields in _reader(file, FACILITY_COLUMNS):
        try:
            row = check_facility_row(fields, offices)
        except _Bad as bad:
            summary.rejected.append(Rejected(line, str(bad)))
            continue
        rows[row["code"]] = row  # type: ignore[index]
    with database.session() as session:
        stored = {f.code: f for f in session.scalars(select(Facility).where(Facility.code.in_(list(rows))))}
        for code, row in rows.items():
            facility = stored.get(code)
            if facility is None:
                session.add(Facility(**row, updated_at=utcnow()))
                summary.inserted += 1
            elif all(getattr(facility, key) == value for key, value in row.items()):
                summary.unchanged += 1
            else:
                for key, value in row.items():
                    setattr(facility, key, value)
                facility.updated_at = utcnow()
                summary.changed += 1
    return summary


def batch_name(path: Path) -> str:
    """The source-batch label custody events carry: the file name and when it was imported."""
    return f"{path.name[:90]}@{utcnow().strftime('%Y%m%dT%H%M%SZ')}"
