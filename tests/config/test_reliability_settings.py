"""Reliability settings: metrics access, outbox and retention periods, each refused with its variable's name."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings


def test_defaults_keep_personal_data_90_days_audits_a_year_and_metrics_on_loopback() -> None:
    settings = load_settings({})
    assert (settings.retention_request_days, settings.retention_call_days) == (90, 90)
    assert (settings.retention_audit_days, settings.retention_message_days, settings.outbox_keep_hours) == (365, 7, 72)
    assert settings.metrics_allowed_addresses == ("127.0.0.1/32", "::1/128") and settings.metrics_token is None


def test_metrics_addresses_and_token_come_from_the_environment() -> None:
    settings = load_settings({"METRICS_ALLOWED_ADDRESSES": "10.0.0.0/8, 192.0.2.7", "METRICS_TOKEN": "t0ken"})
    assert settings.metrics_allowed_addresses == ("10.0.0.0/8", "192.0.2.7") and settings.metrics_token == "t0ken"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("METRICS_ALLOWED_ADDRESSES", "not-an-address"),
        ("RETENTION_HOUR_UTC", "24"),
        ("RETENTION_REQUEST_DAYS", "0"),
        ("RETENTION_AUDIT_DAYS", "many"),
        ("RETENTION_REGISTRATION_DAYS", "0"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings({variable: value})


def test_ended_registrations_are_kept_30_days_unless_set() -> None:
    assert load_settings({}).retention_registration_days == 30
    assert load_settings({"RETENTION_REGISTRATION_DAYS": "14"}).retention_registration_days == 14
