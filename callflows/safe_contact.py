"""Safe-contact choices: the caller's window and time zone, as pure data.

A caller picks morning, afternoon, evening or any time *in their own time zone*:
the zone of their ZIP code when they gave one, else the zone ``phonenumbers``
gives the callback number, else the hotline's zone (the last resort). The window
is intersected with staffed calling hours by ``callflows.hours``.
"""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import NumberParseException
from phonenumbers import timezone as number_zones

from callflows.hours import WeeklyHours, Window

# The caller's local hours for each answer ("any" is no limit of the caller's own).
CALL_WINDOWS: dict[str, tuple[time, time] | None] = {
    "morning": (time(8, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), time(21, 0)),
    "any": None,
}


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=4096)
def zone_for_zip(zip5: str) -> str | None:
    """The IANA zone of a U.S. ZIP code (data shipped in the ``zipcodes`` wheel), or None."""
    import zipcodes  # imported late: its table loads on first use

    try:
        found = zipcodes.matching(zip5)
    except (TypeError, ValueError):
        return None
    name = found[0].get("timezone") if found else None
    return name if _zone(name) else None


@lru_cache(maxsize=4096)
def zone_for_number(e164: str) -> str | None:
    """The IANA zone of a phone number when ``phonenumbers`` names one usable zone, or None."""
    try:
        zones = [z for z in number_zones.time_zones_for_number(phonenumbers.parse(e164)) if _zone(z)]
    except NumberParseException:
        return None
    # A number spanning zones (e.g. Alaska's) still has a first zone; the hotline's is worse.
    return zones[0] if zones else None


def caller_timezone(phone: str | None, zip5: str | None = None) -> str | None:
    """The caller's own zone: from the ZIP when given, else from the number; None when unknown."""
    return (zip5 and zone_for_zip(zip5)) or (phone and zone_for_number(phone)) or None


def caller_window(call_window: str | None, timezone: str | None, fallback: ZoneInfo) -> Window | None:
    """The caller's chosen window in their zone (``fallback`` when unknown); None for any time."""
    span = CALL_WINDOWS.get(call_window or "any")
    if span is None:
        return None
    return Window(WeeklyHours.every_day(*span), _zone(timezone) or fallback)
