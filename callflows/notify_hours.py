"""When a registrant may be called or texted (issue E): quiet hours in the registrant's own time zone.

Pure functions. Quiet hours (default 21:00-08:00) are turned into the same
weekly-hours shape as ``callflows/hours.py`` uses, and the next allowed moment
is found over it. DECISIONS.md ("Time windows") asks for one such helper:
when ``hours.py`` gains its unified "next allowed moment", ``next_allowed_moment``
here should call it.
"""

from __future__ import annotations

import functools
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_timezones

from callflows.hours import Hours, is_open


def allowed_hours(quiet_start: time, quiet_end: time) -> Hours:
    """The weekly hours outside quiet hours (every day, ``quiet_end`` to ``quiet_start``)."""
    if quiet_start == quiet_end:
        return dict.fromkeys(range(7), (time(0, 0), time(23, 59, 59)))
    if quiet_end < quiet_start:
        return dict.fromkeys(range(7), (quiet_end, quiet_start))
    # Quiet hours inside one day (e.g. 13:00-14:00) cannot be one span per day: allow the longer side.
    morning = (time(0, 0), quiet_start)
    evening = (quiet_end, time(23, 59, 59))
    longer = morning if (quiet_start.hour * 60 + quiet_start.minute) >= (24 * 60 - quiet_end.hour * 60) else evening
    return dict.fromkeys(range(7), longer)


@functools.lru_cache(maxsize=65536)
def registrant_zone(phone: str, default: str) -> ZoneInfo:
    """The time zone of a phone number, or ``default`` when the number does not name exactly one.

    phonenumbers gives one zone for most area codes; a toll-free or non-geographic number (and an area
    code that spans zones) gives several, and guessing the first would be wrong: the hotline's own
    zone is used then.
    """
    try:
        zones = number_timezones.time_zones_for_geographical_number(phonenumbers.parse(phone, "US"))
    except phonenumbers.NumberParseException:
        zones = ()
    if len(zones) == 1 and zones[0] != number_timezones.UNKNOWN_TIMEZONE:
        try:
            return ZoneInfo(zones[0])
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(default)


def next_allowed_moment(now: datetime, hours: Hours, tz: ZoneInfo) -> datetime:
    """``now`` when inside ``hours`` in ``tz``, else the next opening (in UTC); ``now`` must be aware."""
    if is_open(now, hours, (), tz):
        return now
    local = now.astimezone(tz)
    for days in range(8):
        day = (local + timedelta(days=days)).date()
        span = hours.get(day.weekday())
        if span is None:
            continue
        opening = datetime.combine(day, span[0], tzinfo=tz)
        if opening > local:
            return opening.astimezone(now.tzinfo)
    raise ValueError("no allowed hours in the week")
