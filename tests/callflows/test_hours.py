"""Business hours: open or closed at a given moment, and the hours said the way people say them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from callflows.catalogue import catalogue
from callflows.hours import describe, is_open, spoken_time
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
