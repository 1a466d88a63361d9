"""The disclosure policy and look-up limits are read from the environment, and bad values refused."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings


def test_policy_and_limits_come_from_the_environment() -> None:
    settings = load_settings(
        {
            "DISCLOSE_OTHER_STATUSES": "true",
            "LOOKUP_REQUIRE_COUNTRY": "false",
            "DISCLOSE_IN_CUSTODY_FIELDS": "facility_name, city, state",
            "LOOKUP_DISTINCT_PER_DAY": "2",
            "LOOKUP_FAILED_PER_CALL": "1",
        }
    )
    assert settings.disclosure.disclose_other_statuses and not settings.disclosure.require_country
    assert settings.disclosure.in_custody_fields == ("facility_name", "city", "state")
    limits = settings.lookup_limits
    assert (limits.distinct_a_numbers_per_day, limits.failed_attempts_per_call) == (2, 1)


@pytest.mark.parametrize("fields", ["phone", "facility_name,city,state,date_of_birth", "city,state"])
def test_a_policy_that_would_read_other_fields_is_refused(fields: str) -> None:
    with pytest.raises(ConfigError, match="DISCLOSE_IN_CUSTODY_FIELDS"):
        load_settings({"DISCLOSE_IN_CUSTODY_FIELDS": fields})


class TestWithoutTheCountryRequirement:
    @pytest.fixture
    def settings(self, settings):
        from config import DisclosurePolicy

        return settings.replace(disclosure=DisclosurePolicy(require_country=False))

    def test_a_text_without_a_country_is_answered(self, texter, custody_demo) -> None:
        (reply,) = texter("+12025550143").send("STATUS A201345678")
        assert "El Paso Demo Processing Center" in reply
