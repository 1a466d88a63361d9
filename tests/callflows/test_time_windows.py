"""Time windows, one mechanism: the caller's window in their zone, intersected with staffed hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

import config
from callflows import hours
from callflows.hours import WeeklyHours, Window, next_allowed_moment, parse_weekly_hours
from callflows.safe_contact import caller_window

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
        ("+18005550143", None, None),  # a toll-free number is in no zone
        (None, None, None),  # the hotline's zone is the caller's last resort (decided by the caller of this)
    ],
)
def test_the_callers_zone_comes_from_the_zip_then_the_number(phone, zip5, zone) -> None:
    from models.places import caller_zone

    assert caller_zone(zip5, phone, "America/New_York") == zone


def test_a_call_back_needs_staffed_hours_as_well_as_calling_hours() -> None:
    from models.claims import RetryPolicy

    policy = RetryPolicy(
        calling_hours=parse_weekly_hours("mon-sun 09:00-20:00"),
        business_hours=parse_weekly_hours("mon-fri 08:00-20:00"),
        holidays=(date(2026, 11, 30),),
    )
    # Saturday morning: no operators until Monday, and Monday is a holiday.
    assert policy.next_allowed(at(NEW_YORK, 2026, 11, 28, 10, 0)) == at(NEW_YORK, 2026, 12, 1, 9, 0)


# --- quiet hours for notifications: the same weekly hours and next allowed moment -------------

QUIET_EVENING = WeeklyHours.outside_quiet_hours(time(21, 0), time(8, 0))


@pytest.mark.parametrize(
    ("local_now", "expected"),
    [
        (datetime(2026, 11, 30, 12, 0), datetime(2026, 11, 30, 12, 0)),  # midday: now
        (datetime(2026, 11, 30, 22, 30), datetime(2026, 12, 1, 8, 0)),  # late evening: next morning
        (datetime(2026, 12, 1, 2, 0), datetime(2026, 12, 1, 8, 0)),  # small hours: this morning
        (datetime(2026, 11, 30, 21, 0), datetime(2026, 12, 1, 8, 0)),  # quiet starts on the minute
        (datetime(2026, 12, 1, 8, 0), datetime(2026, 12, 1, 8, 0)),  # and ends on the minute
    ],
)
def test_a_notification_in_quiet_hours_waits_for_their_end(local_now: datetime, expected: datetime) -> None:
    now = local_now.replace(tzinfo=NEW_YORK).astimezone(UTC)
    allowed = next_allowed_moment(now, [Window(QUIET_EVENING, NEW_YORK)])
    assert allowed == expected.replace(tzinfo=NEW_YORK)


def test_quiet_hours_that_start_and_end_together_allow_every_moment() -> None:
    hours = WeeklyHours.outside_quiet_hours(time(8, 0), time(8, 0))
    now = datetime(2026, 11, 30, 3, 0, tzinfo=NEW_YORK)
    assert next_allowed_moment(now, [Window(hours, NEW_YORK)]) == now


def test_quiet_hours_inside_one_day_leave_both_sides_allowed() -> None:
    allowed = WeeklyHours.outside_quiet_hours(time(13, 0), time(14, 0))
    assert allowed.days[0] == ((time(0, 0), time(13, 0)), (time(14, 0), hours.END_OF_DAY))
