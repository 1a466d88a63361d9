"""The referral directory: local victim services imported from Open Referral (HSDS), and referrals given.

Rows keep the HSDS ids of the file they came from, so a re-import updates them
in place. ``DirectoryEntry`` is one service at one location with what the
nearest-services search needs (category, position, languages) on one indexed
row; ``nearest`` reads it with a bounding box on the indexed latitude and
longitude and then the exact great-circle distance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, func, select
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


class Organization(Base):
    """An HSDS organization: who runs one or more services."""

    __tablename__ = "directory_organizations"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))
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
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    languages: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


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

    def as_dict(self) -> dict[str, object]:
        """The result for the API."""
        return {
            "service_id": self.service_id,
            "name": self.name,
            "category": self.category,
            "miles": round(self.miles, 1),
            "phone": self.phone,
            "languages": list(self.languages),
            "open_now": self.open_now,
            "address": self.address,
            "city": self.city,
            "state": self.state,
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
    """What to look for: near a point, in a category, preferring a language."""

    latitude: float
    longitude: float
    category: str | None = None
    language: str | None = None
    max_miles: float = 60.0
    limit: int = 3
    now: datetime = field(default_factory=utcnow)


def nearest(session: Session, query: SearchQuery) -> list[Nearby]:
    """The nearest services within ``max_miles``: those that list the language first, then by distance.

    One indexed range scan (category, latitude) with the longitude filtered on the
    same index, then the exact distance for the few rows in the box.
    """
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(query.latitude, query.longitude, query.max_miles)
    entry = DirectoryEntry.__table__.c
    rows = select(
        entry.id, entry.service_id, entry.location_id, entry.latitude, entry.longitude, entry.languages
    ).where(entry.latitude.between(lat_lo, lat_hi), entry.longitude.between(lon_lo, lon_hi))
    if query.category:
        rows = rows.where(entry.category == query.category)
    found = []
    # Core on the session's connection: thousands of plain rows need no ORM identity map.
    for entry_id, service_id, location_id, lat, lon, languages in session.connection().execute(rows):
        miles = haversine_miles(query.latitude, query.longitude, lat, lon)
        if miles <= query.max_miles:
            langs = tuple(x for x in languages.split(",") if x)
            speaks = bool(query.language) and query.language in langs
            found.append((not speaks, miles, entry_id, service_id, location_id, langs, speaks))
    found.sort()
    chosen: list[tuple] = []
    seen_services: set[str] = set()
    for item in found:
        if item[3] in seen_services:
            continue  # one service at two nearby locations is one answer
        seen_services.add(item[3])
        chosen.append(item)
        if len(chosen) == query.limit:
            break
    return _describe(session, chosen, query.now)


def _describe(session: Session, chosen: list[tuple], now: datetime) -> list[Nearby]:
    # Two more queries for all of them (names, phones, places; then opening hours), in Core.
    if not chosen:
        return []
    svc, loc, hrs = Service.__table__.c, Location.__table__.c, OpeningHours.__table__.c
    connection = session.connection()
    services = {
        row.id: row
        for row in connection.execute(
            select(svc.id, svc.name, svc.category, svc.phone).where(svc.id.in_([c[3] for c in chosen]))
        )
    }
    locations = {
        row.id: row
        for row in connection.execute(
            select(loc.id, loc.phone, loc.timezone, loc.city, loc.state, loc.address).where(
                loc.id.in_([c[4] for c in chosen])
            )
        )
    }
    hours = connection.execute(
        select(hrs.service_id, hrs.location_id, hrs.weekday, hrs.opens_at, hrs.closes_at).where(
            hrs.service_id.in_(list(services)) | hrs.location_id.in_(list(locations))
        )
    ).all()
    out = []
    for _, miles, entry_id, service_id, location_id, langs, speaks in chosen:
        service, location = services[service_id], locations[location_id]
        spans = [(h[2], h[3], h[4]) for h in hours if h[0] == service_id or h[1] == location_id]
        out.append(
            Nearby(
                entry_id=entry_id,
                service_id=service_id,
                name=service.name,
                category=service.category,
                miles=miles,
                phone=service.phone or location.phone,
                languages=langs,
                speaks_language=speaks,
                open_now=_open_at(spans, location.timezone, now),
                city=location.city,
                state=location.state,
                address=location.address,
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
) -> list[tuple[Service, Location | None]]:
    """Services by city/name text, category and language, for the operators' directory search."""
    query = (
        select(Service, Location)
        .join(DirectoryEntry, DirectoryEntry.service_id == Service.id)
        .join(Location, Location.id == DirectoryEntry.location_id)
    )
    if category:
        query = query.where(Service.category == category)
    if language:
        query = query.where(("," + Service.languages + ",").contains(f",{language},"))
    if text:
        like = f"%{text.strip().lower()}%"
        query = query.where(func.lower(Location.city).like(like) | func.lower(Service.name).like(like))
    return [(service, location) for service, location in session.execute(query.order_by(Service.name).limit(limit))]


def correct_category(session: Session, service_id: str, category: str) -> Service:
    """An admin sets a service's category; re-imports keep it (raises KeyError/ValueError)."""
    if category not in CATEGORIES:
        raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
    service = session.get(Service, service_id)
    if service is None:
        raise KeyError(service_id)
    service.category = category
    service.category_corrected = True
    service.updated_at = utcnow()
    for entry in session.scalars(select(DirectoryEntry).where(DirectoryEntry.service_id == service_id)):
        entry.category = category
    return service


def record_referral(
    session: Session, request_id: int, service_id: str, operator_id: int | None, now: datetime
) -> Referral:
    """Record that a service was given on a request (raises KeyError for an unknown service)."""
    service = session.get(Service, service_id)
    if service is None:
        raise KeyError(service_id)
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
