"""Guessable passwords are refused (zxcvbn's estimate and a shipped list of common breached passwords)."""

from __future__ import annotations

import pytest

from commands.operators import DEMO_CRO, DEMO_OPERATORS
from models.passwords import COMMON_LIST, common_passwords, password_problem

GUESSABLE = [
    "Password1!",
    "P@ssw0rd123",
    "Summer2026!",
    "passwordpassword",
    "demo-operator-1",
    "demo-supervisor",
    "Hotline2026!",
    "iloveyou12345",
    "Qwerty123456",
    "football2025",
]


@pytest.mark.parametrize("password", GUESSABLE)
def test_a_guessable_password_is_refused_by_the_cli(runner, password: str) -> None:
    result = runner.invoke(args=["operators", "add", "ana@voice.test", "--name", "Ana", "--password", password])
    assert result.exit_code != 0
    assert "refused" in result.output or "guess" in result.output or "common" in result.output


def test_a_strong_passphrase_is_accepted(runner) -> None:
    result = runner.invoke(args=["operators", "add", "ana@voice.test", "--password", "ochre bicycle lagoon fifty"])
    assert result.exit_code == 0, result.output


def test_the_shipped_common_list_names_its_source_and_holds_thousands() -> None:
    header = [line for line in COMMON_LIST.read_text().splitlines() if line.startswith("#")]
    assert any("Source" in line for line in header) and any("Licence" in line for line in header)
    assert len(common_passwords()) >= 4000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common_passwords()


def test_every_demo_password_is_strong() -> None:
    for email, name, _role, _phone, password, *_ in (*DEMO_OPERATORS, DEMO_CRO):
        assert password_problem(password, email, name) is None, email


def test_demo_log_ins_are_never_created_in_production(app, runner) -> None:
    hotline = app.extensions["hotline"]
    production = hotline.settings.replace(env="production")
    object.__setattr__(hotline, "settings", production)
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "production" in result.output
