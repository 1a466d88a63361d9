"""Community Relations Officers: an account with a field office, their office's requests first."""

from __future__ import annotations

import re

from models import Operator
from tests.operators.conftest import bearer, csrf_from, log_in

STRONG = "quiet walnut river seventy"


def make_cro(database, make_operator, office: str = "HOU"):
    operator, token = make_operator(role="cro")
    with database.session() as session:
        session.get(Operator, operator.id).field_office = office
    return operator, token


def test_operators_add_takes_the_field_office_of_a_cro(runner, database) -> None:
    result = runner.invoke(
        args=[
            "operators",
            "add",
            "cruz@voice.test",
            "--role",
            "cro",
            "--office",
            "hou",
            "--password",
            STRONG,
        ]
    )
    assert result.exit_code == 0, result.output
    with database.session() as session:
        operator = Operator.by_email(session, "cruz@voice.test")
        assert (operator.role, operator.field_office, operator.home_office) == ("cro", "HOU", "HOU")
    assert "HOU" in runner.invoke(args=["operators", "list"]).output


def test_a_cro_without_a_known_office_is_refused(runner) -> None:
    without = runner.invoke(args=["operators", "add", "a@voice.test", "--role", "cro", "--password", STRONG])
    assert without.exit_code != 0 and "field office" in without.output
    unknown = runner.invoke(
        args=[
            "operators",
            "add",
            "b@voice.test",
            "--role",
            "cro",
            "--office",
            "XYZ",
            "--password",
            STRONG,
        ]
    )
    assert unknown.exit_code != 0 and "unknown field office" in unknown.output


def test_a_cro_claims_their_offices_requests_first_then_anyones(client, database, make_operator, add_request) -> None:
    _, token = make_cro(database, make_operator)
    older_elsewhere = add_request(minutes_ago=60, field_office="LOS", need="removal_process")
    mine = add_request(minutes_ago=5, field_office="HOU", need="removal_process")
    first = client.post("/api/requests/claim-next", json={}, headers=bearer(token)).get_json()
    assert first["id"] == mine
    client.post(f"/api/requests/{mine}/complete", json={"disposition": "reached"}, headers=bearer(token))
    second = client.post("/api/requests/claim-next", json={}, headers=bearer(token)).get_json()
    assert second["id"] == older_elsewhere


def test_an_operator_who_is_not_a_cro_takes_the_oldest_whatever_the_office(
    client, database, make_operator, add_request
) -> None:
    operator, token = make_operator()
    with database.session() as session:
        session.get(Operator, operator.id).field_office = "HOU"
    older_elsewhere = add_request(minutes_ago=60, field_office="LOS")
    add_request(minutes_ago=5, field_office="HOU")
    assert client.post("/api/requests/claim-next", json={}, headers=bearer(token)).get_json()["id"] == older_elsewhere


def test_the_dashboard_queue_opens_on_a_cros_own_office(client, database, make_operator, add_request) -> None:
    operator, _ = make_cro(database, make_operator)
    add_request(phone="+12025550161", field_office="HOU")
    add_request(phone="+12025550162", field_office="LOS")
    assert log_in(client, operator.email).status_code == 302
    page = client.get("/ops/").get_data(as_text=True)
    assert 'name="office" size="6" value="HOU"' in page
    assert "LOS" not in client.get("/ops/queue/rows").get_data(as_text=True)
    everyone = client.get("/ops/queue/rows?office=").get_data(as_text=True)
    assert "LOS" in everyone and "HOU" in everyone
    # The page refreshes its table from a URL that keeps the emptied filter.
    refresh = re.search(r'data-src="([^"]+)"', client.get("/ops/?office=").get_data(as_text=True))[1]
    assert "LOS" in client.get(refresh.replace("&amp;", "&")).get_data(as_text=True)


def test_the_dashboard_queue_of_an_operator_shows_every_office(client, make_operator, add_request) -> None:
    operator, _ = make_operator()
    add_request(phone="+12025550161", field_office="HOU")
    add_request(phone="+12025550162", field_office="LOS")
    assert log_in(client, operator.email).status_code == 302
    rows = client.get("/ops/queue/rows").get_data(as_text=True)
    assert "LOS" in rows and "HOU" in rows


def test_claim_next_on_a_cros_default_filter_falls_back_to_other_offices(
    client, database, make_operator, add_request
) -> None:
    operator, _ = make_cro(database, make_operator)
    elsewhere = add_request(field_office="LOS")
    assert log_in(client, operator.email).status_code == 302
    token = csrf_from(client.get("/ops/").get_data(as_text=True))
    claimed = client.post("/ops/claim", data={"csrf_token": token, "office": "HOU", "language": ""})
    assert claimed.status_code == 302 and claimed.headers["Location"].endswith(f"/ops/requests/{elsewhere}")


def test_demo_load_creates_a_cro_of_the_el_paso_office(runner, client, database) -> None:
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with database.session() as session:
        assert Operator.by_email(session, "cro@voice.demo").home_office == "ELP"
    assert log_in(client, "cro@voice.demo", "saffron canyon ladder forty").status_code == 302
