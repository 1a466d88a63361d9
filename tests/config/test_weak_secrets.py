"""Production refuses weak secrets on every address, loopback names included."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings

STRONG = {
    "TWILIO_AUTH_TOKEN": "tok-7Hq2Vw9xZp4Lm8Rc3Nb6Jd1Fg5Ks0Ty",
    "SECRET_KEY": "sec-Qz8Wn3Xv6Bm1Lp9Kr4Hs7Gt2Dj5Fc0Ya",
    "AUDIT_HASH_KEY": "aud-Mx5Tr8Ye2Wq7Un4Io1Pa6Sd9Fg3Hj0Kl",
}
PRODUCTION = {"VOICE_ENV": "production", "REDIS_URL": "redis://r:6379/0", "NEUTRAL_NUMBER": "+16175550100", **STRONG}


@pytest.mark.parametrize("base", ["https://localhost", "https://voice.localhost", "https://127.0.0.1:8443"])
@pytest.mark.parametrize("variable", sorted(STRONG))
@pytest.mark.parametrize("weak", ["x", "short-secret", "ab" * 20])
def test_production_on_a_loopback_name_refuses_a_weak_secret(base: str, variable: str, weak: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings({**PRODUCTION, "PUBLIC_BASE_URL": base, variable: weak})


@pytest.mark.parametrize("base", ["https://localhost", "https://voice.localhost", "https://voice.example.org"])
def test_production_starts_with_strong_secrets_anywhere(base: str) -> None:
    assert load_settings({**PRODUCTION, "PUBLIC_BASE_URL": base}).is_production


def test_a_weak_metrics_token_is_refused_in_production() -> None:
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        load_settings({**PRODUCTION, "PUBLIC_BASE_URL": "https://voice.example.org", "METRICS_TOKEN": "metrics"})
