"""The start-up banner never prints a secret: a real Twilio token or a password in an address."""

from __future__ import annotations

from embedded.__main__ import banner


def test_a_real_auth_token_is_not_printed() -> None:
    token = "f3c1a9e07b2d4c58a6e1d0b9c7f2e4a1"
    text = banner("http://127.0.0.1:5000", 5000, "redis://127.0.0.1:6379/0", "sqlite:///var/voice.db", token)
    assert token not in text
    assert "TWILIO_AUTH_TOKEN" in text


def test_the_development_token_is_printed_for_the_simulator() -> None:
    text = banner("http://127.0.0.1:5000", 5000, "redis://127.0.0.1:6379/0", "sqlite:///v.db", "dev-auth-token")
    assert "dev-auth-token" in text


def test_passwords_in_the_database_and_redis_addresses_are_hidden() -> None:
    text = banner(
        "http://127.0.0.1:5000", 5000, "redis://:r3dis-Secret@10.0.0.5:6379/0",
        "postgresql://voice:pg-Secret-99@db.internal/voice", "dev-auth-token",
    )  # fmt: skip
    assert "r3dis-Secret" not in text and "pg-Secret-99" not in text
    assert "postgresql://voice:***@db.internal/voice" in text
