"""Time windows, one mechanism: weekly hours, "is it open now" and "the next allowed moment".

Business hours (operators answering), calling hours (call backs and retries),
a caller's own window (morning, afternoon, evening in the caller's time zone)
and quiet hours are all ``WeeklyHours`` read in a time zone (a ``Window``); one
function, ``next_allowed_moment``, finds the first moment inside every window
given (docs/decisions/time-windows.md). Pure functions: the
hours, holidays and zones are passed in (they come from settings), so the call
tree and its tests never read configuration. Stdlib only, so ``config`` can
parse its settings into this type. Weekly hours are ``{weekday: (opens,
closes)}`` with 0 = Monday, in local time; "24:00" is stored as 23:59:59.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from callflows.catalogue import Catalogue

Hours = Mapping[int, tuple[time, time]]
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time(23, 59, 59)
# How far ahead the next allowed moment is looked for: a week and a day covers every weekly pattern.
HORIZON_DAYS = 8


class HoursError(ValueError):
    """A weekly-hours text cannot be read; the message says which part."""


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours per weekday (0 = Monday) in local time."""

    days: Hours

    def is_open(self, weekday: int, at: time) -> bool:
        """True when ``at`` on ``weekday`` falls inside the hours."""
        span = self.days.get(weekday)
        return span is not None and span[0] <= at < span[1]

    @classmethod
    def every_day(cls, opens: time, closes: time) -> WeeklyHours:
        """The same hours on all seven days."""
        return cls({day: (opens, closes) for day in range(7)})

    @classmethod
    def outside_quiet_hours(cls, quiet_start: time, quiet_end: time) -> WeeklyHours:
        """Every day outside quiet hours (``quiet_start`` to ``quiet_end``, usually across midnight)."""
        if quiet_start == quiet_end:
            return cls.every_day(time(0, 0), END_OF_DAY)
        if quiet_end < quiet_start:
            return cls.every_day(quiet_end, quiet_start)
        # Quiet hours inside one day (13:00-14:00) would leave two spans a day; one span per day is
        # the weekly-hours shape, so the longer side is allowed and the other is quiet too (the careful side).
        before = quiet_start.hour * 60 + quiet_start.minute
        after = 24 * 60 - (quiet_end.hour * 60 + quiet_end.minute)
        return cls.every_day(time(0, 0), quiet_start) if before >= after else cls.every_day(quiet_end, END_OF_DAY)


ALWAYS = WeeklyHours.every_day(time(0, 0), END_OF_DAY)


def parse_weekly_hours(spec: str) -> WeeklyHours:
    """Read ``"mon-fri 08:00-20:00; sat 10:00-14:00"`` (raises HoursError)."""
    days: dict[int, tuple[time, time]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        match = re.fullmatch(r"([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})", part.lower())
        if not match or match[1] not in DAY_NAMES or (match[2] and match[2] not in DAY_NAMES):
            raise HoursError(f"cannot read {part!r}; expected e.g. 'mon-fri 08:00-20:00'")
        first = DAY_NAMES.index(match[1])
        last = DAY_NAMES.index(match[2]) if match[2] else first
        try:
            opens = time(int(match[3]), int(match[4]))
            closes = END_OF_DAY if match[5] == "24" else time(int(match[5]), int(match[6]))
        except ValueError as error:
            raise HoursError(f"{part!r}: {error}") from None
        for day in range(first, last + 1):
            days[day] = (opens, closes)
    return WeeklyHours(days)


@dataclass(frozen=True)
class Window:
    """Weekly hours read in a time zone, closed on the given local dates."""

    hours: WeeklyHours
    tz: ZoneInfo
    holidays: frozenset[date] = field(default_factory=frozenset)

    def intervals(self, start: date, days: int) -> list[tuple[datetime, datetime]]:
        """The open intervals (aware, in the window's zone) of ``days`` local dates from ``start``."""
        out: list[tuple[datetime, datetime]] = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            span = self.hours.days.get(day.weekday())
            if span is None or day in self.holidays:
                continue
            opens = datetime.combine(day, span[0], self.tz)
            closes = (
                datetime.combine(day + timedelta(days=1), time(0, 0), self.tz)
                if span[1] >= END_OF_DAY
                else datetime.combine(day, span[1], self.tz)
            )
            if closes > opens:
                out.append((opens, closes))
        return out


def next_allowed_moment(
    earliest: datetime, windows: Iterable[Window], horizon_days: int = HORIZON_DAYS
) -> datetime | None:
    """The first moment at or after ``earliest`` inside every window, or None when they never meet.

    ``earliest`` must be timezone-aware; the answer is in ``earliest``'s zone.
    """
    if earliest.tzinfo is None:
        raise ValueError("next_allowed_moment needs a timezone-aware time")
    common: list[tuple[datetime, datetime]] | None = None
    for window in windows:
        start = earliest.astimezone(window.tz).date() - timedelta(days=1)
        spans = window.intervals(start, horizon_days + 2)
        common = spans if common is None else _intersect(common, spans)
    if common is None:
        return earliest
    for opens, closes in sorted(common):
        if closes > earliest:
            return max(opens, earliest).astimezone(earliest.tzinfo)
    return None


def _intersect(
    first: list[tuple[datetime, datetime]], second: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    out = []
    for a_open, a_close in first:
        for b_open, b_close in second:
            opens, closes = max(a_open, b_open), min(a_close, b_close)
            if opens < closes:
                out.append((opens, closes))
    return out


def open_intervals(windows: Iterable[Window], around: datetime, days: int = 7) -> list[tuple[datetime, datetime]]:
    """The moments inside every window during the ``days`` after ``around``, as aware intervals."""
    common: list[tuple[datetime, datetime]] | None = None
    for window in windows:
        spans = window.intervals(around.astimezone(window.tz).date(), days)
        common = spans if common is None else _intersect(common, spans)
    return sorted(common or [])


def in_zone(intervals: Iterable[tuple[datetime, datetime]], tz: ZoneInfo) -> WeeklyHours:
    """Intervals as weekly clock times in ``tz`` (to say them: "6 AM to 5 PM, your time")."""
    days: dict[int, tuple[time, time]] = {}
    for opens, closes in intervals:
        local_open, local_close = opens.astimezone(tz), closes.astimezone(tz)
        if local_close.date() != local_open.date():
            # Clipped at the caller's midnight: the part that is still "today" for them.
            local_close = datetime.combine(local_open.date(), END_OF_DAY, tz)
        days.setdefault(local_open.weekday(), (local_open.time(), local_close.time().replace(microsecond=0)))
    return WeeklyHours(days)


def is_open(now: datetime, hours: Hours | WeeklyHours, holidays: Collection[date], tz: ZoneInfo) -> bool:
    """True when ``now`` (timezone-aware) falls inside the hours and is not a local holiday."""
    if now.tzinfo is None:
        raise ValueError("is_open needs a timezone-aware time")
    window = Window(_weekly(hours), tz, frozenset(holidays))
    return next_allowed_moment(now, [window], horizon_days=1) == now


def _weekly(hours: Hours | WeeklyHours) -> WeeklyHours:
    return hours if isinstance(hours, WeeklyHours) else WeeklyHours(hours)


def spans(hours: Hours | WeeklyHours) -> list[tuple[int, int, time, time]]:
    """Consecutive weekdays with the same hours, as ``(first, last, opens, closes)``."""
    days = _weekly(hours).days
    out: list[tuple[int, int, time, time]] = []
    for day in range(7):
        span = days.get(day)
        if span is None:
            continue
        if out and out[-1][1] == day - 1 and out[-1][2:] == span:
            out[-1] = (out[-1][0], day, *span)
        else:
            out.append((day, day, *span))
    return out


def describe(hours: Hours | WeeklyHours, timezone: str, cat: Catalogue, lang: str) -> str:
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
        # "24:00" is stored as 23:59:59 (see parse_weekly_hours).
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
