"""Importing an Open Referral (HSDS) directory: a folder of CSV files, HSDS 1.x/2.0 or 3.0.

HSDS 1.x/2.0 names its files in the plural (``services.csv``, ``physical_addresses.csv``,
``regular_schedules.csv``, ``service_taxonomy.csv``); HSDS 3.0 in the singular
(``service.csv``, ``address.csv``, ``schedule.csv``, ``attribute.csv``). A
``datapackage.json`` may name the files. Every row is checked on its own: a bad
row is reported with its file, line and reason, and the rest loads. Rows are
upserted by their HSDS ids, so importing the same folder twice changes nothing.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from callflows.hours import parse_clock
from callflows.phones import to_e164
from models.base import utcnow
from models.directory import CATEGORIES, DirectoryEntry, Location, OpeningHours, Organization, Service
from models.places import place_for_zip

CATEGORY_TABLE = Path(__file__).resolve().parent / "data" / "referral_categories.csv"

# Each kind of file by its HSDS 1.x/2.0 name and its HSDS 3.0 name.
FILES: dict[str, tuple[str, ...]] = {
    "organizations": ("organizations.csv", "organization.csv"),
    "services": ("services.csv", "service.csv"),
    "locations": ("locations.csv", "location.csv"),
    "addresses": ("physical_addresses.csv", "address.csv"),
    "phones": ("phones.csv", "phone.csv"),
    "services_at_location": ("services_at_location.csv", "service_at_location.csv"),
    "languages": ("languages.csv", "language.csv"),
    "schedules": ("regular_schedules.csv", "schedule.csv"),
    "service_areas": ("service_areas.csv", "service_area.csv"),
    "taxonomy": ("taxonomy.csv", "taxonomy_term.csv", "taxonomy_terms.csv"),
    "service_taxonomy": ("service_taxonomy.csv", "attribute.csv", "attributes.csv"),
}
REQUIRED = ("services",)

_WEEKDAYS = {
    **{
        name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    },
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: i for i, name in enumerate(("mo", "tu", "we", "th", "fr", "sa", "su"))},
}
_LANGUAGES = {
    "english": "en",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "castellano": "es",
    "french": "fr",
    "vietnamese": "vi",
    "chinese": "zh",
    "mandarin": "zh",
    "cantonese": "zh",
    "korean": "ko",
    "tagalog": "tl",
    "arabic": "ar",
    "russian": "ru",
    "haitian creole": "ht",
    "portuguese": "pt",
}


class DirectoryImportError(Exception):
    """The folder cannot be imported at all (a required file is missing); the message says which."""


@dataclass(frozen=True)
class Problem:
    """A row that was not loaded (or loaded without one value), and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file} line {self.line}: {self.reason}"


@dataclass
class ImportSummary:
    """What an import did: rows added and updated per kind, and every problem."""

    added: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: list[Problem] = field(default_factory=list)
    version: str = "unknown"

    def report(self, file: str, line: int, reason: str) -> None:
        """Add a problem."""
        self.problems.append(Problem(file, line, reason))

    def lines(self) -> list[str]:
        """The summary as printed by ``flask referrals import``."""
        kinds = sorted(set(self.added) | set(self.updated))
        counts = ", ".join(f"{k}: {self.added.get(k, 0)} added, {self.updated.get(k, 0)} updated" for k in kinds)
        return [f"HSDS {self.version}: {counts or 'nothing loaded'}", f"{len(self.problems)} problem(s)"]


@dataclass
class _Row:
    file: str
    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()


# --- reading the folder ----------------------------------------------------------


def find_files(folder: Path) -> tuple[dict[str, Path], str]:
    """The CSV file of each kind found in ``folder`` (by datapackage.json or by name), and the HSDS version."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DirectoryImportError(f"{folder}: not a folder")
    found: dict[str, Path] = {}
    by_name = {name: kind for kind, names in FILES.items() for name in names}
    package = folder / "datapackage.json"
    if package.exists():
        try:
            resources = json.loads(package.read_text(encoding="utf-8")).get("resources", [])
        except (ValueError, AttributeError) as error:
            raise DirectoryImportError(f"datapackage.json: cannot be read ({error})") from None
        for resource in resources if isinstance(resources, list) else []:
            path = folder / str(resource.get("path") or "")
            name = f"{resource.get('name', '')}.csv"
            kind = by_name.get(name) or by_name.get(path.name)
            if kind and path.is_file():
                found.setdefault(kind, path)
    for path in sorted(folder.glob("*.csv")):
        kind = by_name.get(path.name.lower())
        if kind:
            found.setdefault(kind, path)
    missing = [kind for kind in REQUIRED if kind not in found]
    if missing:
        names = " or ".join(FILES[missing[0]])
        raise DirectoryImportError(f"{folder}: no {names} (the services of the directory)")
    singular = sum(1 for path in found.values() if path.name in {names[1] for names in FILES.values()})
    return found, "3.0" if singular > len(found) / 2 else "1.x/2.0"


def _read(path: Path) -> Iterator[_Row]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
        for row in reader:
            # Unknown extra columns are simply never read; a short row has None values.
            values = {k: (v if isinstance(v, str) else "") for k, v in row.items() if k}
            yield _Row(path.name, reader.line_num, values)


# --- categories ----------------------------------------------------------------


@cache
def category_rules(path: Path = CATEGORY_TABLE) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The editable word → category table, in order (first match wins)."""
    rules = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            category, word = row["category"].strip(), row["word"].strip().lower()
            if category not in CATEGORIES:
                raise ValueError(f"{path.name}: unknown category {category!r}")
            rules.append((category, re.compile(rf"\b{re.escape(word)}(?:s|es)?\b")))
    return tuple(rules)


def categorize(terms: Iterable[str], name: str, description: str | None) -> str:
    """The hotline's category of a service: from its taxonomy terms, else its name, else its description."""
    for text in (" | ".join(terms), name, description or ""):
        lowered = text.lower()
        for category, pattern in category_rules():
            if pattern.search(lowered):
                return category
    return "other"


# --- values ---------------------------------------------------------------------


def language_code(value: str) -> str | None:
    """ "Spanish", "es", "spa", "es-MX" → "es"; None for an empty value."""
    lowered = value.strip().lower()
    if not lowered:
        return None
    if lowered in _LANGUAGES:
        return _LANGUAGES[lowered]
    if lowered == "spa":
        return "es"
    if lowered == "eng":
        return "en"
    code = re.split(r"[-_ ]", lowered)[0]
    return code if len(code) == 2 and code.isalpha() else lowered[:16]


def weekdays(value: str) -> list[int] | None:
    """HSDS weekday values → 0 (Monday) … 6: names, "MO,TU", or 1–7 with 1 = Monday (ISO 8601)."""
    out = []
    for part in re.split(r"[,\s;]+", value.strip().lower()):
        if not part:
            continue
        if part.isdigit() and 1 <= int(part) <= 7:
            out.append(int(part) - 1)
        elif part in _WEEKDAYS:
            out.append(_WEEKDAYS[part])
        else:
            return None
    return out or None


def _float(value: str, low: float, high: float) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if low <= number <= high else None


# --- the import -------------------------------------------------------------------


@dataclass
class _Parsed:
    organizations: dict[str, dict[str, Any]] = field(default_factory=dict)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    locations: dict[str, dict[str, Any]] = field(default_factory=dict)
    location_lines: dict[str, tuple[str, int]] = field(default_factory=dict)
    links: dict[str, tuple[str, str]] = field(default_factory=dict)
    languages: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    terms: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    hours: dict[str, dict[str, Any]] = field(default_factory=dict)
    service_phones: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    location_phones: dict[str, str] = field(default_factory=dict)
    organization_phones: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def import_directory(
    session: Session,
    folder: Path,
    now: datetime | None = None,
    progress: Callable[[Iterable[_Row], str], Iterable[_Row]] | None = None,
) -> ImportSummary:
    """Load an HSDS folder into the directory; returns the summary (raises DirectoryImportError)."""
    now = now or utcnow()
    files, version = find_files(Path(folder))
    summary = ImportSummary(version=version)
    parsed = _Parsed()

    def rows(kind: str) -> Iterable[_Row]:
        if kind not in files:
            return ()
        reading = _read(files[kind])
        return progress(reading, files[kind].name) if progress else reading

    for row in rows("organizations"):
        _organization(row, parsed, summary, now)
    for row in rows("services"):
        _service(row, parsed, summary, now)
    for row in rows("locations"):
        _location(row, parsed, summary, now)
    for row in rows("addresses"):
        _address(row, parsed, summary)
    _position_from_zip(session, parsed, summary)
    for row in rows("taxonomy"):
        parsed.terms.setdefault(f"term:{row.get('id')}", []).append(row.get("name") or row.get("term") or "")
    for row in rows("service_taxonomy"):
        _service_term(row, parsed, summary)
    for row in rows("languages"):
        _language(row, parsed, summary)
    for row in rows("phones"):
        _phone(row, parsed, summary)
    for row in rows("services_at_location"):
        _link(session, row, parsed, summary)
    for row in rows("schedules"):
        _hours(row, parsed, summary)
    _write(session, parsed, summary, now)
    return summary


def _organization(row: _Row, parsed: _Parsed, summary: ImportSummary, now: datetime) -> None:
    if not row.get("id") or not row.get("name"):
        summary.report(row.file, row.line, "an organization needs an id and a name")
        return
    parsed.organizations[row.get("id")] = {
        "id": row.get("id")[:100],
        "name": row.get("name")[:300],
        "description": row.get("description") or None,
        "url": row.get("url")[:500] or None,
        "updated_at": now,
    }


def _service(row: _Row, parsed: _Parsed, summary: ImportSummary, now: datetime) -> None:
    if not row.get("id") or not row.get("name"):
        summary.report(row.file, row.line, "a service needs an id and a name")
        return
    organization = row.get("organization_id")
    if organization and parsed.organizations and organization not in parsed.organizations:
        summary.report(row.file, row.line, f"organization {organization!r} is not in the organizations file")
        return
    parsed.services[row.get("id")] = {
        "id": row.get("id")[:100],
        "organization_id": organization[:100] or None,
        "name": row.get("name")[:300],
        "description": row.get("description") or None,
        "url": row.get("url")[:500] or None,
        "email": row.get("email")[:300] or None,
        "status": (row.get("status") or "active").lower()[:32],
        "updated_at": now,
    }


def _location(row: _Row, parsed: _Parsed, summary: ImportSummary, now: datetime) -> None:
    if not row.get("id"):
        summary.report(row.file, row.line, "a location needs an id")
        return
    lat_text, lon_text = row.get("latitude"), row.get("longitude")
    lat, lon = _float(lat_text, -90, 90), _float(lon_text, -180, 180)
    if (lat_text or lon_text) and (lat is None or lon is None):
        summary.report(row.file, row.line, "latitude/longitude is not a valid position; using the ZIP code")
        lat = lon = None
    parsed.location_lines[row.get("id")] = (row.file, row.line)
    parsed.locations[row.get("id")] = {
        "id": row.get("id")[:100],
        "organization_id": row.get("organization_id")[:100] or None,
        "name": row.get("name")[:300] or None,
        "latitude": lat,
        "longitude": lon,
        "position_source": "file" if lat is not None else None,
        "address": None,
        "city": None,
        "state": None,
        "postal_code": None,
        "timezone": None,
        "phone": None,
        "updated_at": now,
    }


def _address(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    location = parsed.locations.get(row.get("location_id"))
    if location is None:
        summary.report(row.file, row.line, f"location {row.get('location_id')!r} is not in the locations file")
        return
    if row.get("address_type") and row.get("address_type").lower() not in {"physical", "physical_address"}:
        return  # HSDS 3.0 also lists postal (mailing) addresses: they say nothing about where help is
    postal = row.get("postal_code")
    place = place_for_zip(postal)
    if postal and place is None:
        summary.report(row.file, row.line, f"postal code {postal!r} is not a known US ZIP code")
    location.update(
        address=" ".join(filter(None, (row.get("address_1"), row.get("address_2"))))[:300] or None,
        city=row.get("city")[:100] or None,
        state=row.get("state_province")[:50] or None,
        postal_code=postal[:10] or None,
        timezone=place.timezone if place else None,
    )
    if location["latitude"] is None and place is not None:
        location.update(latitude=place.latitude, longitude=place.longitude, position_source="zip")


def _position_from_zip(session: Session, parsed: _Parsed, summary: ImportSummary) -> None:
    for location_id, location in parsed.locations.items():
        if location["timezone"] is None and location["latitude"] is not None:
            location["timezone"] = _nearest_timezone(location["postal_code"])
        if location["latitude"] is None:
            file, line = parsed.location_lines[location_id]
            summary.report(file, line, "no position: no latitude/longitude and no known ZIP code; not searchable")


def _nearest_timezone(postal_code: str | None) -> str | None:
    place = place_for_zip(postal_code)
    return place.timezone if place else None


def _service_term(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    if "link_id" in row.values:  # HSDS 3.0 attribute.csv
        if row.get("link_entity") and row.get("link_entity").lower() != "service":
            return
        service_id, term_id = row.get("link_id"), row.get("taxonomy_term_id")
    else:
        service_id, term_id = row.get("service_id"), row.get("taxonomy_id")
    if service_id not in parsed.services:
        summary.report(row.file, row.line, f"service {service_id!r} is not in the services file")
        return
    names = parsed.terms.get(f"term:{term_id}") or [row.get("taxonomy_detail") or row.get("label") or row.get("value")]
    parsed.terms[service_id] += [n for n in names if n]


def _language(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    code = language_code(row.get("code") or row.get("language") or row.get("name"))
    if code is None:
        summary.report(row.file, row.line, "a language row needs a language")
        return
    service_id = row.get("service_id")
    if service_id:
        if service_id not in parsed.services:
            summary.report(row.file, row.line, f"service {service_id!r} is not in the services file")
            return
        parsed.languages[service_id].add(code)
    elif row.get("location_id"):
        parsed.languages[f"location:{row.get('location_id')}"].add(code)


def _phone(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    number = to_e164(row.get("number"))
    if number is None:
        summary.report(row.file, row.line, f"phone number {row.get('number')!r} does not parse; kept the rest")
        return
    extension = row.get("extension")[:16] or None
    if row.get("service_id"):
        if row.get("service_id") not in parsed.services:
            summary.report(row.file, row.line, f"service {row.get('service_id')!r} is not in the services file")
            return
        parsed.service_phones.setdefault(row.get("service_id"), (number, extension))
    elif row.get("location_id"):
        parsed.location_phones.setdefault(row.get("location_id"), number)
    elif row.get("organization_id"):
        parsed.organization_phones.setdefault(row.get("organization_id"), (number, extension))
    if row.get("language"):
        code = language_code(row.get("language"))
        if code and row.get("service_id"):
            parsed.languages[row.get("service_id")].add(code)


def _link(session: Session, row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    service_id, location_id = row.get("service_id"), row.get("location_id")
    if service_id not in parsed.services:
        summary.report(row.file, row.line, f"service {service_id!r} is not in the services file")
        return
    if location_id not in parsed.locations:
        summary.report(row.file, row.line, f"location {location_id!r} is not in the locations file")
        return
    parsed.links[row.get("id") or f"{service_id}@{location_id}"] = (service_id, location_id)


def _hours(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    service_id, location_id = row.get("service_id") or None, row.get("location_id") or None
    if row.get("service_at_location_id") and not (service_id or location_id):
        link = parsed.links.get(row.get("service_at_location_id"))
        service_id, location_id = link if link else (None, None)
    if not (service_id or location_id):
        summary.report(row.file, row.line, "a schedule needs a service or a location")
        return
    if service_id and service_id not in parsed.services:
        summary.report(row.file, row.line, f"service {service_id!r} is not in the services file")
        return
    days = weekdays(row.get("weekday") or row.get("byday"))
    opens, closes = parse_clock(row.get("opens_at")), parse_clock(row.get("closes_at"))
    if days is None:
        summary.report(row.file, row.line, f"weekday {row.get('weekday') or row.get('byday')!r} is not a day")
        return
    if opens is None or closes is None:
        summary.report(row.file, row.line, "opens_at/closes_at is not a time such as 09:00")
        return
    base = row.get("id") or f"{row.file}:{row.line}"
    for day in days:
        parsed.hours[f"{base}:{day}"[:100]] = {
            "id": f"{base}:{day}"[:100],
            "service_id": service_id,
            "location_id": location_id,
            "weekday": day,
            "opens_at": opens.strftime("%H:%M"),
            "closes_at": closes.strftime("%H:%M"),
        }


# --- writing ------------------------------------------------------------------------

_CHUNK = 500


def _existing(session: Session, model: Any, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        found.update(session.scalars(select(model.id).where(model.id.in_(ids[i : i + _CHUNK]))))
    return found


def _upsert(session: Session, model: Any, rows: list[dict[str, Any]], kind: str, summary: ImportSummary) -> None:
    if not rows:
        return
    existing = _existing(session, model, [r["id"] for r in rows])
    new = [r for r in rows if r["id"] not in existing]
    old = [r for r in rows if r["id"] in existing]
    if new:
        session.execute(insert(model), new)
    if old:
        session.execute(update(model), old)
    summary.added[kind] += len(new)
    summary.updated[kind] += len(old)


def _write(session: Session, parsed: _Parsed, summary: ImportSummary, now: datetime) -> None:
    for location_id, location in parsed.locations.items():
        location["phone"] = parsed.location_phones.get(location_id)
    corrected = {
        sid: category
        for sid, category in session.execute(
            select(Service.id, Service.category).where(Service.category_corrected.is_(True))
        )
    }
    for service_id, service in parsed.services.items():
        terms = parsed.terms.get(service_id, [])
        service["terms"] = " | ".join(terms)[:4000] or None
        service["category"] = corrected.get(service_id) or categorize(terms, service["name"], service["description"])
        service["languages"] = ",".join(sorted(parsed.languages.get(service_id, set())))[:200]
        phone, extension = parsed.service_phones.get(service_id) or parsed.organization_phones.get(
            service["organization_id"] or "", (None, None)
        )
        service["phone"], service["phone_extension"] = phone, extension
    _upsert(session, Organization, list(parsed.organizations.values()), "organizations", summary)
    _upsert(session, Service, list(parsed.services.values()), "services", summary)
    _upsert(session, Location, list(parsed.locations.values()), "locations", summary)
    _write_entries(session, parsed, summary, now)
    # Hours are derived from rows that may expand to several days: replace those of what this file describes.
    existing = _existing(session, OpeningHours, list(parsed.hours))
    service_ids, location_ids = list(parsed.services), list(parsed.locations)
    for i in range(0, max(len(service_ids), len(location_ids)), _CHUNK):
        session.execute(delete(OpeningHours).where(OpeningHours.service_id.in_(service_ids[i : i + _CHUNK])))
        session.execute(delete(OpeningHours).where(OpeningHours.location_id.in_(location_ids[i : i + _CHUNK])))
    if parsed.hours:
        session.execute(insert(OpeningHours), list(parsed.hours.values()))
    summary.added["opening hours"] += len(parsed.hours) - len(existing)
    summary.updated["opening hours"] += len(existing)


def _write_entries(session: Session, parsed: _Parsed, summary: ImportSummary, now: datetime) -> None:
    links = dict(parsed.links)
    if not links:
        # No service_at_location file: a service is offered at every location of its organization.
        by_org: dict[str | None, list[str]] = defaultdict(list)
        for location_id, location in parsed.locations.items():
            by_org[location["organization_id"]].append(location_id)
        for service_id, service in parsed.services.items():
            for location_id in by_org.get(service["organization_id"], []) if service["organization_id"] else []:
                links[f"{service_id}@{location_id}"] = (service_id, location_id)
    entries = []
    for entry_id, (service_id, location_id) in links.items():
        service, location = parsed.services[service_id], parsed.locations[location_id]
        if service["status"] not in {"active", ""}:
            continue
        languages = set(parsed.languages.get(service_id, set())) | parsed.languages.get(
            f"location:{location_id}", set()
        )
        entries.append(
            {
                "id": entry_id[:100],
                "service_id": service_id,
                "location_id": location_id,
                "category": service["category"],
                "latitude": location["latitude"],
                "longitude": location["longitude"],
                "languages": ",".join(sorted(languages))[:200],
                "updated_at": now,
            }
        )
    # Entries are derived from the services and links: replace those of the services this file describes.
    existing = _existing(session, DirectoryEntry, [e["id"] for e in entries])
    service_ids = list(parsed.services)
    for i in range(0, len(service_ids), _CHUNK):
        session.execute(delete(DirectoryEntry).where(DirectoryEntry.service_id.in_(service_ids[i : i + _CHUNK])))
    if entries:
        session.execute(insert(DirectoryEntry), entries)
    summary.added["services at locations"] += len(entries) - len(existing)
    summary.updated["services at locations"] += len(existing)
