"""Every error under /api is JSON problem details, including the router's 404/405 and the size limits."""

from __future__ import annotations

import pytest

from tests.operators.conftest import bearer


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"] and body["error"] == body["detail"]
    return body


@pytest.mark.parametrize("path", ["/api/requests/null,null", "/api/no-such-thing", "/api/requests/1/nope", "/api/"])
def test_an_unknown_api_path_is_a_json_404(client, make_operator, path: str) -> None:
    _, token = make_operator()
    assert_problem(client.get(path, headers=bearer(token)), 404)
    assert_problem(client.get(path), 404)


def test_a_wrong_method_is_a_json_405_naming_the_allowed_ones(client, make_operator) -> None:
    _, token = make_operator()
    response = client.delete("/api/requests", headers=bearer(token))
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_an_oversized_body_is_a_json_413(client, make_operator, add_request) -> None:
    _, token = make_operator()
    request_id = add_request()
    body = {"text": "x" * (200 * 1024)}
    assert_problem(client.post(f"/api/requests/{request_id}/notes", json=body, headers=bearer(token)), 413)


def test_a_very_long_api_path_is_a_json_414(client, make_operator) -> None:
    _, token = make_operator()
    assert_problem(client.get("/api/requests/" + "9" * 3000, headers=bearer(token)), 414)
    assert_problem(client.get("/api/requests", query_string={"language": "e" * 3000}, headers=bearer(token)), 414)


def test_a_missing_token_is_a_json_401(client) -> None:
    response = client.get("/api/requests")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_document_lists_the_refusals_each_operation_can_answer(client, make_operator) -> None:
    _, token = make_operator()
    document = client.get("/api/openapi.json", headers=bearer(token)).get_json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert {"400", "401", "414"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if "requestBody" in operation:
                assert "413" in codes, (method, path)


def test_the_dashboard_keeps_its_html_error_pages(client) -> None:
    assert client.get("/ops/no-such-page").mimetype == "text/html"
