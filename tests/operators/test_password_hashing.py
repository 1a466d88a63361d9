"""Operator passwords: argon2 at its standard cost wherever the hotline runs; the cheap test profile
only where VOICE_ENV=test asks for it."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters

from app import create_app
from config import ConfigError, load_settings
from models import Operator
from tests.conftest import close_app


def hash_made_by(application) -> str:
    operator = Operator(email="hash@voice.test", name="Hash", role="operator")
    operator.set_password("correct horse battery")
    close_app(application)
    return operator.password_hash


def test_an_app_hashes_at_argon2s_standard_cost_unless_told_otherwise(settings) -> None:
    made = extract_parameters(hash_made_by(create_app(settings.replace(password_hashing="standard"))))
    # argon2-cffi's defaults (RFC 9106 low-memory profile), on one lane.
    assert (made.time_cost, made.memory_cost, made.parallelism) == (3, 65536, 1)
    assert load_settings({}).password_hashing == "standard"


def test_the_suites_fast_hashing_is_cheap_and_still_argon2(settings) -> None:
    made = extract_parameters(hash_made_by(create_app(settings.replace(password_hashing="fast-for-tests"))))
    assert (made.time_cost, made.memory_cost, made.parallelism) == (1, 8, 1)


@pytest.mark.parametrize("env", ["development", "production"])
def test_fast_hashing_is_refused_outside_the_test_suite(env) -> None:
    with pytest.raises(ConfigError, match="PASSWORD_HASHING"):
        load_settings({"VOICE_ENV": env, "PASSWORD_HASHING": "fast-for-tests"})


def test_an_unknown_hashing_is_refused() -> None:
    with pytest.raises(ConfigError, match="PASSWORD_HASHING: expected standard or fast-for-tests"):
        load_settings({"VOICE_ENV": "test", "PASSWORD_HASHING": "md5"})
