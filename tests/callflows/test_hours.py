"""Business hours: open or closed at a given moment, and the hours said the way people say them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from callflows.catalogue import catalogue
from callflows.hours import END_OF_DAY, HoursError, WeeklyHours, describe, is_open, parse_clock, parse_span, spoken_time
from config import parse_business_hours

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = parse_business_hours("mon-fri 08:00-20:00").days
SPLIT = parse_business_hours("mon-fri 08:00-20:00; sat 10:00-14:00").days


@pytest.mark.parametrize(
    ("utc", "holidays", "open_"),
    [
        (datetime(2026, 11, 25, 13, 0, tzinfo=UTC), (), True),  # Wed 08:00 in New York: opening minute
        (datetime(2026, 11, 25, 12, 59, tzinfo=UTC), (), False),  # Wed 07:59
        (datetime(2026, 11, 26, 0, 59, tzinfo=UTC), (), True),  # Wed 19:59 local, already Thursday in UTC
        (datetime(2026, 11, 26, 1, 0, tzinfo=UTC), (), False),  # Wed 20:00: closing time is closed
        (datetime(2026, 11, 28, 16, 0, tzinfo=UTC), (), False),  # Saturday
        (datetime(2026, 11, 26, 16, 0, tzinfo=UTC), (date(2026, 11, 26),), False),  # Thanksgiving
        (datetime(2026, 11, 27, 3, 0, tzinfo=UTC), (date(2026, 11, 27),), False),  # Thu 22:00 local; holiday is Fri
        (datetime(2026, 7, 1, 12, 30, tzinfo=UTC), (), True),  # summer time: 08:30 EDT
    ],
)
def test_open_follows_local_time_weekdays_and_holidays(utc: datetime, holidays, open_: bool) -> None:
    assert is_open(utc, WEEKDAYS, holidays, NEW_YORK) is open_


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        is_open(datetime(2026, 11, 25, 13, 0), WEEKDAYS, (), NEW_YORK)


@pytest.mark.parametrize(
    ("lang", "hours", "timezone", "said"),
    [
        ("en", WEEKDAYS, "America/New_York", "Monday to Friday, from 8 AM to 8 PM, Eastern time"),
        ("es", WEEKDAYS, "America/New_York", "de lunes a viernes, de 8 de la mañana a 8 de la noche, hora del Este"),
        (
            "en",
            SPLIT,
            "America/Chicago",
            "Monday to Friday, from 8 AM to 8 PM; and Saturday, from 10 AM to 2 PM, Central time",
        ),
        (
            "en",
            parse_business_hours("mon-sun 00:00-24:00").days,
            "Europe/Madrid",
            "every day, 24 hours a day",
        ),
        (
            "es",
            parse_business_hours("mon-sun 09:00-17:00").days,
            "America/Denver",
            "todos los días, de 9 de la mañana a 5 de la tarde, hora de la Montaña",
        ),
        ("en", {}, "America/New_York", "only at times we announce"),
    ],
)
def test_hours_are_described_in_the_callers_language(lang, hours, timezone: str, said: str) -> None:
    assert describe(hours, timezone, catalogue(), lang) == said


@pytest.mark.parametrize(
    ("at", "en", "es"),
    [
        (time(8, 0), "8 AM", "8 de la mañana"),
        (time(8, 30), "8:30 AM", "8:30 de la mañana"),
        (time(12, 0), "noon", "mediodía"),
        (time(13, 15), "1:15 PM", "1:15 de la tarde"),
        (time(21, 0), "9 PM", "9 de la noche"),
        (time(0, 0), "midnight", "medianoche"),
    ],
)
def test_clock_times_are_spoken_naturally(at: time, en: str, es: str) -> None:
    assert (spoken_time(at, catalogue(), "en"), spoken_time(at, catalogue(), "es")) == (en, es)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9:00", time(9, 0)),
        ("09:00:00", time(9, 0)),
        ("9", time(9, 0)),
        ("5 PM", time(17, 0)),
        ("5:30 p.m.", time(17, 30)),
        ("12 am", time(0, 0)),
        ("12 PM", time(12, 0)),
        ("24:00", END_OF_DAY),
        ("23:59", time(23, 59)),
        ("13 PM", None),
        ("24:30", None),
        ("9:60", None),
        ("nine", None),
        ("", None),
    ],
)
def test_one_reader_of_a_time_of_day(text: str, expected: time | None) -> None:
    assert parse_clock(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:00-08:00", (time(21, 0), time(8, 0))),
        (" 21:00 - 08:00 ", (time(21, 0), time(8, 0))),
        ("9 PM to 8 AM", (time(21, 0), time(8, 0))),
        ("08:00-24:00", (time(8, 0), END_OF_DAY)),
    ],
)
def test_a_time_span_is_read_with_the_same_reader(text: str, expected) -> None:
    assert parse_span(text) == expected


@pytest.mark.parametrize("text", ["21:00", "21:00-", "late-early", "25:00-08:00"])
def test_a_span_that_is_not_two_times_is_refused(text: str) -> None:
    with pytest.raises(HoursError):
        parse_span(text)


FRIDAY_NIGHT = WeeklyHours.from_spans([(4, time(20, 0), time(2, 0))])
LUNCH_BREAK = WeeklyHours.from_spans([(0, time(9, 0), time(12, 0)), (0, time(13, 0), time(17, 0))])


@pytest.mark.parametrize(
    ("hours", "weekday", "at", "open_"),
    [
        (FRIDAY_NIGHT, 4, time(23, 0), True),
        (FRIDAY_NIGHT, 5, time(1, 0), True),  # past midnight: already Saturday
        (FRIDAY_NIGHT, 5, time(2, 0), False),
        (FRIDAY_NIGHT, 4, time(1, 0), False),  # Friday early morning belongs to Thursday's night
        (LUNCH_BREAK, 0, time(11, 59), True),
        (LUNCH_BREAK, 0, time(12, 30), False),
        (LUNCH_BREAK, 0, time(13, 0), True),
        (LUNCH_BREAK, 1, time(10, 0), False),
    ],
)
def test_directory_hours_past_midnight_and_with_a_break_are_weekly_hours(hours, weekday, at, open_) -> None:
    assert hours.is_open(weekday, at) is open_


def test_several_spans_a_day_are_open_in_their_time_zone() -> None:
    monday_noon_thirty = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 12:30 in New York
    assert not is_open(monday_noon_thirty, LUNCH_BREAK, (), NEW_YORK)
    assert is_open(monday_noon_thirty.replace(hour=18), LUNCH_BREAK, (), NEW_YORK)


def test_configured_hours_may_have_several_spans_a_day() -> None:
    hours = parse_business_hours("mon-fri 09:00-12:00, 13:00-17:00")
    assert hours.days[2] == ((time(9, 0), time(12, 0)), (time(13, 0), time(17, 0)))
    said = describe(hours, "America/New_York", catalogue(), "en")
    assert said == "Monday to Friday, from 9 AM to noon; and Monday to Friday, from 1 PM to 5 PM, Eastern time"
