"""Fixtures for the custody tests: the demo facilities and records, loaded through the real import."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from commands.custody import write_demo_files
from workers.imports import batch_name, import_custody, import_facilities

DEMO_A_NUMBER = "201345678"


@pytest.fixture
def custody_demo(app, tmp_path: Path) -> Iterator[Path]:
    """Demo facilities and 50 custody records (the demo detainee, A201345678 born in Mexico, first)."""
    database = app.extensions["hotline"].database
    facilities, custody = write_demo_files(tmp_path / "demo", 50)
    with facilities.open(encoding="utf-8", newline="") as handle:
        import_facilities(database, handle)
    with custody.open(encoding="utf-8", newline="") as handle:
        import_custody(database, handle, batch_name(custody))
    yield custody
    desk = app.extensions.get("custody_lookup_desk")
    if desk is not None:
        desk.close()
