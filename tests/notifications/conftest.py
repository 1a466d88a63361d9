"""Fixtures for the notification tests: feed files written and imported through the real import."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from commands.custody import DEMO_FACILITIES
from models.base import utcnow
from workers.imports import FACILITY_COLUMNS, batch_name, import_custody, import_facilities

HEADER = "a_number,first_name,last_name,country_of_birth,date_of_birth,status,facility_code,status_changed_at"


def changed_days_ago(days: int) -> str:
    """A status_changed_at ``days`` before now, as the feed writes it."""
    return (utcnow() - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def feed(app, tmp_path: Path):
    """``feed(rows, protected=False)`` imports custody rows (facilities loaded first); returns the summary."""
    database = app.extensions["hotline"].database
    facilities = tmp_path / "facilities.csv"
    facilities.write_text(
        ",".join(FACILITY_COLUMNS) + "\n" + "\n".join(",".join(row) for row in DEMO_FACILITIES) + "\n",
        encoding="utf-8",
    )
    with facilities.open(encoding="utf-8", newline="") as handle:
        import_facilities(database, handle)
    counter = iter(range(1, 1000))

    def load(rows: list[str], protected: bool = False):
        path = tmp_path / f"custody-{next(counter)}.csv"
        header = HEADER + (",protected" if protected else "")
        path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        with path.open(encoding="utf-8", newline="") as handle:
            return import_custody(database, handle, batch_name(path))

    yield load
    desk = app.extensions.get("custody_lookup_desk")
    if desk is not None:
        desk.close()
