"""Log-ins cannot starve webhooks: throttled per address and account in Redis,
never a lockout of the owner, and unknown, wrong and throttled log-ins answered alike; the phone
process group sends the office's pages to the office group."""

from __future__ import annotations

import pytest

from tests.operators.conftest import csrf_from

PASSWORD = "correct horse battery"


def attempt(client, email: str, password: str, address: str):
    environ = {"REMOTE_ADDR": address}
    page = client.get("/ops/login", environ_base=environ)
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/ops/login", data={"email": email, "password": password, "csrf_token": token}, environ_base=environ
    )


def body(response) -> str:
    return response.get_data(as_text=True).replace(csrf_from(response.get_data(as_text=True)), "")


def test_guessing_from_one_address_never_locks_the_owner_out(app, make_operator) -> None:
    operator, _ = make_operator()
    attacker = app.test_client()
    for _ in range(5):
        assert attempt(attacker, operator.email, "wrong guess 123", "203.0.113.9").status_code == 401
    # The attacker's address is now throttled for this account: even the right password waits ...
    assert attempt(attacker, operator.email, PASSWORD, "203.0.113.9").status_code == 401
    # ... but the owner, elsewhere, logs in at once.
    assert attempt(app.test_client(), operator.email, PASSWORD, "198.51.100.7").status_code == 302


def test_unknown_wrong_and_throttled_log_ins_are_answered_alike(app, make_operator) -> None:
    operator, _ = make_operator()
    client = app.test_client()
    unknown = attempt(client, "nobody@voice.test", "wrong guess 123", "203.0.113.10")
    wrong = attempt(client, operator.email, "wrong guess 123", "203.0.113.11")
    for _ in range(5):
        attempt(client, operator.email, "wrong guess 123", "203.0.113.12")
    throttled = attempt(client, operator.email, "wrong guess 123", "203.0.113.12")
    assert unknown.status_code == wrong.status_code == throttled.status_code == 401
    assert body(unknown) == body(wrong) == body(throttled)


def test_one_address_is_throttled_across_accounts(app, make_operator, settings) -> None:
    make_operator()
    client = app.test_client()
    for number in range(settings.login_ip_per_minute):
        attempt(client, f"guess{number}@voice.test", "wrong guess 123", "203.0.113.20")
    operator, _ = make_operator()
    assert attempt(client, operator.email, PASSWORD, "203.0.113.20").status_code == 401
    assert attempt(client, operator.email, PASSWORD, "203.0.113.21").status_code == 302


def test_the_counts_live_in_redis(app, make_operator, redis_server) -> None:
    import redis

    operator, _ = make_operator()
    attempt(app.test_client(), operator.email, "wrong guess 123", "203.0.113.30")
    keys = redis.Redis.from_url(redis_server.url).keys("*voice-login*")
    assert keys


class TestThePhoneGroup:
    @pytest.fixture
    def settings(self, settings):
        return settings.replace(process_group="phone", office_url="http://127.0.0.1:5100")

    def test_sends_the_office_pages_to_the_office_group(self, client) -> None:
        response = client.post("/ops/login?next=%2Fops%2F", data={"email": "x"})
        assert response.status_code == 307
        assert response.headers["Location"] == "http://127.0.0.1:5100/ops/login?next=%2Fops%2F"
        assert client.get("/api/requests").status_code == 307

    def test_still_answers_twilio(self, call) -> None:
        assert "Thank you for calling" in call().last_heard()
