"""Safe-contact choices: the caller's window, as pure data.

A caller picks morning, afternoon, evening or any time *in their own time zone*
(``models.places.caller_zone``: their ZIP code's, else their number's, else the
hotline's). The window is intersected with staffed calling hours by
``callflows.hours``.
"""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


def caller_window(call_window: str | None, timezone: str | None, fallback: ZoneInfo) -> Window | None:
    """The caller's chosen window in their zone (``fallback`` when unknown); None for any time."""
    span = CALL_WINDOWS.get(call_window or "any")
    if span is None:
        return None
    return Window(WeeklyHours.every_day(*span), _zone(timezone) or fallback)
