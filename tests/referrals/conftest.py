"""Fixtures for the referral directory: the fake Twilio REST API and operators always open."""

from __future__ import annotations

import pytest

from config import Settings
from tests.e2e.conftest import ALWAYS_OPEN


@pytest.fixture
def settings(settings: Settings, fake_twilio) -> Settings:
    """Texts go to the fake Twilio; operators answer at any hour."""
    return settings.replace(twilio_api_base_url=fake_twilio.base_url, business_hours=ALWAYS_OPEN, holidays=())


@pytest.fixture
def demo_directory(app, runner):
    """The generated demo directory (services around Harlingen, TX and a few large cities)."""
    result = runner.invoke(args=["referrals", "demo"])
    assert result.exit_code == 0, result.output
    return app.extensions["hotline"].database


# The operator fixtures (an operator with an API token, a queued request, the database).
from tests.operators.conftest import add_request, database, make_operator  # noqa: E402, F401
