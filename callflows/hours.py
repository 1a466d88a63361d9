"""Business hours: is the operator line open now, and how to say its hours.

Pure functions: the weekly hours, holidays and time zone are passed in (they
come from settings), so the call tree and its tests never read configuration.
Weekly hours are ``{weekday: (opens, closes)}`` with 0 = Monday, in local time.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from callflows.catalogue import Catalogue

Hours = Mapping[int, tuple[time, time]]


def is_open(now: datetime, hours: Hours, holidays: Collection[date], tz: ZoneInfo) -> bool:
    """True when ``now`` (timezone-aware) falls inside the hours and is not a local holiday."""
    if now.tzinfo is None:
        raise ValueError("is_open needs a timezone-aware time")
    local = now.astimezone(tz)
    if local.date() in holidays:
        return False
    span = hours.get(local.weekday())
    return span is not None and span[0] <= local.time().replace(tzinfo=None) < span[1]


def spans(hours: Hours) -> list[tuple[int, int, time, time]]:
    """Consecutive weekdays with the same hours, as ``(first, last, opens, closes)``."""
    out: list[tuple[int, int, time, time]] = []
    for day in range(7):
        span = hours.get(day)
        if span is None:
            continue
        if out and out[-1][1] == day - 1 and out[-1][2:] == span:
            out[-1] = (out[-1][0], day, *span)
        else:
            out.append((day, day, *span))
    return out


def describe(hours: Hours, timezone: str, cat: Catalogue, lang: str) -> str:
    """The weekly hours as one spoken phrase ("Monday to Friday, 8 AM to 8 PM, Eastern time")."""
    parts = []
    for first, last, opens, closes in spans(hours):
        days = cat.text(lang, f"hours.day.{first}")
        if (first, last) == (0, 6):
            days = cat.text(lang, "hours.every_day")
        elif last != first:
            days = cat.text(lang, "hours.days", {"first": days, "last": cat.text(lang, f"hours.day.{last}")})
        if opens == time(0, 0) and closes >= time(23, 59):
            parts.append(cat.text(lang, "hours.all_day", {"days": days}))
            continue
        span = {"days": days, "opens": spoken_time(opens, cat, lang), "closes": spoken_time(closes, cat, lang)}
        parts.append(cat.text(lang, "hours.span", span))
    if not parts:
        return cat.text(lang, "hours.none")
    zone_key = f"hours.zone.{timezone}"
    joined = cat.text(lang, "hours.join").join(parts)
    return (
        cat.text(lang, "hours.with_zone", {"hours": joined, "zone": cat.text(lang, zone_key)})
        if cat.has(lang, zone_key)
        else joined
    )


def spoken_time(at: time, cat: Catalogue, lang: str) -> str:
    """A clock time the way the language says it ("8 AM", "8:30 PM", "midnight")."""
    if at == time(0, 0) or at >= time(23, 59):
        # "24:00" is stored as 23:59:59 (see config.parse_business_hours).
        return cat.text(lang, "hours.midnight")
    if at == time(12, 0):
        return cat.text(lang, "hours.noon")
    hour = at.hour % 12 or 12
    clock = f"{hour}:{at.minute:02d}" if at.minute else str(hour)
    key = "hours.am" if at.hour < 12 else "hours.pm" if at.hour < 19 else "hours.night"
    return cat.text(lang, key, {"time": clock})


# The catalogue keys ``describe`` and ``spoken_time`` use (for the tree check).
PROMPT_KEYS = frozenset(
    {
        *(f"hours.day.{day}" for day in range(7)),
        "hours.days",
        "hours.every_day",
        "hours.all_day",
        "hours.span",
        "hours.none",
        "hours.join",
        "hours.with_zone",
        "hours.midnight",
        "hours.noon",
        "hours.am",
        "hours.pm",
        "hours.night",
    }
)
