"""Registrations: full numbers only for the operator who registered the caller (and supervisors), each read audited."""

from __future__ import annotations

from sqlalchemy import select

from models.number_reads import NumberRead
from tests.operators.conftest import bearer, log_in

PHONE = "+12025550145"
A_NUMBER = "A209000091"


def register(client, token: str) -> dict:
    body = {"a_number": A_NUMBER, "country": "MX", "phone": PHONE, "pin": "1357"}
    response = client.post("/api/registrations", json=body, headers=bearer(token))
    assert response.status_code == 201
    return response.get_json()


def reads(database) -> list[tuple[int, int, str]]:
    with database.session() as session:
        rows = session.scalars(select(NumberRead).order_by(NumberRead.id))
        return [(r.operator_id, r.request_id, r.channel) for r in rows]


def test_another_operator_sees_masked_numbers_through_the_api(client, make_operator, database) -> None:
    _, author_token = make_operator()
    other, other_token = make_operator()
    registration = register(client, author_token)
    listed = client.get("/api/registrations", query_string={"a_number": A_NUMBER}, headers=bearer(other_token))
    [row] = listed.get_json()["registrations"]
    assert PHONE not in str(row) and "209000091" not in str(row)
    assert row["phone"].endswith("0145")
    shown = client.get(f"/api/registrations/{registration['id']}", headers=bearer(other_token)).get_json()
    assert PHONE not in str(shown) and "209000091" not in str(shown)
    assert all(operator_id != other.id for operator_id, _, _ in reads(database))


def test_every_full_read_in_the_api_is_audited(client, make_operator, database) -> None:
    author, author_token = make_operator()
    supervisor, supervisor_token = make_operator(role="supervisor")
    registration = register(client, author_token)
    listed = client.get("/api/registrations", query_string={"a_number": A_NUMBER}, headers=bearer(author_token))
    assert listed.get_json()["registrations"][0]["phone"] == PHONE
    shown = client.get(f"/api/registrations/{registration['id']}", headers=bearer(supervisor_token)).get_json()
    assert shown["phone"] == PHONE
    audit = reads(database)
    assert (author.id, registration["id"], "registration-api") in audit
    assert (supervisor.id, registration["id"], "registration-api") in audit
    assert len(audit) == 3  # the answer to the registration itself, the list, the detail


def test_the_registration_page_masks_for_others_and_audits_the_holder(app, client, make_operator, database) -> None:
    author, author_token = make_operator()
    other, _ = make_operator()
    registration = register(client, author_token)
    other_browser = app.test_client()
    log_in(other_browser, other.email)
    page = other_browser.get(f"/ops/registrations/{registration['id']}").get_data(as_text=True)
    listing = other_browser.get("/ops/registrations/", query_string={"q": A_NUMBER}).get_data(as_text=True)
    for html in (page, listing):
        assert PHONE not in html and "(202) 555-0145" not in html and "0145" in html
    log_in(client, author.email)
    assert PHONE in client.get(f"/ops/registrations/{registration['id']}").get_data(as_text=True)
    assert (author.id, registration["id"], "registration-ops") in reads(database)
    assert all(operator_id != other.id for operator_id, _, _ in reads(database))
