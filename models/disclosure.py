"""Disclosure rules the custody feed carries: who is never disclosed or notified, and for how long.

Pure functions over a record's columns, shared by the public look-up and the
notifications, so the two can never disagree about a minor or a protected record.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from models.custody import RELEASED, REMOVED

ADULT_AGE = 18
# Statuses the public look-up tells only within a window after the change (settings.disclosure).
WINDOWED_STATUSES = frozenset({RELEASED, REMOVED})


def as_date(value: date | str | None) -> date | None:
    """A date column as a date (SQLite hands back text from raw queries)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def is_possibly_a_minor(date_of_birth: date | str | None, today: date) -> bool:
    """True under 18 on ``today``, or when the date of birth is missing (docs/decisions/never-disclosed.md)."""
    born = as_date(date_of_birth)
    if born is None:
        return True
    try:
        adult_on = born.replace(year=born.year + ADULT_AGE)
    except ValueError:  # born on 29 February
        adult_on = date(born.year + ADULT_AGE, 3, 1)
    return today < adult_on


def never_disclosed(date_of_birth: date | str | None, protected: bool | int | None, today: date) -> bool:
    """True for records nobody is told about: possible minors and protected records (T/U visa, VAWA)."""
    return bool(protected) or is_possibly_a_minor(date_of_birth, today)


def within_public_window(status: str, changed_at: datetime | None, now: datetime, window_days: int) -> bool:
    """True when the public look-up may still tell a released or removed status (``window_days`` after it)."""
    if status not in WINDOWED_STATUSES:
        return True
    if changed_at is None:
        return False
    return now - changed_at <= timedelta(days=window_days)
