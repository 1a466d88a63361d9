"""US ZIP codes → a point, a city and a time zone, from the offline table the ``zipcodes`` package ships."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import zipcodes

from callflows.phones import zone_for_number

_ZIP = re.compile(r"\d{5}")


@dataclass(frozen=True)
class Place:
    """The centroid and names of one ZIP code."""

    zip: str
    latitude: float
    longitude: float
    city: str
    state: str
    timezone: str | None
    area_code: str | None = None


def _place(row: dict) -> Place | None:
    try:
        lat, lon = float(row["lat"]), float(row["long"])
    except (KeyError, TypeError, ValueError):
        return None
    codes = row.get("area_codes") or []
    return Place(
        row["zip_code"],
        lat,
        lon,
        row.get("city") or "",
        row.get("state") or "",
        _zone_name(row.get("timezone")),
        codes[0] if codes else None,
    )


def _zone_name(name: str | None) -> str | None:
    # A few rows of the table name a place ("Napakiak") where the zone belongs.
    try:
        return name if name and ZoneInfo(name) else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


@cache
def _table() -> dict[str, Place]:
    return {p.zip: p for p in map(_place, zipcodes.list_all()) if p is not None}


def place_for_zip(value: str | None) -> Place | None:
    """The place of a 5-digit ZIP code (a ZIP+4 or "78550-1234" uses its first five digits).

    The first call loads the whole table (about 42,000 codes, a second or so); after that a
    look-up is a dict access (``zipcodes.matching`` scans its list: milliseconds per call).
    """
    match = _ZIP.match((value or "").strip())
    return _table().get(match.group(0)) if match else None


def all_places() -> list[Place]:
    """Every ZIP code with a position (for generated directories and benchmarks)."""
    return list(_table().values())


def places_in_city(city: str, state: str | None = None) -> list[Place]:
    """The ZIP codes of a city (case-insensitive), optionally in one state."""
    wanted = city.strip().lower()
    return [p for p in _table().values() if p.city.lower() == wanted and (not state or p.state == state.upper())]


def caller_zone(zip_code: str | None, phone: str | None, hotline_zone: str) -> str | None:
    """A caller's own time zone: their ZIP code's when they gave one, else their number's; None when neither says."""
    place = place_for_zip(zip_code) if zip_code else None
    return (place.timezone if place else None) or zone_for_number(phone, hotline_zone)
