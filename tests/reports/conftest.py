"""Fixtures for the report: the operators' fixtures, and a quarter of generated activity."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.report import Period
from reports.sample import Generated, generate
from tests.operators.conftest import add_request, database, make_operator, settings  # noqa: F401

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
QUARTER = Period.parse("2026Q4")


@pytest.fixture
def quarter_of_activity(database, settings) -> Generated:  # noqa: F811
    """2026Q4 and 2026Q3 filled with generated calls, events, requests and look-ups."""
    made = None
    for seed, period in ((2, QUARTER.previous()), (1, QUARTER)):
        start, end = period.bounds(settings.tz)
        made = generate(database, start, end, events=6_000, requests=400, lookups=600, seed=seed)
    assert made is not None
    return made


@pytest.fixture
def artifacts() -> Path:
    """tests/artifacts/, where rendered pages are kept for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
