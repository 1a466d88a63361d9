"""Pages and API answers that carry personal data are never cached or referred; every page sets a Referrer-Policy."""

from __future__ import annotations

from tests.operators.conftest import bearer, log_in


def test_api_answers_are_never_stored(client, make_operator, add_request) -> None:
    add_request()
    _, token = make_operator()
    for response in (
        client.get("/api/requests", headers=bearer(token)),
        client.post("/api/requests/claim-next", json={}, headers=bearer(token)),
        client.get("/api/requests/99999", headers=bearer(token)),
        client.get("/api/no-such-route", headers=bearer(token)),
        client.get("/api/requests"),
    ):
        assert response.headers["Cache-Control"] == "no-store", response.request.path
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_every_dashboard_page_sets_a_referrer_policy_and_no_store(app, client, make_operator) -> None:
    supervisor, _ = make_operator(role="supervisor")
    log_in(client, supervisor.email)
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/ops") and not rule.arguments and "GET" in rule.methods:
            response = client.get(rule.rule)
            assert response.headers.get("Referrer-Policy") == "no-referrer", rule.rule
            assert response.headers.get("Cache-Control") == "no-store", rule.rule
    for path in ("/", "/healthz", "/ops/no-such-page"):
        assert client.get(path).headers.get("Referrer-Policy") == "no-referrer", path
