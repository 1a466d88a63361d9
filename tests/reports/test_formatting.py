"""Durations, times and counts as a person reads them (the pure formatting the pages and the report share)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports import formatting

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (-11592 * 60, "under 1 min"),
        (0, "under 1 min"),
        (29, "under 1 min"),
        (12 * 60, "12 min"),
        (90 * 60, "1 h 30 min"),
        (2 * 3600 + 15 * 60, "2 h 15 min"),
        (3 * 3600, "3 h"),
        (26 * 3600, "1 day 2 h"),
        (226079 * 60, "156 days"),
        (3413 * 3600 + 24 * 60, "142 days"),
        (timedelta(days=3), "3 days"),
        (None, ""),
    ],
)
def test_a_duration_reads_as_a_person_says_it(seconds, shown) -> None:
    assert formatting.duration(seconds) == shown


@pytest.mark.parametrize("minutes", range(0, 60 * 24 * 10, 37))
def test_a_duration_is_never_negative_nor_a_four_digit_minute_count(minutes) -> None:
    for sign in (1, -1):
        text = formatting.duration(sign * minutes * 60)
        assert "-" not in text
        number, _, unit = text.partition(" ")
        assert not (unit.startswith("min") and len(number) > 2), text


def test_times_are_shown_in_the_office_zone_with_the_zone_named() -> None:
    at = datetime(2026, 12, 7, 15, 5, tzinfo=UTC)
    assert formatting.local_time(at, NEW_YORK) == "7 Dec 2026, 10:05 EST"
    assert formatting.local_time(at.isoformat(), NEW_YORK) == "7 Dec 2026, 10:05 EST"
    assert formatting.local_time(at, NEW_YORK, now=at + timedelta(hours=1)) == "10:05 EST"
    assert formatting.local_time(datetime(2026, 7, 1, 12, tzinfo=UTC), NEW_YORK) == "1 Jul 2026, 08:00 EDT"
    assert formatting.local_time(None, NEW_YORK) == ""
    assert formatting.local_day("2026-12-07") == "Mon 7 Dec 2026"


def test_a_wait_since_a_future_time_is_never_negative() -> None:
    now = datetime(2026, 12, 7, 15, 5, tzinfo=UTC)
    assert formatting.since(now + timedelta(days=8), now) == "under 1 min"
    assert formatting.since(now - timedelta(minutes=135), now) == "2 h 15 min"


def test_counts_say_what_they_count() -> None:
    assert formatting.counted(50, 105, "waiting") == "50 of 105 waiting shown"
    assert formatting.counted(3, 3, "waiting") == "3 waiting"
    assert formatting.counted(0, 0, "waiting") == "none waiting"
