"""Time windows, one mechanism: weekly hours, "is it open now" and "the next allowed moment".

Business hours (operators answering), calling hours (call backs and retries),
a caller's own window (morning, afternoon, evening in the caller's time zone),
quiet hours and the opening hours of directory services are all ``WeeklyHours``
read in a time zone (a ``Window``); one function, ``next_allowed_moment``, finds
the first moment inside every window given, and ``parse_clock`` is the one
reader of a time of day (docs/decisions/time-windows.md). Pure functions: the
hours, holidays and zones are passed in (they come from settings or the
directory), so the call tree and its tests never read configuration. Stdlib
only, so ``config`` can parse its settings into this type. Weekly hours are
``{weekday: ((opens, closes), ...)}`` with 0 = Monday, in local time; "24:00"
is stored as 23:59:59."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from callflows.catalogue import Catalogue

Span = tuple[time, time]
# One span a day: the shape configured hours have; ``WeeklyHours`` also takes several spans a day.
Hours = Mapping[int, Span]
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time(23, 59, 59)
# How far ahead the next allowed moment is looked for: a week and a day covers every weekly pattern.
HORIZON_DAYS = 8
# A clock time as people and directories write it: "9", "09:00", "09:00:00", "5 PM", "5:30 p.m.".
_CLOCK = re.compile(r"\s*(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(?:([ap])\.?\s*m\.?)?\s*", re.IGNORECASE)


class HoursError(ValueError):
    """A weekly-hours text cannot be read; the message says which part."""


@dataclass(frozen=True, init=False)
class WeeklyHours:
    """Opening spans per weekday (0 = Monday) in local time; a day may have several (a lunch break)."""

    days: Mapping[int, tuple[Span, ...]]

    def __init__(self, days: Mapping[int, Span | tuple[Span, ...]]) -> None:
        normal: dict[int, tuple[Span, ...]] = {}
        for day, value in days.items():
            spans = (value,) if value and isinstance(value[0], time) else value
            kept = tuple(sorted(span for span in spans if span[0] < span[1]))  # type: ignore[union-attr]
            if kept:
                normal[day] = kept
        object.__setattr__(self, "days", normal)

    def is_open(self, weekday: int, at: time) -> bool:
        """True when ``at`` on ``weekday`` falls inside the hours."""
        return any(opens <= at < closes for opens, closes in self.days.get(weekday, ()))

    @classmethod
    def every_day(cls, opens: time, closes: time) -> WeeklyHours:
        """The same hours on all seven days."""
        return cls({day: (opens, closes) for day in range(7)})

    @classmethod
    def from_spans(cls, spans: Iterable[tuple[int, time, time]]) -> WeeklyHours:
        """Hours from ``(weekday, opens, closes)`` rows; a span that closes before it opens runs past midnight."""
        days: dict[int, list[Span]] = {}
        for weekday, opens, closes in spans:
            if closes < opens:
                days.setdefault(weekday, []).append((opens, END_OF_DAY))
                days.setdefault((weekday + 1) % 7, []).append((time(0, 0), closes))
            else:
                days.setdefault(weekday, []).append((opens, closes))
        return cls({day: tuple(found) for day, found in days.items()})

    @classmethod
    def outside_quiet_hours(cls, quiet_start: time, quiet_end: time) -> WeeklyHours:
        """Every day outside quiet hours (``quiet_start`` to ``quiet_end``, usually across midnight)."""
        if quiet_start == quiet_end:
            return cls.every_day(time(0, 0), END_OF_DAY)
        if quiet_end < quiet_start:
            return cls.every_day(quiet_end, quiet_start)
        return cls({day: ((time(0, 0), quiet_start), (quiet_end, END_OF_DAY)) for day in range(7)})


ALWAYS = WeeklyHours.every_day(time(0, 0), END_OF_DAY)


def parse_clock(text: str) -> time | None:
    """The one reader of a time of day: "9:00", "09:00:00", "5 PM", "12 am", "24:00"; None when it is none.

    "24:00" (the end of a day) is 23:59:59, like every closing time at midnight here.
    """
    match = _CLOCK.fullmatch(text or "")
    if not match:
        return None
    hour, minute, half = int(match[1]), int(match[2] or 0), (match[4] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "p" else 0)
    if (hour, minute) == (24, 0) and not int(match[3] or 0):
        return END_OF_DAY
    try:
        return time(hour, minute)
    except ValueError:
        return None


def parse_span(text: str) -> Span:
    """Read ``"21:00-08:00"`` or ``"9 AM - 5 PM"`` as (opens, closes) (raises HoursError)."""
    parts = re.split(r"\s*(?:-|–|\bto\b)\s*", text.strip(), maxsplit=1)
    span = tuple(parse_clock(part) for part in parts)
    if len(span) != 2 or None in span:
        raise HoursError(f"cannot read {text.strip()!r} as a time span; expected e.g. '08:00-20:00'")
    return span  # type: ignore[return-value]


def parse_weekly_hours(spec: str) -> WeeklyHours:
    """Read ``"mon-fri 08:00-20:00; sat 10:00-14:00"`` (raises HoursError); ``"mon 9-12, 13-17"`` gives two spans."""
    days: dict[int, tuple[Span, ...]] = {}
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        match = re.fullmatch(r"([a-z]{3})(?:-([a-z]{3}))?\s+(\S.*)", part.lower())
        if not match or match[1] not in DAY_NAMES or (match[2] and match[2] not in DAY_NAMES):
            raise HoursError(f"cannot read {part!r}; expected e.g. 'mon-fri 08:00-20:00'")
        first = DAY_NAMES.index(match[1])
        last = DAY_NAMES.index(match[2]) if match[2] else first
        try:
            spans = tuple(parse_span(text) for text in match[3].split(","))
        except HoursError as error:
            raise HoursError(f"{part!r}: {error}") from None
        for day in range(first, last + 1):
            days[day] = spans
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
            if day in self.holidays:
                continue
            for span in self.hours.days.get(day.weekday(), ()):
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
    """Consecutive weekdays with the same hours, as ``(first, last, opens, closes)`` (one row a span)."""
    days = _weekly(hours).days
    groups: list[tuple[int, int, tuple[Span, ...]]] = []
    for day in range(7):
        found = days.get(day)
        if found is None:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == found:
            groups[-1] = (groups[-1][0], day, found)
        else:
            groups.append((day, day, found))
    return [(first, last, opens, closes) for first, last, found in groups for opens, closes in found]


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
