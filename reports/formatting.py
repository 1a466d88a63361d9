"""Durations, times and counts as a person reads them, for the dashboard's pages and the report alike.

Stored times are UTC; a person meets them in the office's time zone, with the zone
named. A duration is never negative and never a four-digit minute count: it grows
from minutes to hours and minutes to days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def _instant(value: datetime | str | None) -> datetime | None:
    # The API's dictionaries carry ISO strings; the models carry datetimes.
    if value is None or value == "":
        return None
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def duration(seconds: float | timedelta | None) -> str:
    """A length of time: "under 1 min", "12 min", "2 h 15 min", "1 day 4 h", "3 days" (never negative)."""
    if seconds is None:
        return ""
    raw = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
    # To the nearest minute: a person reads "6 min" for five and a half.
    total = max(round(raw / MINUTE), 0) * MINUTE
    if total < MINUTE:
        return "under 1 min"
    if total < HOUR:
        return f"{total // MINUTE} min"
    if total < DAY:
        hours, minutes = divmod(total // MINUTE, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if total < 2 * DAY:
        hours = (total - DAY) // HOUR
        return f"1 day {hours} h" if hours else "1 day"
    return f"{total // DAY} days"


def since(value: datetime | str | None, now: datetime) -> str:
    """How long ago ``value`` was, as a duration ("" for nothing; a future time reads as "under 1 min")."""
    at = _instant(value)
    return "" if at is None else duration(now - at)


def local_time(value: datetime | str | None, tz: ZoneInfo, now: datetime | None = None) -> str:
    """A stored UTC time in the office's zone with the zone named: "7 Dec 2026, 10:05 EST" ("10:05 EST" today)."""
    at = _instant(value)
    if at is None:
        return ""
    local = at.astimezone(tz)
    clock = f"{local:%H:%M} {local.tzname()}"
    if now is not None and local.date() == now.astimezone(tz).date():
        return clock
    return f"{local.day} {local:%b %Y}, {clock}"


def local_day(value: date | datetime | str | None, tz: ZoneInfo | None = None) -> str:
    """A calendar day: "Mon 7 Dec 2026" (a time is first moved into ``tz``)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10]) if len(value) <= 10 else datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(tz).date() if tz is not None else value.date()
    return f"{value:%a} {value.day} {value:%b %Y}"


def counted(shown: int, total: int, noun: str, verb: str = "shown") -> str:
    """A count that says what it counts: "50 of 105 waiting shown", "3 waiting", "none waiting"."""
    if total == 0:
        return f"none {noun}"
    if shown >= total:
        return f"{total} {noun}"
    return f"{shown} of {total} {noun} {verb}"
