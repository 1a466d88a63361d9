"""Time windows, one mechanism: the caller's window in their zone, intersected with staffed hours."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

import config
from callflows import hours
from callflows.hours import Window, next_allowed_moment, parse_weekly_hours
from callflows.safe_contact import caller_timezone, caller_window

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
CALLING = Window(parse_weekly_hours("mon-sun 09:00-20:00"), NEW_YORK)


def at(tz: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=tz)


def test_settings_and_the_tree_share_one_weekly_hours_type() -> None:
    assert config.WeeklyHours is hours.WeeklyHours
    assert isinstance(config.load_settings({}).calling_hours, hours.WeeklyHours)


@pytest.mark.parametrize(
    ("choice", "earliest", "expected"),
    [
        # A California caller who asked for the morning is not rung at 06:00 their time.
        ("morning", at(NEW_YORK, 2026, 12, 1, 9, 0), at(LOS_ANGELES, 2026, 12, 1, 8, 0)),
        ("morning", at(LOS_ANGELES, 2026, 12, 1, 10, 0), at(LOS_ANGELES, 2026, 12, 1, 10, 0)),
        ("afternoon", at(LOS_ANGELES, 2026, 12, 1, 9, 0), at(LOS_ANGELES, 2026, 12, 1, 12, 0)),
        ("any", at(LOS_ANGELES, 2026, 12, 1, 5, 0), at(LOS_ANGELES, 2026, 12, 1, 6, 0)),
        ("any", at(LOS_ANGELES, 2026, 12, 1, 18, 0), at(LOS_ANGELES, 2026, 12, 2, 6, 0)),
    ],
)
def test_the_callers_window_is_read_in_their_zone_and_meets_calling_hours(choice, earliest, expected) -> None:
    windows = [CALLING] + [w for w in [caller_window(choice, "America/Los_Angeles", NEW_YORK)] if w]
    assert next_allowed_moment(earliest.astimezone(UTC), windows) == expected


def test_a_window_that_never_meets_calling_hours_has_no_moment() -> None:
    evening_in_california = caller_window("evening", "America/Los_Angeles", NEW_YORK)
    assert next_allowed_moment(at(NEW_YORK, 2026, 12, 1, 9, 0), [CALLING, evening_in_california]) is None


def test_holidays_close_a_window_for_the_whole_local_day() -> None:
    staffed = Window(parse_weekly_hours("mon-fri 08:00-20:00"), NEW_YORK, frozenset({date(2026, 11, 26)}))
    got = next_allowed_moment(at(NEW_YORK, 2026, 11, 26, 10, 0), [staffed])
    assert got == at(NEW_YORK, 2026, 11, 27, 8, 0)


def test_the_moment_crosses_a_daylight_saving_change() -> None:
    got = next_allowed_moment(at(NEW_YORK, 2026, 3, 7, 21, 0), [CALLING])
    assert got == at(NEW_YORK, 2026, 3, 8, 9, 0) and got.utcoffset().total_seconds() == -4 * 3600


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        next_allowed_moment(datetime(2026, 12, 1, 9, 0), [CALLING])


@pytest.mark.parametrize(
    ("phone", "zip5", "zone"),
    [
        ("+14155550166", None, "America/Los_Angeles"),
        ("+12025550143", None, "America/New_York"),
        ("+18085550100", None, "Pacific/Honolulu"),
        ("+12025550143", "94103", "America/Los_Angeles"),  # the ZIP wins over the number
        ("+12025550143", "00000", "America/New_York"),  # an unknown ZIP falls back to the number
        (None, None, None),  # the hotline's zone is the caller's last resort (decided by the caller of this)
    ],
)
def test_the_callers_zone_comes_from_the_zip_then_the_number(phone, zip5, zone) -> None:
    assert caller_timezone(phone, zip5) == zone


def test_a_call_back_needs_staffed_hours_as_well_as_calling_hours() -> None:
    from models.claims import RetryPolicy

    policy = RetryPolicy(
        calling_hours=parse_weekly_hours("mon-sun 09:00-20:00"),
        business_hours=parse_weekly_hours("mon-fri 08:00-20:00"),
        holidays=(date(2026, 11, 30),),
    )
    # Saturday morning: no operators until Monday, and Monday is a holiday.
    assert policy.next_allowed(at(NEW_YORK, 2026, 11, 28, 10, 0)) == at(NEW_YORK, 2026, 12, 1, 9, 0)
