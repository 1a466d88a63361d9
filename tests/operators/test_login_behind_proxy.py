"""Log-in throttling behind proxies: only the proxy's own entry is believed, per account too, and strangers
failing at an account or from a shared address never lock the owner out of their own browser."""

from __future__ import annotations

import pytest

from app import create_app
from tests.conftest import close_app
from tests.operators.conftest import csrf_from

PASSWORD = "correct horse battery"
PROXY = "127.0.0.1"


def attempt(client, email: str, password: str, forwarded: str | None = None, address: str = PROXY):
    environ = {"REMOTE_ADDR": address}
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    page = client.get("/ops/login", environ_base=environ, headers=headers)
    token = csrf_from(page.get_data(as_text=True))
    data = {"email": email, "password": password, "csrf_token": token}
    return client.post("/ops/login", data=data, environ_base=environ, headers=headers)


@pytest.fixture
def proxied(settings, request):
    """An app behind ``request.param`` proxies (TRUST_PROXY_HEADERS)."""
    hops = getattr(request, "param", 1)
    application = create_app(settings.replace(trust_proxy_headers=hops))
    application.config["TESTING"] = True
    yield application
    close_app(application)


def test_rotating_the_left_forwarded_entries_does_not_escape_the_address_limit(app, proxied, make_operator, settings):
    operator, _ = make_operator()
    client = proxied.test_client()
    for number in range(settings.login_ip_per_minute):
        forged = f"198.51.100.{number}, 203.0.113.50"
        assert attempt(client, f"nobody{number}@voice.test", "wrong guess 123", forged).status_code == 401
    # The proxy saw every one of them come from 203.0.113.50: that address is throttled ...
    assert attempt(proxied.test_client(), operator.email, PASSWORD, "192.0.2.1, 203.0.113.50").status_code == 401
    # ... another real client is not.
    assert attempt(proxied.test_client(), operator.email, PASSWORD, "203.0.113.51").status_code == 302


@pytest.mark.parametrize("proxied", [2], indirect=True)
def test_two_trusted_hops_believe_the_second_entry_from_the_right(app, proxied, make_operator, settings):
    operator, _ = make_operator()
    client = proxied.test_client()
    for number in range(settings.login_ip_per_minute):
        forged = f"198.51.100.{number}, 203.0.113.60, 10.0.0.2"
        attempt(client, f"nobody{number}@voice.test", "wrong guess 123", forged)
    assert attempt(proxied.test_client(), operator.email, PASSWORD, "203.0.113.60, 10.0.0.2").status_code == 401
    assert attempt(proxied.test_client(), operator.email, PASSWORD, "203.0.113.61, 10.0.0.2").status_code == 302


def test_a_stranger_at_a_shared_address_cannot_lock_the_owner_out(app, proxied, make_operator, settings):
    operator, _ = make_operator()
    shared = "203.0.113.70"
    owner = proxied.test_client()
    assert attempt(owner, operator.email, PASSWORD, shared).status_code == 302  # a known device from now on
    owner.delete_cookie("session")
    stranger = proxied.test_client()
    for _ in range(settings.login_max_failures + 1):
        attempt(stranger, operator.email, "wrong guess 123", shared)
    for number in range(settings.login_ip_per_minute + 1):
        attempt(stranger, f"nobody{number}@voice.test", "wrong guess 123", shared)
    # The stranger is throttled, even with the right password ...
    assert attempt(stranger, operator.email, PASSWORD, shared).status_code == 401
    # ... the owner's own browser at the same address still gets in.
    assert attempt(owner, operator.email, PASSWORD, shared).status_code == 302


def test_guessing_one_account_from_many_addresses_is_slowed_down(app, proxied, make_operator, settings):
    operator, _ = make_operator()
    for number in range(settings.login_max_failures * 3):
        attempt(proxied.test_client(), operator.email, "wrong guess 123", f"198.51.100.{number}")
    assert attempt(proxied.test_client(), operator.email, PASSWORD, "198.51.100.200").status_code == 401


def test_a_known_device_has_its_own_limit_and_only_for_its_account(app, proxied, make_operator, settings):
    operator, _ = make_operator()
    other, _ = make_operator()
    device = proxied.test_client()
    assert attempt(device, operator.email, PASSWORD, "203.0.113.80").status_code == 302
    device.delete_cookie("session")
    for _ in range(settings.login_max_failures):
        assert attempt(device, operator.email, "wrong guess 123", "203.0.113.80").status_code == 401
    # A stolen device cookie is not a way to guess without limit.
    assert attempt(device, operator.email, PASSWORD, "203.0.113.80").status_code == 401
    # The cookie names one account: another account's guesses from it count like a stranger's.
    for _ in range(settings.login_max_failures):
        attempt(device, other.email, "wrong guess 123", "203.0.113.81")
    assert attempt(device, other.email, PASSWORD, "203.0.113.81").status_code == 401


@pytest.mark.parametrize("value, hops", [("true", 1), ("false", 0), ("2", 2), ("0", 0)])
def test_trust_proxy_headers_names_how_many_hops(value: str, hops: int) -> None:
    from config import load_settings

    strong = {
        "TWILIO_AUTH_TOKEN": "tok-7Hq2Vw9xZp4Lm8Rc3Nb6Jd1Fg5Ks0Ty",
        "SECRET_KEY": "sec-Qz8Wn3Xv6Bm1Lp9Kr4Hs7Gt2Dj5Fc0Ya",
        "AUDIT_HASH_KEY": "aud-Mx5Tr8Ye2Wq7Un4Io1Pa6Sd9Fg3Hj0Kl",
        "NEUTRAL_NUMBER": "+16175550100",
    }
    assert load_settings({"TRUST_PROXY_HEADERS": value, **strong}).trust_proxy_headers == hops
