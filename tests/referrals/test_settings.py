"""Settings of the referral directory: the distance and the national lines, with clear errors."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings


def test_defaults_are_the_real_national_lines():
    settings = load_settings({})
    assert settings.referrals.max_miles == 60
    assert settings.referrals.national_line("ndvh") == "+18007997233"
    assert settings.referrals.national_line("rainn") == "+18006564673"
    assert settings.referrals.national_line("988") == "+18002738255"
    assert settings.referrals.national_line("other") is None


def test_the_environment_sets_them():
    settings = load_settings({"REFERRAL_MAX_MILES": "25", "NATIONAL_LINE_NDVH": "+18005550100"})
    assert settings.referrals.max_miles == 25 and settings.referrals.ndvh == "+18005550100"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("REFERRAL_MAX_MILES", "far"), ("REFERRAL_MAX_MILES", "0"), ("NATIONAL_LINE_RAINN", "1-800-656-HOPE")],
)
def test_a_bad_value_names_its_variable(variable, value):
    with pytest.raises(ConfigError, match=variable):
        load_settings({variable: value})
