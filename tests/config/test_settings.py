"""Settings: safe defaults for the embedded mode, refusals that name the variable."""

from __future__ import annotations

from datetime import time

import pytest

from config import ConfigError, load_settings, parse_business_hours


def test_embedded_defaults_need_no_environment() -> None:
    settings = load_settings({})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.hotline_number == "+18554886423"
    assert not settings.is_production


def test_production_refuses_to_start_without_a_twilio_auth_token() -> None:
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        load_settings({"VOICE_ENV": "production", "REDIS_URL": "redis://x", "SECRET_KEY": "s", "AUDIT_HASH_KEY": "k"})


def test_production_starts_with_its_secrets() -> None:
    env = {
        "VOICE_ENV": "production",
        "PUBLIC_BASE_URL": "https://voice.example.org",
        "TWILIO_AUTH_TOKEN": "tok-7Hq2Vw9xZp4Lm8Rc3Nb6Jd1Fg5Ks0Ty",
        "SECRET_KEY": "sec-Qz8Wn3Xv6Bm1Lp9Kr4Hs7Gt2Dj5Fc0Ya",
        "AUDIT_HASH_KEY": "aud-Mx5Tr8Ye2Wq7Un4Io1Pa6Sd9Fg3Hj0Kl",
        "REDIS_URL": "redis://redis:6379/0",
        "DATABASE_URL": "postgresql://voice@db/voice",
        "NEUTRAL_NUMBER": "+16175550100",
    }
    settings = load_settings(env)
    assert settings.is_production and settings.database_url == "postgresql://voice@db/voice"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HOTLINE_TIMEZONE", "Mars/Olympus"),
        ("BUSINESS_HOURS", "weekdays 9 to 5"),
        ("CLAIM_LEASE_SECONDS", "soon"),
        ("TRUST_PROXY_HEADERS", "maybe"),
        ("PUBLIC_BASE_URL", "voice.example.org"),
        ("HOLIDAYS", "2026-13-45"),
    ],
)
def test_a_bad_value_fails_with_the_variable_named(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings({variable: value})


def test_business_hours_are_read_per_weekday() -> None:
    hours = parse_business_hours("mon-fri 08:00-20:00; sat 10:00-14:00")
    assert hours.is_open(0, time(8, 0)) and not hours.is_open(0, time(20, 0))
    assert hours.is_open(5, time(13, 59)) and not hours.is_open(6, time(12, 0))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("21:00-08:00", (time(21, 0), time(8, 0))), ("9 PM - 7:30 AM", (time(21, 0), time(7, 30)))],
)
def test_quiet_hours_are_read_like_every_other_time(value: str, expected) -> None:
    notifications = load_settings({"NOTIFY_QUIET_HOURS": value}).notifications
    assert (notifications.quiet_start, notifications.quiet_end) == expected


def test_quiet_hours_that_are_not_a_span_fail_with_the_variable_named() -> None:
    with pytest.raises(ConfigError, match="NOTIFY_QUIET_HOURS"):
        load_settings({"NOTIFY_QUIET_HOURS": "21:00"})
