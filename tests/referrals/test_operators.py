"""Operators: a directory search on the API and the dashboard, and a referral that shows on the request."""

from __future__ import annotations

from models import claims
from models.base import utcnow
from tests.operators.conftest import bearer, csrf_from, log_in


def test_the_api_searches_by_zip_nearest_first_with_category_and_language(client, demo_directory, make_operator):
    _, token = make_operator()
    response = client.get("/api/directory/services?zip=78550&category=legal_help&language=es", headers=bearer(token))
    assert response.status_code == 200
    services = response.get_json()["services"]
    assert services and all(s["category"] == "legal_help" for s in services)
    assert services[0]["city"] == "Harlingen"
    assert "es" in services[0]["languages"]


def test_the_api_searches_by_city(client, demo_directory, make_operator):
    _, token = make_operator()
    services = client.get("/api/directory/services?city=brownsville", headers=bearer(token)).get_json()["services"]
    assert services and all(s["city"] == "Brownsville" for s in services)


def test_the_api_needs_a_token_and_a_known_zip(client, demo_directory, make_operator):
    assert client.get("/api/directory/services?zip=78550").status_code == 401
    _, token = make_operator()
    response = client.get("/api/directory/services?zip=00000", headers=bearer(token))
    assert response.status_code == 400 and "zip" in response.get_json()["error"]


def test_a_referral_by_api_completes_as_referred_and_names_the_service(
    client, demo_directory, make_operator, add_request
):
    operator, token = make_operator()
    request_id = add_request()
    with demo_directory.session() as session:
        claims.claim_next(session, operator, utcnow())
    [service] = client.get("/api/directory/services?zip=78550&category=shelter", headers=bearer(token)).get_json()[
        "services"
    ][:1]
    response = client.post(
        f"/api/requests/{request_id}/referrals",
        json={"service_id": service["service_id"], "complete": True},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.get_json()
    shown = client.get(f"/api/requests/{request_id}", headers=bearer(token)).get_json()
    assert shown["disposition"] == "referred"
    assert any(service["name"] in (h["detail"] or "") for h in shown["history"])
    listed = client.get(f"/api/requests/{request_id}/referrals", headers=bearer(token)).get_json()["referrals"]
    assert [r["service_name"] for r in listed] == [service["name"]]


def test_an_unknown_service_is_not_recorded(client, demo_directory, make_operator, add_request):
    _, token = make_operator()
    request_id = add_request()
    response = client.post(f"/api/requests/{request_id}/referrals", json={"service_id": "nope"}, headers=bearer(token))
    assert response.status_code == 400


def test_only_a_supervisor_corrects_a_category(client, demo_directory, make_operator):
    _, token = make_operator()
    _, boss = make_operator(role="supervisor")
    assert (
        client.patch(
            "/api/directory/services/svc-000001", json={"category": "shelter"}, headers=bearer(token)
        ).status_code
        == 403
    )
    response = client.patch("/api/directory/services/svc-000001", json={"category": "shelter"}, headers=bearer(boss))
    assert response.status_code == 200 and response.get_json()["category"] == "shelter"
    assert (
        client.patch("/api/directory/services/svc-000001", json={"category": "x"}, headers=bearer(boss)).status_code
        == 400
    )


def test_the_dashboard_refers_a_service_and_the_request_shows_it(client, demo_directory, make_operator, add_request):
    operator, _ = make_operator()
    request_id = add_request()
    log_in(client, operator.email)
    page = client.get(f"/ops/directory?request={request_id}&zip=78550&category=domestic_violence")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Harlingen" in html
    service_id = html.split('name="service_id" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        f"/ops/requests/{request_id}/refer", data={"service_id": service_id, "csrf_token": csrf_from(html)}
    )
    assert response.status_code == 302
    detail = client.get(f"/ops/requests/{request_id}").get_data(as_text=True)
    assert "referral given" in detail and service_id in detail


def test_the_dashboard_refer_form_needs_its_csrf_token(client, demo_directory, make_operator, add_request):
    operator, _ = make_operator()
    request_id = add_request()
    log_in(client, operator.email)
    assert client.post(f"/ops/requests/{request_id}/refer", data={"service_id": "svc-000001"}).status_code == 400
