"""Hostile path and query values on every office route: 400 or 404 with a reason, never a server error."""

from __future__ import annotations

import re

import pytest

from tests.operators.conftest import csrf_from, log_in

HOSTILE_IDS = [str(2**31), str(2**63), str(2**64 + 5)]
HOSTILE_QUERY = {
    "request": str(2**63),
    "q": "a\x00b",
    "language": "e\x00s",
    "zip": "\x00",
    "period": "0001Q1",
    "next": "/ops/\r\nSet-Cookie: x=1",
}


def office_rules(app) -> list:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/ops")]


def fill(rule, value: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", value, rule.rule)


@pytest.fixture
def supervisor_client(client, make_operator):
    supervisor, _ = make_operator(role="supervisor")
    assert log_in(client, supervisor.email).status_code == 302
    return client


def test_every_office_route_refuses_hostile_path_values(app, supervisor_client) -> None:
    client = supervisor_client
    token = csrf_from(client.get("/ops/").get_data(as_text=True))
    checked = 0
    for rule in office_rules(app):
        if not rule.arguments:
            continue
        for value in [*HOSTILE_IDS, "0001Q1.csv", "%00"]:
            path = fill(rule, value)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                data = {"csrf_token": token, "service_id": "s\x00", "text": "hi"} if method == "POST" else None
                response = client.open(path, method=method, data=data)
                assert response.status_code in (400, 404), (method, path, response.status_code)
                assert response.get_data(as_text=True).strip(), (method, path)
                checked += 1
    assert checked > 20


def test_every_office_route_refuses_hostile_query_values(app, supervisor_client) -> None:
    client = supervisor_client
    for rule in office_rules(app):
        if rule.arguments or "GET" not in rule.methods or rule.endpoint in ("ops.logout",):
            continue
        for name, value in HOSTILE_QUERY.items():
            response = client.get(rule.rule, query_string={name: value})
            assert response.status_code < 500, (rule.rule, name, response.status_code)
            assert "\r" not in response.headers.get("Location", ""), rule.rule


@pytest.mark.parametrize("period", ["0001Q1", "0000Q1", "99999Q1", "2026W99", "2026M13", "0001-01"])
def test_a_report_period_out_of_range_is_404(supervisor_client, period: str) -> None:
    for path in (f"/ops/report/{period}.csv", f"/ops/report/{period}.pdf"):
        assert supervisor_client.get(path).status_code == 404
    assert supervisor_client.get("/ops/report", query_string={"period": period}).status_code == 404


@pytest.mark.parametrize(
    "query", [{"request": str(2**31)}, {"request": str(2**63)}, {"q": "x\x00"}, {"language": "\x00"}]
)
def test_the_directory_refuses_hostile_query_values(supervisor_client, query) -> None:
    response = supervisor_client.get("/ops/directory", query_string=query)
    assert response.status_code in (400, 404)
    assert response.get_data(as_text=True).strip()


@pytest.mark.parametrize("target", ["/ops/\r\nSet-Cookie: a=b", "/ops/%0d%0aX: y", "//evil.example", "\n/ops/"])
def test_a_log_in_next_with_line_breaks_goes_to_the_queue(client, make_operator, target: str) -> None:
    operator, _ = make_operator()
    page = client.get("/ops/login", query_string={"next": target})
    assert page.status_code in (200, 400)
    token = csrf_from(client.get("/ops/login").get_data(as_text=True))
    response = client.post(
        "/ops/login",
        data={"email": operator.email, "password": "correct horse battery", "csrf_token": token, "next": target},
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        location = response.headers["Location"]
        assert "\r" not in location and "\n" not in location and "evil" not in location
        assert location.endswith("/ops/")
