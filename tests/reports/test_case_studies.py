"""Case studies: proposed by an operator for a completed request, approved by a supervisor, then in the report."""

from __future__ import annotations

from datetime import UTC, datetime

from models import CallbackRequest
from models.report import Period
from reports import document
from tests.operators.conftest import bearer, csrf_from, log_in

SUMMARY = (
    "A relative asked where a family member had been moved; the specialist found the facility, "
    "explained the visiting rules in Spanish and referred the family to free legal help."
)
CLOSED_AT = datetime(2026, 11, 10, 15, 0, tzinfo=UTC)


def closed_request(add_request, database) -> int:
    request_id = add_request()
    with database.session() as session:
        item = session.get(CallbackRequest, request_id)
        item.status, item.disposition, item.closed_at = "closed", "resolved", CLOSED_AT
    return request_id


def report_case_studies(database, settings) -> list[str]:
    with database.session() as session:
        report = document.build(session, Period.parse("2026Q4"), settings.tz, datetime.now(UTC), charts_on=False)
    return report.case_studies


def test_an_approved_case_study_appears_in_the_report(client, make_operator, add_request, database, settings) -> None:
    request_id = closed_request(add_request, database)
    _, operator_token = make_operator()
    _, supervisor_token = make_operator(role="supervisor")
    made = client.post(
        f"/api/requests/{request_id}/case-study", json={"summary": SUMMARY}, headers=bearer(operator_token)
    )
    assert made.status_code == 201 and made.get_json()["status"] == "proposed"
    assert report_case_studies(database, settings) == []
    study_id = made.get_json()["id"]
    pending = client.get("/api/case-studies/pending", headers=bearer(supervisor_token)).get_json()
    assert [s["id"] for s in pending] == [study_id]
    approved = client.post(f"/api/case-studies/{study_id}/approve", headers=bearer(supervisor_token))
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    assert report_case_studies(database, settings) == [SUMMARY]


def test_a_summary_with_a_phone_number_is_refused_and_not_stored(client, make_operator, add_request, database) -> None:
    request_id = closed_request(add_request, database)
    _, token = make_operator()
    refused = client.post(
        f"/api/requests/{request_id}/case-study",
        json={"summary": SUMMARY + " Her number is 202-555-0143."},
        headers=bearer(token),
    )
    assert refused.status_code == 422
    assert any("phone number" in reason for reason in refused.get_json()["reasons"])
    assert "0143" not in refused.get_data(as_text=True)
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM case_studies").scalar() == 0


def test_only_a_completed_request_can_be_a_case_study(client, make_operator, add_request) -> None:
    request_id = add_request()
    _, token = make_operator()
    response = client.post(f"/api/requests/{request_id}/case-study", json={"summary": SUMMARY}, headers=bearer(token))
    assert response.status_code == 409


def test_an_operator_cannot_approve_and_a_writer_cannot_approve_their_own(
    client, make_operator, add_request, database
) -> None:
    request_id = closed_request(add_request, database)
    _, operator_token = make_operator()
    _, supervisor_token = make_operator(role="supervisor")
    made = client.post(
        f"/api/requests/{request_id}/case-study", json={"summary": SUMMARY}, headers=bearer(supervisor_token)
    )
    study_id = made.get_json()["id"]
    assert client.post(f"/api/case-studies/{study_id}/approve", headers=bearer(operator_token)).status_code == 403
    assert client.post(f"/api/case-studies/{study_id}/approve", headers=bearer(supervisor_token)).status_code == 409


def test_the_dashboard_proposes_and_a_supervisor_approves(
    client, make_operator, add_request, database, settings
) -> None:
    request_id = closed_request(add_request, database)
    operator, _ = make_operator()
    supervisor, _ = make_operator(role="supervisor")
    log_in(client, operator.email)
    page = client.get(f"/ops/requests/{request_id}").get_data(as_text=True)
    assert 'id="case-study-form"' in page
    refused = client.post(
        f"/ops/requests/{request_id}/case-study",
        data={"summary": SUMMARY + " Write to ana@example.org.", "csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "e-mail address" in refused.get_data(as_text=True)
    client.post(
        f"/ops/requests/{request_id}/case-study",
        data={"summary": SUMMARY, "csrf_token": csrf_from(page)},
    )
    client.post("/ops/logout", data={"csrf_token": csrf_from(page)})
    log_in(client, supervisor.email)
    listing = client.get("/ops/case-studies").get_data(as_text=True)
    assert SUMMARY in listing
    action = f"/ops/case-studies/{_pending_id(database)}/approve"
    assert action in listing
    client.post(action, data={"csrf_token": csrf_from(listing)})
    assert report_case_studies(database, settings) == [SUMMARY]


def _pending_id(database) -> int:
    with database.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT id FROM case_studies").scalar())
