"""Fixtures for the discretion tests: operators always answering, the fake Twilio, operator accounts."""

from __future__ import annotations

import pytest

from config import Settings
from tests.e2e.conftest import ALWAYS_OPEN, closed_hours  # noqa: F401
from tests.operators.conftest import SUPERVISOR_PHONE, add_request, database, make_operator  # noqa: F401


@pytest.fixture
def settings(settings: Settings, fake_twilio) -> Settings:
    """Always staffed (tests close hours explicitly), REST pointed at the fake Twilio."""
    return settings.replace(
        business_hours=ALWAYS_OPEN,
        holidays=(),
        twilio_api_base_url=fake_twilio.base_url,
        supervisor_numbers=(SUPERVISOR_PHONE,),
    )


from tests.custody.conftest import custody_demo  # noqa: E402, F401
from tests.notifications.conftest import feed  # noqa: E402, F401
from tests.referrals.conftest import demo_directory  # noqa: E402, F401
