"""Fail closed: development secrets work on loopback only, whatever VOICE_ENV says."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings

STRONG = {
    "TWILIO_AUTH_TOKEN": "tok-7Hq2Vw9xZp4Lm8Rc3Nb6Jd1Fg5Ks0Ty",
    "SECRET_KEY": "sec-Qz8Wn3Xv6Bm1Lp9Kr4Hs7Gt2Dj5Fc0Ya",
    "AUDIT_HASH_KEY": "aud-Mx5Tr8Ye2Wq7Un4Io1Pa6Sd9Fg3Hj0Kl",
}
# Not a secret, but required on a public address too (the caller ID of call backs).
NEUTRAL = {"NEUTRAL_NUMBER": "+16175550100"}


@pytest.mark.parametrize("voice_env", [None, "development", "test"])
@pytest.mark.parametrize("variable", sorted(STRONG))
def test_a_public_address_refuses_the_development_secret(voice_env: str | None, variable: str) -> None:
    env = {"PUBLIC_BASE_URL": "https://voice.example.org", **STRONG}
    del env[variable]
    if voice_env:
        env["VOICE_ENV"] = voice_env
    with pytest.raises(ConfigError, match=variable):
        load_settings(env)


@pytest.mark.parametrize("variable", sorted(STRONG))
def test_a_public_address_refuses_a_secret_shorter_than_32_characters(variable: str) -> None:
    env = {"PUBLIC_BASE_URL": "http://203.0.113.7:5000", **STRONG, variable: "x" * 31}
    with pytest.raises(ConfigError, match=f"{variable}: at least 32"):
        load_settings(env)


def test_trusting_proxy_headers_counts_as_public_even_on_loopback() -> None:
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        load_settings({"TRUST_PROXY_HEADERS": "true"})


@pytest.mark.parametrize("base", ["http://127.0.0.1:5000", "http://localhost:8000", "http://[::1]:5000"])
def test_loopback_starts_with_no_configuration(base: str) -> None:
    settings = load_settings({"PUBLIC_BASE_URL": base})
    assert not settings.is_public


def test_a_public_address_starts_with_strong_secrets() -> None:
    assert load_settings({"PUBLIC_BASE_URL": "https://voice.example.org", **STRONG, **NEUTRAL}).is_public


def test_production_requires_an_https_address() -> None:
    env = {"VOICE_ENV": "production", "REDIS_URL": "redis://r:6379/0", **STRONG, **NEUTRAL}
    with pytest.raises(ConfigError, match=r"PUBLIC_BASE_URL.*https"):
        load_settings({**env, "PUBLIC_BASE_URL": "http://voice.example.org"})
    assert load_settings({**env, "PUBLIC_BASE_URL": "https://voice.example.org"}).is_production


def test_demo_data_is_refused_in_production(app, runner) -> None:
    hotline = app.extensions["hotline"]
    hotline.settings = hotline.settings.replace(env="production")
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "refused in production" in result.output
    from models.operator import Operator

    with hotline.database.session() as session:
        assert session.query(Operator).count() == 0
