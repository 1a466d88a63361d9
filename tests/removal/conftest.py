"""Fixtures for the removal-process calls: operators always answering, one relay service's caller ID."""

from __future__ import annotations

import pytest

from config import Settings
from tests.e2e.conftest import ALWAYS_OPEN

RELAY_NUMBER = "+12025550177"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The suite's settings with operators always answering and a relay service configured."""
    return settings.replace(business_hours=ALWAYS_OPEN, holidays=(), relay_caller_ids=(RELAY_NUMBER,))
