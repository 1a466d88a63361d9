"""Importing an Open Referral (HSDS) directory: a folder, a zip file or a ``datapackage.json``; HSDS 1.1, 2.0, 3.0.

Open Referral publishes a directory as CSV files with a ``datapackage.json``
beside them or above them (the files in ``data/``), often zipped. HSDS 1.1 names
its files in the plural (``services.csv``, ``physical_addresses.csv``,
``regular_schedules.csv``, ``services_taxonomy.csv``); 2.0 adds
``service_attributes.csv`` and ``taxonomy_terms.csv``; 3.0 has ``addresses.csv``,
``schedules.csv``, ``attributes.csv`` (singular names in some publications).

Every row is checked on its own: a bad row is reported with its file, the line
where the record starts, its own id and the reason, and the rest loads; a value
the hotline can do without (an unknown organization) is a warning. Rows keep
their HSDS ids, so a re-import updates in place; it replaces what the new files
hold about each service (locations, phones, languages, categories, and hours
when a schedules file is read), and removes the services, locations and
organizations of the same directory that the new files no longer hold.
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
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
from models.directory import (
    CATEGORIES,
    DirectoryEntry,
    Location,
    OpeningHours,
    Organization,
    Service,
    refresh_nearest,
)
from models.places import place_for_zip

DATA = Path(__file__).resolve().parent / "data"
CATEGORY_TABLE = DATA / "referral_categories.csv"
TAXONOMY_TABLE = DATA / "taxonomy_categories.csv"
# The flag of a service that must never be offered to a caller: it serves people who harm.
PERPETRATORS = "perpetrators"
INACTIVE = "inactive"

# Each kind of file by its names in HSDS 1.1, 2.0 and 3.0 (plural and singular).
FILES: dict[str, tuple[str, ...]] = {
    "organizations": ("organizations.csv", "organization.csv"),
    "services": ("services.csv", "service.csv"),
    "locations": ("locations.csv", "location.csv"),
    "addresses": ("physical_addresses.csv", "physical_address.csv", "addresses.csv", "address.csv"),
    "phones": ("phones.csv", "phone.csv"),
    "services_at_location": ("services_at_location.csv", "service_at_location.csv", "service_at_locations.csv"),
    "languages": ("languages.csv", "language.csv"),
    "schedules": ("regular_schedules.csv", "regular_schedule.csv", "schedules.csv", "schedule.csv"),
    "taxonomy": ("taxonomy.csv", "taxonomies.csv", "taxonomy_terms.csv", "taxonomy_term.csv"),
    "service_taxonomy": (
        "services_taxonomy.csv",
        "service_taxonomy.csv",
        "service_attributes.csv",
        "service_attribute.csv",
        "attributes.csv",
        "attribute.csv",
    ),
}
REQUIRED = ("services",)
# A name only one version uses tells the version (a datapackage's own "version" is often the template's).
_V3_NAMES = {"addresses.csv", "address.csv", "attributes.csv", "attribute.csv", "schedules.csv", "schedule.csv"}
_V3_NAMES |= {"service_at_location.csv", "taxonomy_term.csv", "service.csv", "organization.csv", "location.csv"}
_V2_NAMES = {"service_attributes.csv", "service_attribute.csv", "other_attributes.csv", "taxonomy_terms.csv"}
_V1_NAMES = {"services_taxonomy.csv", "service_taxonomy.csv", "taxonomy.csv", "regular_schedules.csv"}
_V1_NAMES |= {"physical_addresses.csv", "services_at_location.csv"}

_WEEKDAYS = {
    **{
        name: i for i, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))
    },
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: i for i, name in enumerate(("mo", "tu", "we", "th", "fr", "sa", "su"))},
}
# Language names as directories write them (free text included) → ISO 639-1 codes.
_LANGUAGES = {
    "english": "en",
    "ingles": "en",
    "inglés": "en",
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
    "creole": "ht",
    "haitian": "ht",
    "kreyol": "ht",
    "kreyòl": "ht",
    "portuguese": "pt",
    "hebrew": "he",
    "yiddish": "yi",
    "italian": "it",
    "german": "de",
    "japanese": "ja",
    "hindi": "hi",
    "urdu": "ur",
    "polish": "pl",
    "greek": "el",
    "romanian": "ro",
    "thai": "th",
    "gujarati": "gu",
    "dutch": "nl",
    "swedish": "sv",
    "danish": "da",
    "norwegian": "no",
    "icelandic": "is",
    "sindhi": "sd",
    "slovak": "sk",
    "somali": "so",
    "ukrainian": "uk",
    "farsi": "fa",
    "persian": "fa",
    "asl": "ase",
    "sign language": "ase",
}
_LANGUAGE_WORDS = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _LANGUAGES), key=len, reverse=True)) + r")\b")
_ISO_CODES = {code for code in _LANGUAGES.values()} | {"eng", "spa", "fra", "zho", "hat", "por", "vie"}
_THREE_LETTER = {"eng": "en", "spa": "es", "fra": "fr", "zho": "zh", "hat": "ht", "por": "pt", "vie": "vi"}
# "305-891-8850 xOPT2", "(305) 555-0101 ext. 12", "305-555-0101 #4"
_EXTENSION = re.compile(r"^(.*?\d)\s*(?:x|ext\.?|extension|#)\s*([A-Za-z0-9]{1,16})\s*$", re.IGNORECASE)
# The N11 codes and 988 a caller dials as they are (211 community services, 511 travel, 311 the city).
_SHORT_CODE = re.compile(r"^\s*([2-9]11|988)\s*$")
# A description that says the service no longer runs ("CURRENTLY NOT ACTIVE", "This program is closed").
_INACTIVE_TEXT = re.compile(
    r"\b(?:currently|temporarily|permanently)\s+(?:not\s+active|inactive|closed|suspended|unavailable)\b"
    r"|\bno\s+longer\s+(?:active|operating|offered|available|in\s+operation)\b"
    r"|\bprogram\s+(?:has\s+)?(?:closed|ended|been\s+discontinued)\b",
    re.IGNORECASE,
)
_INACTIVE_STATUSES = {"inactive", "defunct", "temporarily closed", "closed", "suspended"}
# An AIRS / 211 LA code: "BH-1800.1500-100", "YP-1000", "RP".
_AIRS = re.compile(r"^[A-Z]{1,2}(?:-\d{4}(?:\.\d{4}(?:-\d{3}(?:\.\d{2})?)?)?)?$")


class DirectoryImportError(Exception):
    """The directory cannot be imported at all (no services file, an unreadable zip); the message says why."""


@dataclass(frozen=True)
class Problem:
    """A row that was not loaded (or loaded without one value), and why; a warning when it loaded anyway."""

    file: str
    line: int
    reason: str
    record_id: str = ""
    warning: bool = False

    def __str__(self) -> str:
        who = f" (id {self.record_id})" if self.record_id else ""
        return f"{self.file} line {self.line}{who}: {self.reason}"


@dataclass
class ImportSummary:
    """What an import did: the version and files read, rows added/updated/removed per kind, problems, warnings."""

    added: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    removed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: list[Problem] = field(default_factory=list)
    version: str = "unknown"
    files_read: list[str] = field(default_factory=list)
    not_offered: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def report(self, file: str, line: int, reason: str, record_id: str = "") -> None:
        """Add a problem (the row, or one of its values, was not loaded)."""
        self.problems.append(Problem(file, line, reason, record_id))

    def warn(self, file: str, line: int, reason: str, record_id: str = "") -> None:
        """Add a warning (the row loaded, with something missing)."""
        self.problems.append(Problem(file, line, reason, record_id, warning=True))

    @property
    def warnings(self) -> list[Problem]:
        """The warnings only."""
        return [p for p in self.problems if p.warning]

    def lines(self) -> list[str]:
        """The summary as printed by ``flask referrals import``."""
        kinds = sorted(set(self.added) | set(self.updated) | set(self.removed))
        counts = ", ".join(
            f"{k}: {self.added.get(k, 0)} added, {self.updated.get(k, 0)} updated"
            + (f", {self.removed[k]} removed" if self.removed.get(k) else "")
            for k in kinds
        )
        out = [f"HSDS {self.version}: read {', '.join(self.files_read)}", counts or "nothing loaded"]
        if self.not_offered:
            out.append(
                "not offered to callers: " + ", ".join(f"{n} {why}" for why, n in sorted(self.not_offered.items()))
            )
        errors = len(self.problems) - len(self.warnings)
        out.append(f"{errors} problem(s), {len(self.warnings)} warning(s)")
        return out


@dataclass
class _Row:
    file: str
    line: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()

    @property
    def id(self) -> str:
        return self.get("id")


# --- finding the files ------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryFiles:
    """The CSV file of each kind, the HSDS version they are, and the folder they were found in."""

    files: dict[str, Path]
    version: str
    folder: Path


@contextmanager
def opened(path: Path) -> Iterator[DirectoryFiles]:
    """The files of a directory given as a folder, a zip file or a ``datapackage.json`` path."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile as error:
            raise DirectoryImportError(f"{path.name}: not a zip file ({error})") from None
        with archive, tempfile.TemporaryDirectory(prefix="hsds-") as folder:
            for member in archive.infolist():
                # Only CSV files and the package description; nothing may land outside the folder.
                name = Path(member.filename)
                if member.is_dir() or name.is_absolute() or ".." in name.parts:
                    continue
                if name.suffix.lower() in {".csv", ".json"}:
                    archive.extract(member, folder)
            yield find_files(Path(folder))
        return
    yield find_files(path)


def find_files(path: Path) -> DirectoryFiles:
    """The CSV file of each kind in a folder (or beside/below a ``datapackage.json``), and the HSDS version."""
    path = Path(path)
    package = path if path.is_file() and path.name.lower().endswith(".json") else path / "datapackage.json"
    folder = package.parent
    if not folder.is_dir() or (path.is_file() and path != package):
        raise DirectoryImportError(f"{path}: not a folder, a zip file or a datapackage.json")
    # The CSV files sit beside the package, in data/, or in the one folder a zip unpacked to.
    places = [folder, folder / "data", *sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "data")]
    places += [p / "data" for p in places[2:]]
    by_name = {name: kind for kind, names in FILES.items() for name in names}
    found: dict[str, Path] = {}
    declared_version = ""
    if package.is_file():
        try:
            described = json.loads(package.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise DirectoryImportError(f"{package.name}: cannot be read ({error})") from None
        declared_version = str(described.get("version") or "") if isinstance(described, dict) else ""
        resources = described.get("resources", []) if isinstance(described, dict) else []
        for resource in resources if isinstance(resources, list) else []:
            if not isinstance(resource, dict):
                continue
            relative = str(resource.get("path") or "")
            kind = by_name.get(Path(relative).name.lower()) or by_name.get(f"{resource.get('name', '')}.csv")
            for place in places:
                candidate = place / relative
                if kind and relative and candidate.is_file():
                    found.setdefault(kind, candidate)
                    break
    for place in places:
        for csv_path in sorted(place.glob("*.csv")) if place.is_dir() else ():
            kind = by_name.get(csv_path.name.lower())
            if kind:
                found.setdefault(kind, csv_path)
    missing = [kind for kind in REQUIRED if kind not in found]
    if missing:
        names = " or ".join(FILES[missing[0]])
        raise DirectoryImportError(f"{path}: no {names} (the services of the directory)")
    return DirectoryFiles(found, hsds_version({p.name.lower() for p in found.values()}, declared_version), folder)


def hsds_version(names: set[str], declared: str = "") -> str:
    """The HSDS version a set of file names is: "3.0", "2.0" or "1.1" (the package's own label only when unsure)."""
    if names & _V3_NAMES or declared.startswith("3"):
        return "3.0"
    if names & _V2_NAMES or declared.startswith("2"):
        return "2.0"
    return "1.1"


def _read(path: Path) -> Iterator[_Row]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        header = [(name or "").strip().lower() for name in next(reader, [])]
        while True:
            # A quoted value may span lines: the record is reported at the line where it starts.
            first_line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            if not cells or not any(cell.strip() for cell in cells):
                continue
            # Unknown extra columns are simply never read; a short row reads as empty values.
            values = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header) if name}
            yield _Row(path.name, first_line, values)


# --- categories ----------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """A taxonomy term a service is filed under: its code (AIRS or the term's id) and name."""

    code: str
    name: str

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip() if self.code != self.name else self.name


@dataclass(frozen=True)
class Classification:
    """The hotline's categories of a service (most specific first), whether it serves perpetrators, and why."""

    categories: tuple[str, ...]
    perpetrators: bool
    decided_by: str  # "taxonomy", "words" or "nothing"

    @property
    def category(self) -> str:
        """The first category, or "other"."""
        return self.categories[0] if self.categories else "other"


@cache
def taxonomy_table(path: Path = TAXONOMY_TABLE) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The repository's mapping table: (AIRS code → categories, term name → categories)."""
    airs: dict[str, tuple[str, ...]] = {}
    terms: dict[str, tuple[str, ...]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            categories = tuple(row["categories"].split())
            for category in categories:
                if category not in CATEGORIES and category != PERPETRATORS:
                    raise ValueError(f"{path.name}: unknown category {category!r}")
            value = row["value"].strip()
            if row["kind"] == "airs":
                airs[value.upper()] = categories
            else:
                terms[value.lower()] = categories
    return airs, terms


@cache
def category_rules(path: Path = CATEGORY_TABLE) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """The word → category table for directories without a taxonomy, in order."""
    rules = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            category, word = row["category"].strip(), row["word"].strip().lower()
            if category not in CATEGORIES and category != PERPETRATORS:
                raise ValueError(f"{path.name}: unknown category {category!r}")
            rules.append((category, re.compile(rf"\b{re.escape(word)}(?:s|es)?\b")))
    return tuple(rules)


def _airs_categories(code: str) -> tuple[str, ...] | None:
    # The longest listed prefix at a segment boundary decides: "BH-1800.1500-100" before "BH-1800".
    airs, _ = taxonomy_table()
    candidate = code.upper()
    while candidate:
        if candidate in airs:
            return airs[candidate]
        cut = max(candidate.rfind("."), candidate.rfind("-"))
        candidate = candidate[:cut] if cut > 0 else ""
    return None


def _words(text: str) -> list[str]:
    lowered = text.lower()
    return [category for category, pattern in category_rules() if pattern.search(lowered)]


def classify(terms: Iterable[Term], name: str, description: str | None) -> Classification:
    """A service's categories: from its taxonomy through the mapping table, else whole words of its name, else of
    its description. Perpetrator services are found by taxonomy and by the words of name and description alike."""
    _, by_name = taxonomy_table()
    found: list[str] = []
    known_vocabulary = False
    for term in terms:
        mapped = None
        if _AIRS.match(term.code.upper()):
            known_vocabulary = True
            mapped = _airs_categories(term.code)
        if mapped is None:
            mapped = by_name.get(term.name.lower()) or by_name.get(term.code.lower())
            known_vocabulary = known_vocabulary or mapped is not None
        found += mapped or ()
    decided_by = "taxonomy" if known_vocabulary else "nothing"
    if not known_vocabulary:
        # No taxonomy the table knows: whole words of the name first, the description only when the name says nothing.
        found = _words(name) or _words(description or "")
        decided_by = "words" if found else "nothing"
    perpetrators = PERPETRATORS in found or PERPETRATORS in _words(f"{name}\n{description or ''}")
    ordered = tuple(c for c in CATEGORIES if c in found and c != "other")
    return Classification(ordered, perpetrators, decided_by)


def categorize(terms: Iterable[str | Term], name: str, description: str | None) -> str:
    """The first hotline category of a service (see ``classify``)."""
    given = [t if isinstance(t, Term) else Term(t, t) for t in terms]
    return classify(given, name, description).category


# --- values ---------------------------------------------------------------------


def language_codes(value: str) -> list[str]:
    """The languages a cell names: "Spanish", "es", "spa", "es-MX", "en, es", "Spanish and Creole. A line is
    available". Words that name no language are not kept."""
    found: list[str] = []
    for part in re.split(r"[,;/&\n]+", value.strip().lower()):
        part = part.strip(" .()*")
        if not part:
            continue
        code = re.split(r"[-_]", part)[0]
        if part in _THREE_LETTER:
            found.append(_THREE_LETTER[part])
        elif re.fullmatch(r"[a-z]{2,3}(?:[-_][a-z0-9]{2,8})?", part) and code in _ISO_CODES:
            found.append(_THREE_LETTER.get(code, code))
        else:
            # Free text: every language it names, as whole words.
            found += [_LANGUAGES[word] for word in _LANGUAGE_WORDS.findall(part)]
    return list(dict.fromkeys(found))


def language_code(value: str) -> str | None:
    """The first language a cell names, or None."""
    codes = language_codes(value)
    return codes[0] if codes else None


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


def dialable(value: str) -> tuple[str, str | None] | None:
    """A directory's phone cell → (number, extension): E.164, or a short code such as 211 kept as dialled."""
    text = value.strip()
    extension = None
    match = _EXTENSION.match(text)
    if match:
        text, extension = match[1], match[2]
    short = _SHORT_CODE.match(text)
    if short:
        return short[1], extension
    number = to_e164(text)
    return (number, extension) if number else None


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
    taxonomy: dict[str, Term] = field(default_factory=dict)
    terms: dict[str, list[Term]] = field(default_factory=lambda: defaultdict(list))
    hours: dict[str, dict[str, Any]] = field(default_factory=dict)
    service_phones: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    location_phones: dict[str, str] = field(default_factory=dict)
    organization_phones: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def import_directory(
    session: Session,
    path: Path,
    now: datetime | None = None,
    progress: Callable[[Iterable[_Row], str], Iterable[_Row]] | None = None,
    source: str = "default",
    max_miles: float = 60.0,
) -> ImportSummary:
    """Load an HSDS directory (folder, zip or datapackage.json) as ``source``; returns the summary.

    Raises DirectoryImportError when nothing can be read. The nearest services per ZIP code and category are
    computed again at the end, within ``max_miles``.
    """
    with opened(Path(path)) as found:
        return _import(session, found, now or utcnow(), progress, source, max_miles)


def _import(
    session: Session,
    found: DirectoryFiles,
    now: datetime,
    progress: Callable[[Iterable[_Row], str], Iterable[_Row]] | None,
    source: str,
    max_miles: float,
) -> ImportSummary:
    files = found.files
    summary = ImportSummary(version=found.version)
    summary.files_read = [str(files[kind].relative_to(found.folder)) for kind in FILES if kind in files]
    parsed = _Parsed()

    def rows(kind: str) -> Iterable[_Row]:
        if kind not in files:
            return ()
        reading = _read(files[kind])
        return progress(reading, files[kind].name) if progress else reading

    for row in rows("organizations"):
        _organization(row, parsed, summary, now, source)
    for row in rows("services"):
        _service(row, parsed, summary, now, source, has_organizations="organizations" in files)
    for row in rows("locations"):
        _location(row, parsed, summary, now, source)
    for row in rows("addresses"):
        _address(row, parsed, summary)
    _position_from_zip(parsed, summary)
    for row in rows("taxonomy"):
        code = row.get("code") or row.id
        parsed.taxonomy[row.id] = Term(code, row.get("name") or row.get("term") or code)
    for row in rows("service_taxonomy"):
        _service_term(row, parsed, summary)
    for row in rows("languages"):
        _language(row, parsed, summary)
    for row in rows("phones"):
        _phone(row, parsed, summary)
    for row in rows("services_at_location"):
        _link(row, parsed, summary)
    for row in rows("schedules"):
        _hours(row, parsed, summary)
    _write(session, parsed, summary, now, source, hours_read="schedules" in files)
    refresh_nearest(session, max_miles)
    return summary


def _organization(row: _Row, parsed: _Parsed, summary: ImportSummary, now: datetime, source: str) -> None:
    if not row.id or not row.get("name"):
        summary.report(row.file, row.line, "an organization needs an id and a name", row.id)
        return
    parsed.organizations[row.id] = {
        "id": row.id[:100],
        "name": row.get("name")[:300],
        "description": row.get("description") or None,
        "url": (row.get("url") or row.get("website"))[:500] or None,
        "source": source,
        "updated_at": now,
    }


def _service(
    row: _Row, parsed: _Parsed, summary: ImportSummary, now: datetime, source: str, has_organizations: bool
) -> None:
    if not row.id or not row.get("name"):
        summary.report(row.file, row.line, "a service needs an id and a name", row.id)
        return
    organization = row.get("organization_id")
    if organization and has_organizations and organization not in parsed.organizations:
        # Kept: a missing organization row says nothing about the service itself.
        summary.warn(
            row.file, row.line, f"organization {organization!r} is not in the organizations file; kept", row.id
        )
    parsed.services[row.id] = {
        "id": row.id[:100],
        "organization_id": organization[:100] or None,
        "name": row.get("name")[:300],
        "description": row.get("description") or None,
        "url": row.get("url")[:500] or None,
        "email": row.get("email")[:300] or None,
        "status": (row.get("status") or "active").lower()[:32],
        "source": source,
        "updated_at": now,
    }


def _location(row: _Row, parsed: _Parsed, summary: ImportSummary, now: datetime, source: str) -> None:
    if not row.id:
        summary.report(row.file, row.line, "a location needs an id")
        return
    lat_text, lon_text = row.get("latitude"), row.get("longitude")
    lat, lon = _float(lat_text, -90, 90), _float(lon_text, -180, 180)
    if (lat_text or lon_text) and (lat is None or lon is None):
        summary.report(row.file, row.line, "latitude/longitude is not a valid position; using the ZIP code", row.id)
        lat = lon = None
    parsed.location_lines[row.id] = (row.file, row.line)
    parsed.locations[row.id] = {
        "id": row.id[:100],
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
        "source": source,
        "updated_at": now,
    }


def _address(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    location = parsed.locations.get(row.get("location_id"))
    if location is None:
        summary.report(row.file, row.line, f"location {row.get('location_id')!r} is not in the locations file", row.id)
        return
    if row.get("address_type") and row.get("address_type").lower() not in {"physical", "physical_address"}:
        return  # HSDS 3.0 also lists postal (mailing) addresses: they say nothing about where help is
    postal = row.get("postal_code")
    place = place_for_zip(postal)
    if postal and place is None:
        summary.report(row.file, row.line, f"postal code {postal!r} is not a known US ZIP code", row.id)
    location.update(
        address=" ".join(filter(None, (row.get("address_1"), row.get("address_2"))))[:300] or None,
        city=row.get("city")[:100] or None,
        state=row.get("state_province")[:50] or None,
        postal_code=postal[:10] or None,
        timezone=place.timezone if place else None,
    )
    if location["latitude"] is None and place is not None:
        location.update(latitude=place.latitude, longitude=place.longitude, position_source="zip")


def _position_from_zip(parsed: _Parsed, summary: ImportSummary) -> None:
    for location_id, location in parsed.locations.items():
        if location["timezone"] is None and location["latitude"] is not None:
            place = place_for_zip(location["postal_code"])
            location["timezone"] = place.timezone if place else None
        if location["latitude"] is None:
            file, line = parsed.location_lines[location_id]
            summary.report(
                file, line, "no position: no latitude/longitude and no known ZIP code; not searchable", location_id
            )


def _service_term(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    if "link_id" in row.values:  # HSDS 3.0 attributes.csv links a term to any kind of record
        if row.get("link_entity") and row.get("link_entity").lower() != "service":
            return
        service_id, term_id = row.get("link_id"), row.get("taxonomy_term_id")
    else:  # HSDS 1.1 services_taxonomy.csv, 2.0 service_attributes.csv
        service_id, term_id = row.get("service_id"), row.get("taxonomy_id") or row.get("taxonomy_term_id")
    if service_id not in parsed.services:
        if "link_id" in row.values and row.get("link_entity").lower() != "service":
            return
        summary.report(row.file, row.line, f"service {service_id!r} is not in the services file", row.id)
        return
    term = parsed.taxonomy.get(term_id)
    if term is None and term_id:
        detail = row.get("taxonomy_detail") or row.get("label") or row.get("value") or term_id
        term = Term(term_id, detail)
    if term is not None and term not in parsed.terms[service_id]:
        parsed.terms[service_id].append(term)


def _language(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    # Free text that names no language ("translators available") is not a problem: it is simply not a language.
    codes = language_codes(row.get("code") or row.get("language") or row.get("name"))
    service_id = row.get("service_id")
    if service_id:
        if service_id not in parsed.services:
            summary.report(row.file, row.line, f"service {service_id!r} is not in the services file", row.id)
            return
        parsed.languages[service_id].update(codes)
    elif row.get("location_id"):
        parsed.languages[f"location:{row.get('location_id')}"].update(codes)


def _phone(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    cell = row.get("number").strip('"').strip()
    if not cell:
        return  # an empty optional cell
    number = dialable(cell)
    if number is None:
        summary.report(row.file, row.line, f"phone number {cell!r} does not parse; kept the rest", row.id)
        return
    if row.get("extension"):
        number = (number[0], row.get("extension")[:16])
    service_id = row.get("service_id")
    if service_id:
        if service_id not in parsed.services:
            summary.report(row.file, row.line, f"service {service_id!r} is not in the services file", row.id)
            return
        parsed.service_phones.setdefault(service_id, number)
    elif row.get("location_id"):
        parsed.location_phones.setdefault(row.get("location_id"), number[0])
    elif row.get("organization_id"):
        parsed.organization_phones.setdefault(row.get("organization_id"), number)
    if row.get("language") and service_id:
        parsed.languages[service_id].update(language_codes(row.get("language")))


def _link(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    service_id, location_id = row.get("service_id"), row.get("location_id")
    if service_id not in parsed.services:
        summary.report(row.file, row.line, f"service {service_id!r} is not in the services file", row.id)
        return
    if location_id not in parsed.locations:
        summary.report(row.file, row.line, f"location {location_id!r} is not in the locations file", row.id)
        return
    parsed.links[row.id or f"{service_id}@{location_id}"] = (service_id, location_id)


def _hours(row: _Row, parsed: _Parsed, summary: ImportSummary) -> None:
    service_id, location_id = row.get("service_id") or None, row.get("location_id") or None
    if row.get("service_at_location_id") and not (service_id or location_id):
        link = parsed.links.get(row.get("service_at_location_id"))
        service_id, location_id = link if link else (None, None)
    if not (service_id or location_id):
        summary.report(row.file, row.line, "a schedule needs a service or a location", row.id)
        return
    if service_id and service_id not in parsed.services:
        summary.report(row.file, row.line, f"service {service_id!r} is not in the services file", row.id)
        return
    if not (row.get("opens_at") or row.get("closes_at")):
        return  # a day named without hours (its description says them): nothing to keep, nothing wrong
    days = weekdays(row.get("weekday") or row.get("byday"))
    opens, closes = parse_clock(row.get("opens_at")), parse_clock(row.get("closes_at"))
    if days is None:
        summary.report(row.file, row.line, f"weekday {row.get('weekday') or row.get('byday')!r} is not a day", row.id)
        return
    if opens is None or closes is None:
        summary.report(row.file, row.line, "opens_at/closes_at is not a time such as 09:00", row.id)
        return
    base = row.id or f"{row.file}:{row.line}"
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


def _remove_stale(
    session: Session, model: Any, keep: set[str], source: str, kind: str, summary: ImportSummary
) -> list[str]:
    stale = [i for i in session.scalars(select(model.id).where(model.source == source)) if i not in keep]
    for i in range(0, len(stale), _CHUNK):
        session.execute(delete(model).where(model.id.in_(stale[i : i + _CHUNK])))
    summary.removed[kind] += len(stale)
    return stale


def _in_chunks(session: Session, statement: Callable[[list[str]], Any], ids: list[str]) -> None:
    for i in range(0, len(ids), _CHUNK):
        session.execute(statement(ids[i : i + _CHUNK]))


def _write(
    session: Session, parsed: _Parsed, summary: ImportSummary, now: datetime, source: str, hours_read: bool
) -> None:
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
        found = classify(terms, service["name"], service["description"])
        service["terms"] = " | ".join(map(str, terms))[:4000] or None
        if service_id in corrected:
            service["category"], service["categories"] = corrected[service_id], corrected[service_id]
        else:
            service["category"], service["categories"] = found.category, ",".join(found.categories)
        service["categorised_by"] = found.decided_by
        service["flag"] = None
        if found.perpetrators:
            service["flag"] = PERPETRATORS
        elif service["status"] in _INACTIVE_STATUSES or _INACTIVE_TEXT.search(service["description"] or ""):
            service["flag"] = INACTIVE
        if service["flag"]:
            summary.not_offered[service["flag"]] += 1
        service["languages"] = ",".join(sorted(parsed.languages.get(service_id, set())))[:200]
        phone, extension = parsed.service_phones.get(service_id) or parsed.organization_phones.get(
            service["organization_id"] or "", (None, None)
        )
        service["phone"], service["phone_extension"] = phone, extension
    _upsert(session, Organization, list(parsed.organizations.values()), "organizations", summary)
    _upsert(session, Service, list(parsed.services.values()), "services", summary)
    _upsert(session, Location, list(parsed.locations.values()), "locations", summary)
    # What this directory held before and the new files no longer hold goes (entries and hours with it).
    gone_services = _remove_stale(session, Service, set(parsed.services), source, "services", summary)
    gone_locations = _remove_stale(session, Location, set(parsed.locations), source, "locations", summary)
    _remove_stale(session, Organization, set(parsed.organizations), source, "organizations", summary)
    _in_chunks(session, lambda ids: delete(DirectoryEntry).where(DirectoryEntry.service_id.in_(ids)), gone_services)
    _in_chunks(session, lambda ids: delete(DirectoryEntry).where(DirectoryEntry.location_id.in_(ids)), gone_locations)
    _in_chunks(session, lambda ids: delete(OpeningHours).where(OpeningHours.service_id.in_(ids)), gone_services)
    _in_chunks(session, lambda ids: delete(OpeningHours).where(OpeningHours.location_id.in_(ids)), gone_locations)
    if hours_read:
        # Hours expand to one row per day: replace those of what the schedules file describes. Without a schedules
        # file the hours already known are kept (a re-import from fewer files takes nothing away).
        existing = _existing(session, OpeningHours, list(parsed.hours))
        _in_chunks(
            session, lambda ids: delete(OpeningHours).where(OpeningHours.service_id.in_(ids)), list(parsed.services)
        )
        _in_chunks(
            session, lambda ids: delete(OpeningHours).where(OpeningHours.location_id.in_(ids)), list(parsed.locations)
        )
        if parsed.hours:
            session.execute(insert(OpeningHours), list(parsed.hours.values()))
        summary.added["opening hours"] += len(parsed.hours) - len(existing)
        summary.updated["opening hours"] += len(existing)
    _write_entries(session, parsed, summary, now)


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
        languages = set(parsed.languages.get(service_id, set())) | parsed.languages.get(
            f"location:{location_id}", set()
        )
        entries.append(
            {
                "id": entry_id[:100],
                "service_id": service_id,
                "location_id": location_id,
                "category": service["category"],
                "categories": f",{service['categories']},",
                "offered": service["flag"] is None,
                "latitude": location["latitude"],
                "longitude": location["longitude"],
                "languages": ",".join(sorted(languages))[:200],
                "updated_at": now,
            }
        )
    # Entries are derived from the services and links: replace those of the services the files describe.
    existing = _existing(session, DirectoryEntry, [e["id"] for e in entries])
    _in_chunks(
        session, lambda ids: delete(DirectoryEntry).where(DirectoryEntry.service_id.in_(ids)), list(parsed.services)
    )
    if entries:
        session.execute(insert(DirectoryEntry), entries)
    summary.added["services at locations"] += len(entries) - len(existing)
    summary.updated["services at locations"] += len(existing)
