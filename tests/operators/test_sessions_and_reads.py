"""Sessions and reads: log-out ends the session server-side, trivial passwords are
refused, and a full caller number is shown only to the operator holding the request, every time audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import NumberRead, Operator
from tests.operators.conftest import bearer, csrf_from, log_in

CALLER = "+12025550177"


def test_a_copied_session_cookie_stops_working_after_log_out(app, make_operator) -> None:
    operator, _ = make_operator()
    browser = app.test_client()
    assert log_in(browser, operator.email).status_code == 302
    cookie = browser.get_cookie("session")
    assert cookie is not None
    # Someone copied the cookie (a shared computer, a stolen laptop) ...
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain=cookie.domain or "localhost")
    assert thief.get("/ops/").status_code == 200
    # ... the operator logs out: the copy is refused too.
    page = browser.get("/ops/").get_data(as_text=True)
    assert browser.post("/ops/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    assert thief.get("/ops/").status_code == 302
    assert log_in(browser, operator.email).status_code == 302


@pytest.mark.parametrize(
    "password",
    ["aaaaaaaaaaaa", "Ana.Lopez@voice.test", "ana.lopez-secret", "1234567890", "Password123", "qwertyuiop", "short"],
)
def test_trivial_passwords_are_refused(runner, password: str) -> None:
    result = runner.invoke(args=["operators", "add", "ana.lopez@voice.test", "--password", password])
    assert result.exit_code != 0
    assert "Invalid value for --password" in result.output


def test_a_full_number_is_shown_only_to_the_holder_and_every_read_is_audited(
    app, client, make_operator, add_request
) -> None:
    request_id = add_request(phone=CALLER)
    holder, holder_token = make_operator()
    _, other_token = make_operator()
    # Waiting in the queue: nobody sees the number.
    listed = client.get("/api/requests", headers=bearer(other_token)).get_json()["requests"]
    assert listed[0]["phone"] == "***0177"
    claimed = client.post("/api/requests/claim-next", json={}, headers=bearer(holder_token)).get_json()
    assert claimed["id"] == request_id and claimed["phone"] == CALLER
    assert client.get(f"/api/requests/{request_id}", headers=bearer(holder_token)).get_json()["phone"] == CALLER
    assert client.get(f"/api/requests/{request_id}", headers=bearer(other_token)).get_json()["phone"] == "***0177"
    # The dashboard: the holder's page shows it, another operator's shows the last four.
    log_in(client, holder.email)
    assert CALLER in client.get(f"/ops/requests/{request_id}").get_data(as_text=True)
    with app.extensions["hotline"].database.session() as session:
        reads = list(session.scalars(select(NumberRead).order_by(NumberRead.id)))
    assert [(r.operator_id, r.request_id, r.channel) for r in reads] == [
        (holder.id, request_id, "api"),
        (holder.id, request_id, "api"),
        (holder.id, request_id, "dashboard"),
    ]


def test_another_operators_dashboard_page_shows_the_last_four_only(client, make_operator, add_request) -> None:
    request_id = add_request(phone=CALLER)
    _, holder_token = make_operator()
    other, _ = make_operator()
    client.post("/api/requests/claim-next", json={}, headers=bearer(holder_token))
    log_in(client, other.email)
    page = client.get(f"/ops/requests/{request_id}").get_data(as_text=True)
    assert CALLER not in page and "***0177" in page


def test_password_hashes_use_one_argon2_lane_and_older_hashes_are_replaced_at_log_in(database) -> None:
    """A log-in keeps argon2 on one core; a hash made with four lanes is re-made at the next good log-in."""
    from argon2 import PasswordHasher, extract_parameters

    from models.base import utcnow

    with database.session() as session:
        person = Operator(email="lanes@voice.test", name="Lanes", role="operator")
        person.set_password("correct horse battery")
        assert extract_parameters(person.password_hash).parallelism == 1
        person.password_hash = PasswordHasher(parallelism=4).hash("correct horse battery")
        session.add(person)
    with database.session() as session:
        assert Operator.authenticate(session, "lanes@voice.test", "correct horse battery", utcnow()) is not None
    with database.session() as session:
        stored = Operator.by_email(session, "lanes@voice.test")
        assert extract_parameters(stored.password_hash).parallelism == 1
        assert stored.check_password("correct horse battery")
