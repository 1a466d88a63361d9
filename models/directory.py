"""The referral directory: local victim services imported from Open Referral (HSDS), and referrals given.

Rows keep the HSDS ids of the file they came from, so a re-import updates them
in place. ``DirectoryEntry`` is one service at one location with what the
nearest-services search needs (category, position, languages) on one indexed
row; ``nearest`` reads it with a bounding box on the indexed latitude and
longitude and then the exact great-circle distance.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    Boolean,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from callflows import hours
from callflows.hours import WeeklyHours, parse_clock
from models.base import Base, utcnow

# The categories the hotline speaks of, in the order a caller hears them.
CATEGORIES = (
    "domestic_violence",
    "sexual_assault",
    "legal_help",
    "counselling",
    "shelter",
    "victim_compensation",
    "other",
)
EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LAT = 69.05


class NotOffered(Exception):
    """The service is never given to a caller: it serves people who harm ("perpetrators"), or it is "inactive"."""


class Organization(Base):
    """An HSDS organization: who runs one or more services."""

    __tablename__ = "directory_organizations"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    # Which imported directory the row came from: a re-import of it removes what it no longer holds.
    source: Mapped[str] = mapped_column(String(100), default="default")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Service(Base):
    """An HSDS service, with the hotline's category for it."""

    __tablename__ = "directory_services"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organization_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(32), default="active")
    # Taxonomy terms from the file, "|"-separated: the evidence the category was mapped from.
    terms: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32), default="other")
    # Every hotline category of the service, comma-separated (a shelter that is also a DV program has both).
    categories: Mapped[str] = mapped_column(String(200), default="")
    # "taxonomy", "words" or "nothing": how the categories were decided.
    categorised_by: Mapped[str] = mapped_column(String(16), default="")
    # Why a service is never offered to a caller: "perpetrators" (it serves people who harm) or "inactive".
    flag: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(100), default="default")
    # An admin's correction survives re-imports.
    category_corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    # Language codes the service lists ("en,es"), lower case.
    languages: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(32))
    phone_extension: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Location(Base):
    """An HSDS location with its position and time zone."""

    __tablename__ = "directory_locations"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organization_id: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(50))
    postal_code: Mapped[str | None] = mapped_column(String(10), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # "file" when the file gave coordinates, "zip" for a postal-code centroid.
    position_source: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(100), default="default")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DirectoryEntry(Base):
    """One service at one location (HSDS ``service_at_location``), denormalised for the search."""

    __tablename__ = "directory_entries"
    # By category and position; and by position alone for "any kind of help".
    __table_args__ = (
        Index("ix_directory_entries_search", "category", "latitude", "longitude"),
        Index("ix_directory_entries_position", "latitude", "longitude"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("directory_services.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("directory_locations.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(32))
    # ",shelter,domestic_violence,": every category, comma-fenced so one can be matched whole.
    categories: Mapped[str] = mapped_column(String(250), default="")
    # False for a service never offered to a caller (perpetrators, inactive); operators still see it.
    offered: Mapped[bool] = mapped_column(Boolean, default=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    languages: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class NearestList(Base):
    """The nearest services to one ZIP code in one category ("any" for any), computed when the directory changes.

    ``listing`` is JSON: up to three services nearest first, each with what a caller hears (name, phone,
    distance, weekly hours and time zone), so the voice step reads one row by its key.
    """

    __tablename__ = "directory_nearest"

    zip: Mapped[str] = mapped_column(String(5), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    listing: Mapped[str] = mapped_column(Text)


class OpeningHours(Base):
    """One weekly opening span of a service or location (HSDS regular_schedules / schedule)."""

    __tablename__ = "directory_hours"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    service_id: Mapped[str | None] = mapped_column(String(100), index=True)
    location_id: Mapped[str | None] = mapped_column(String(100), index=True)
    # 0 = Monday ... 6 = Sunday, like ``datetime.weekday()``.
    weekday: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[str] = mapped_column(String(5))
    closes_at: Mapped[str] = mapped_column(String(5))


class Referral(Base):
    """A service an operator gave a caller on a callback request."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("callback_requests.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[str] = mapped_column(String(100))
    # Kept as given, so a report still names it after the directory changes.
    service_name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(32))
    operator_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_dict(self) -> dict[str, object]:
        """The row for the API."""
        return {
            "id": self.id,
            "request_id": self.request_id,
            "service_id": self.service_id,
            "service_name": self.service_name,
            "category": self.category,
            "operator_id": self.operator_id,
            "at": self.at.isoformat(),
        }


# --- the search -----------------------------------------------------------------


@dataclass(frozen=True)
class Nearby:
    """A service found near a point: what a caller hears and an operator sees."""

    entry_id: str
    service_id: str
    name: str
    category: str
    miles: float
    phone: str | None
    languages: tuple[str, ...]
    speaks_language: bool
    open_now: bool | None
    city: str | None = None
    state: str | None = None
    address: str | None = None
    categories: tuple[str, ...] = ()
    organization: str | None = None
    flag: str | None = None
    phone_extension: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The result for the API."""
        return {
            "service_id": self.service_id,
            "name": self.name,
            "organization": self.organization,
            "category": self.category,
            "categories": list(self.categories or (self.category,)),
            "miles": round(self.miles, 1),
            "phone": self.phone,
            "phone_extension": self.phone_extension,
            "languages": list(self.languages),
            "open_now": self.open_now,
            "address": self.address,
            "city": self.city,
            "state": self.state,
            "flag": self.flag,
        }


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points, in miles."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, miles: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) of a box that holds every point within ``miles``."""
    dlat = miles / MILES_PER_DEGREE_LAT
    cos = max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 0.01)
    dlon = miles / (MILES_PER_DEGREE_LAT * cos)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


@dataclass
class SearchQuery:
    """What to look for: near a point, in a category. ``language`` only marks who speaks it: nearest comes first."""

    latitude: float
    longitude: float
    category: str | None = None
    language: str | None = None
    max_miles: float = 60.0
    limit: int = 3
    now: datetime = field(default_factory=utcnow)
    # Operators also see the services never offered to a caller, with the reason.
    include_not_offered: bool = False


def nearest(session: Session, query: SearchQuery) -> list[Nearby]:
    """The nearest services within ``max_miles``, nearest first (the live search the dashboard uses)."""
    return nearest_counted(session, query)[0]


def nearest_counted(session: Session, query: SearchQuery) -> tuple[list[Nearby], int]:
    """The nearest services within ``max_miles``, nearest first, and how many services are within reach in all.

    One indexed range scan on latitude with the longitude filtered on the same index, then the exact
    distance for the rows in the box. Callers read ``read_nearest``'s precomputed lists instead.
    """
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(query.latitude, query.longitude, query.max_miles)
    entry = DirectoryEntry.__table__.c
    rows = select(
        entry.id, entry.service_id, entry.location_id, entry.latitude, entry.longitude, entry.languages
    ).where(entry.latitude.between(lat_lo, lat_hi), entry.longitude.between(lon_lo, lon_hi))
    if query.category:
        rows = rows.where(entry.categories.contains(f",{query.category},"))
    elif not query.include_not_offered:
        rows = rows.where(entry.categories != ",,")  # "any kind of help" means any of the hotline's kinds
    if not query.include_not_offered:
        rows = rows.where(entry.offered.is_(True))
    found = []
    # Core on the session's connection: thousands of plain rows need no ORM identity map.
    for entry_id, service_id, location_id, lat, lon, languages in session.connection().execute(rows):
        miles = haversine_miles(query.latitude, query.longitude, lat, lon)
        if miles <= query.max_miles:
            langs = tuple(x for x in languages.split(",") if x)
            found.append((miles, entry_id, service_id, location_id, langs))
    found.sort()
    chosen: list[tuple] = []
    seen_services: set[str] = set()
    for item in found:
        if item[2] in seen_services:
            continue  # one service at two nearby locations is one answer
        seen_services.add(item[2])
        chosen.append(item)
        if len(chosen) == query.limit:
            break
    within = len({item[2] for item in found})
    return [
        replace(card.nearby(miles, query.language, query.now), entry_id=entry_id)
        for (miles, entry_id, *_), card in zip(chosen, _cards(session, [c[1] for c in chosen]), strict=True)
    ], within


@dataclass(frozen=True)
class _Card:
    """What is said and shown of one service at one location, gathered once."""

    service_id: str
    name: str
    category: str
    categories: tuple[str, ...]
    phone: str | None
    extension: str | None
    languages: tuple[str, ...]
    timezone: str | None
    hours: tuple[tuple[int, str, str], ...]
    city: str | None
    state: str | None
    address: str | None
    organization: str | None
    flag: str | None

    def nearby(self, miles: float, language: str | None, now: datetime) -> Nearby:
        return Nearby(
            entry_id="",
            service_id=self.service_id,
            name=self.name,
            category=self.category,
            miles=miles,
            phone=self.phone,
            languages=self.languages,
            speaks_language=bool(language) and language in self.languages,
            open_now=_open_at(list(self.hours), self.timezone, now),
            city=self.city,
            state=self.state,
            address=self.address,
            categories=self.categories,
            organization=self.organization,
            flag=self.flag,
            phone_extension=self.extension,
        )

    def as_json(self) -> str:
        """The card as the inside of a JSON list, the distance left to put in front (``read_nearest``)."""
        hours = ";".join(f"{d} {o} {c}" for d, o, c in self.hours)
        fields = [self.service_id, self.name, self.category, self.phone, ",".join(self.languages), self.timezone,
                  hours, self.city, self.state]  # fmt: skip
        return json.dumps(fields)[1:-1]


def _cards(session: Session, entry_ids: list[str]) -> list[_Card]:
    # Three queries for all of them (the entries with their service, location and organization; then hours).
    if not entry_ids:
        return []
    ent, svc, loc, org = (m.__table__.c for m in (DirectoryEntry, Service, Location, Organization))
    hrs = OpeningHours.__table__.c
    connection = session.connection()
    rows = {}
    for i in range(0, len(entry_ids), 500):
        found = connection.execute(
            select(
                ent.id, ent.service_id, ent.location_id, ent.languages, svc.name, svc.category, svc.categories,
                svc.phone, svc.phone_extension, svc.flag, loc.phone.label("location_phone"), loc.timezone, loc.city,
                loc.state, loc.address, org.name.label("organization"),
            )
            .join(Service.__table__, svc.id == ent.service_id)
            .join(Location.__table__, loc.id == ent.location_id)
            .outerjoin(Organization.__table__, org.id == svc.organization_id)
            .where(ent.id.in_(entry_ids[i : i + 500]))
        )  # fmt: skip
        rows.update({row.id: row for row in found})
    services = list({row.service_id for row in rows.values()})
    locations = list({row.location_id for row in rows.values()})
    spans: dict[str, list[tuple[int, str, str]]] = {}
    for i in range(0, max(len(services), len(locations)), 500):
        for h in connection.execute(
            select(hrs.service_id, hrs.location_id, hrs.weekday, hrs.opens_at, hrs.closes_at).where(
                hrs.service_id.in_(services[i : i + 500]) | hrs.location_id.in_(locations[i : i + 500])
            )
        ):
            key = f"s:{h.service_id}" if h.service_id else f"l:{h.location_id}"
            spans.setdefault(key, []).append((h.weekday, h.opens_at, h.closes_at))
    cards = []
    for entry_id in entry_ids:
        row = rows[entry_id]
        hours = spans.get(f"s:{row.service_id}") or spans.get(f"l:{row.location_id}") or []
        cards.append(
            _Card(
                service_id=row.service_id,
                name=row.name,
                category=row.category,
                categories=tuple(c for c in (row.categories or row.category).split(",") if c),
                phone=row.phone or row.location_phone,
                extension=row.phone_extension if row.phone else None,
                languages=tuple(x for x in row.languages.split(",") if x),
                timezone=row.timezone,
                hours=tuple(sorted(set(hours))),
                city=row.city,
                state=row.state,
                address=row.address,
                organization=row.organization,
                flag=row.flag,
            )
        )
    return cards


# --- the precomputed lists a caller hears -------------------------------------------------

ANY = "any"
LIST_LENGTH = 3
_WIDEST = 12  # candidates looked at per list before one service at several places needs a full sort


def refresh_nearest(session: Session, max_miles: float, around: list[tuple[float, float]] | None = None) -> int:
    """Compute the nearest services of every ZIP code and category (only near ``around``'s points when given).

    Run after an import and after a category correction; returns how many lists were written. The voice and
    text steps then read one row (``read_nearest``) instead of searching.
    """
    import numpy as np

    from models.places import all_places

    ent = DirectoryEntry.__table__.c
    rows = (
        session.connection()
        .execute(
            select(ent.id, ent.service_id, ent.latitude, ent.longitude, ent.categories).where(
                ent.offered.is_(True), ent.latitude.is_not(None), ent.categories != ",,"
            )
        )
        .all()
    )
    kinds = [c for c in CATEGORIES if c != "other"]
    places = all_places()
    if around is not None:
        reach = max_miles * 2  # every ZIP code whose list may hold, or may now get, a service at these points
        places = [p for p in places if any(haversine_miles(p.latitude, p.longitude, a, b) <= reach for a, b in around)]
    zips = [p.zip for p in places]
    table = NearestList.__table__
    if around is None:
        session.execute(delete(table))
    for i in range(0, len(zips) if around is not None else 0, _CHUNK_ZIPS):
        session.execute(delete(table).where(table.c.zip.in_(zips[i : i + _CHUNK_ZIPS])))
    if not rows or not places:
        return 0
    ids = [r.id for r in rows]
    service_of = [r.service_id for r in rows]
    lat = np.radians(np.array([r.latitude for r in rows]))
    lon = np.radians(np.array([r.longitude for r in rows]))
    bits = np.array([sum(1 << k for k, c in enumerate(kinds) if f",{c}," in r.categories) for r in rows])
    # A grid of one-degree cells: a ZIP code looks only at the cells within reach.
    cells: dict[tuple[int, int], list[int]] = {}
    for index, r in enumerate(rows):
        cells.setdefault((math.floor(r.latitude), math.floor(r.longitude)), []).append(index)
    by_cell: dict[tuple[int, int], list] = {}
    for place in places:
        by_cell.setdefault((math.floor(place.latitude), math.floor(place.longitude)), []).append(place)
    reach_lat = math.ceil(max_miles / MILES_PER_DEGREE_LAT)
    lists: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for (cell_lat, cell_lon), group in by_cell.items():
        cos = max(math.cos(math.radians(min(89.0, abs(cell_lat) + reach_lat + 1))), 0.01)
        reach_lon = math.ceil(max_miles / (MILES_PER_DEGREE_LAT * cos))
        near = [
            i
            for a in range(cell_lat - reach_lat, cell_lat + reach_lat + 1)
            for b in range(cell_lon - reach_lon, cell_lon + reach_lon + 1)
            for i in cells.get((a, b), ())
        ]
        if not near:
            continue
        candidates = np.array(near)
        plat = np.radians(np.array([p.latitude for p in group]))[:, None]
        plon = np.radians(np.array([p.longitude for p in group]))[:, None]
        clat, clon = lat[candidates][None, :], lon[candidates][None, :]
        a = np.sin((clat - plat) / 2) ** 2 + np.cos(plat) * np.cos(clat) * np.sin((clon - plon) / 2) ** 2
        miles = 2 * EARTH_RADIUS_MILES * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        miles[miles > max_miles] = np.inf
        for kind_index, kind in enumerate([ANY, *kinds]):
            if kind == ANY:
                masked = miles
            else:
                has = (bits[candidates] >> (kind_index - 1)) & 1
                masked = np.where(has[None, :] == 1, miles, np.inf)
            # Only places with a service of this kind within reach get a list.
            reachable = np.flatnonzero(np.isfinite(masked).any(axis=1))
            if not reachable.size:
                continue
            width = min(_WIDEST, masked.shape[1])
            order = np.argpartition(masked, width - 1, axis=1)[:, :width] if width < masked.shape[1] else None
            # Few candidates: every row sorted in one call rather than one call per place.
            full = np.argsort(masked[reachable], axis=1) if order is None else None
            for position, row_index in enumerate(reachable.tolist()):
                place = group[row_index]
                picked = (
                    order[row_index][np.argsort(masked[row_index, order[row_index]])]
                    if full is None
                    else full[position]
                )
                chosen = _distinct(picked, masked[row_index], candidates, service_of)
                if len(chosen) < LIST_LENGTH and order is not None and np.isfinite(masked[row_index, picked]).all():
                    chosen = _distinct(np.argsort(masked[row_index]), masked[row_index], candidates, service_of)
                if chosen:
                    lists[(place.zip, kind)] = chosen
    used = sorted({index for chosen in lists.values() for _, index in chosen})
    # Each card is serialised once; a list is its cards with their distances in front.
    cards = {i: card.as_json() for i, card in zip(used, _cards(session, [ids[i] for i in used]), strict=True)}
    values = [
        {"zip": z, "category": kind, "listing": "[" + ",".join(f"[{m:.2f},{cards[i]}]" for m, i in chosen) + "]"}
        for (z, kind), chosen in lists.items()
    ]
    for i in range(0, len(values), 5000):
        session.execute(insert(table), values[i : i + 5000])
    return len(values)


_CHUNK_ZIPS = 500


def _distinct(picked, distances, candidates, service_of: list[str]) -> list[tuple[float, int]]:
    chosen: list[tuple[float, int]] = []
    seen: set[str] = set()
    for position in picked:
        miles = float(distances[position])
        if not math.isfinite(miles):
            break
        index = int(candidates[position])
        if service_of[index] in seen:
            continue  # one service at two nearby locations is one answer
        seen.add(service_of[index])
        chosen.append((miles, index))
        if len(chosen) == LIST_LENGTH:
            break
    return chosen


_LISTING = (
    select(NearestList.__table__.c.listing)
    .where(NearestList.__table__.c.zip == bindparam("zip"), NearestList.__table__.c.category == bindparam("category"))
    .limit(1)
)


def read_nearest(
    db: Session | Connection, zip_code: str, category: str | None, language: str | None, max_miles: float, now: datetime
) -> list[Nearby]:
    """The precomputed nearest services of a ZIP code and category (None: any), nearest first: one row read.

    Takes a plain connection too: a caller's step needs no ORM session for one row.
    """
    connection = db.connection() if isinstance(db, Session) else db
    listing = connection.execute(_LISTING, {"zip": zip_code[:5], "category": category or ANY}).scalar()
    out = []
    for miles, service_id, name, cat, phone, langs, tz, week, city, state in json.loads(listing or "[]"):
        if miles > max_miles:
            break
        spans = [(int(d), o, c) for d, o, c in (span.split(" ") for span in week.split(";") if span)]
        languages = tuple(x for x in langs.split(",") if x)
        out.append(
            Nearby(
                entry_id="",
                service_id=service_id,
                name=name,
                category=cat,
                miles=miles,
                phone=phone,
                languages=languages,
                speaks_language=bool(language) and language in languages,
                open_now=_open_at(spans, tz, now),
                city=city,
                state=state,
            )
        )
    return out


def opening_hours(spans: Iterable[tuple[int, str, str]]) -> WeeklyHours:
    """Stored (weekday, "HH:MM", "HH:MM") rows as weekly hours; a row closing before it opens runs past midnight."""
    rows = ((day, parse_clock(opens), parse_clock(closes)) for day, opens, closes in spans)
    return WeeklyHours.from_spans((day, opens, closes) for day, opens, closes in rows if opens and closes)


def _open_at(spans: list[tuple[int, str, str]], timezone: str | None, now: datetime) -> bool | None:
    if not spans:
        return None
    try:
        zone = ZoneInfo(timezone or "America/New_York")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("America/New_York")
    return hours.is_open(now, opening_hours(spans), (), zone)


def open_now(session: Session, service_id: str, location_id: str, timezone: str | None, now: datetime) -> bool | None:
    """True/False from the weekly hours in the location's own time zone; None when no hours are known."""
    spans = session.execute(
        select(OpeningHours.weekday, OpeningHours.opens_at, OpeningHours.closes_at).where(
            (OpeningHours.service_id == service_id) | (OpeningHours.location_id == location_id)
        )
    ).all()
    return _open_at([tuple(span) for span in spans], timezone, now)


def search_services(
    session: Session,
    *,
    text: str | None = None,
    category: str | None = None,
    language: str | None = None,
    limit: int = 50,
) -> tuple[list[tuple[Service, Location | None, Organization | None]], int]:
    """Services by city, name or organization, category and language, for the operators' search; and how many
    there are in all (the list holds at most ``limit``)."""
    query = (
        select(Service, Location, Organization)
        .join(DirectoryEntry, DirectoryEntry.service_id == Service.id)
        .join(Location, Location.id == DirectoryEntry.location_id)
        .outerjoin(Organization, Organization.id == Service.organization_id)
    )
    if category:
        query = query.where(DirectoryEntry.categories.contains(f",{category},"))
    if language:
        query = query.where(("," + Service.languages + ",").contains(f",{language},"))
    if text:
        like = f"%{text.strip().lower()}%"
        query = query.where(
            func.lower(Location.city).like(like)
            | func.lower(Service.name).like(like)
            | func.lower(Organization.name).like(like)
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Service.name, Service.id).limit(limit))
    return [(service, location, organization) for service, location, organization in rows], total


def correct_category(session: Session, service_id: str, category: str, max_miles: float = 60.0) -> Service:
    """An admin sets a service's category; re-imports keep it, and the lists near it are computed again
    (raises KeyError/ValueError)."""
    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
    service = session.get(Service, service_id)
    if service is None:
        raise KeyError(service_id)
    service.category = category
    service.categories = category
    service.category_corrected = True
    service.updated_at = utcnow()
    around = []
    for entry in session.scalars(select(DirectoryEntry).where(DirectoryEntry.service_id == service_id)):
        entry.category = category
        entry.categories = f",{category},"
        if entry.latitude is not None:
            around.append((entry.latitude, entry.longitude))
    session.flush()
    if around:
        refresh_nearest(session, max_miles, around)
    return service


def record_referral(
    session: Session, request_id: int, service_id: str, operator_id: int | None, now: datetime
) -> Referral:
    """Record that a service was given on a request (raises KeyError for an unknown service, NotOffered for one
    that is never given to a caller)."""
    service = session.get(Service, service_id)
    if service is None:
        raise KeyError(service_id)
    if service.flag:
        raise NotOffered(service.flag)
    referral = Referral(
        request_id=request_id,
        service_id=service.id,
        service_name=service.name,
        category=service.category,
        operator_id=operator_id,
        at=now,
    )
    session.add(referral)
    session.flush()
    return referral


def referrals_for(session: Session, request_id: int) -> list[Referral]:
    """The services given on a request, oldest first."""
    return list(session.scalars(select(Referral).where(Referral.request_id == request_id).order_by(Referral.id)))
