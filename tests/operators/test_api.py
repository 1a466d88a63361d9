"""The JSON API: bearer tokens, the queue operations, and an OpenAPI document that matches the routes."""

from __future__ import annotations

import re

from tests.operators.conftest import bearer


def test_every_api_route_needs_a_live_token(client, make_operator, add_request, runner) -> None:
    request_id = add_request()
    operator, token = make_operator()
    paths = [
        ("get", "/api/requests"),
        ("post", "/api/requests/claim-next"),
        ("get", f"/api/requests/{request_id}"),
        ("get", "/api/stats"),
        ("get", "/api/openapi.json"),
        ("post", f"/api/requests/{request_id}/release"),
    ]
    for method, path in paths:
        assert getattr(client, method)(path).status_code == 401, path
        assert getattr(client, method)(path, headers=bearer("vop_not-a-token")).status_code == 401, path
    assert client.get("/api/requests", headers=bearer(token)).status_code == 200
    assert client.get("/api/requests", headers={"Authorization": "Basic abc"}).status_code == 401
    runner.invoke(args=["operators", "revoke", operator.email])
    assert client.get("/api/requests", headers=bearer(token)).status_code == 401


def test_claim_note_and_complete_through_the_api(client, make_operator, add_request) -> None:
    first = add_request(minutes_ago=30, language="es", transcription="llámenme")
    add_request(minutes_ago=5)
    _, token = make_operator()
    listed = client.get("/api/requests", headers=bearer(token)).get_json()["requests"]
    assert listed[0]["id"] == first

    claimed = client.post("/api/requests/claim-next", json={}, headers=bearer(token))
    assert claimed.status_code == 200
    body = claimed.get_json()
    assert body["id"] == first and body["status"] == "claimed" and body["phone"].startswith("+1202555")
    again = client.post("/api/requests/claim-next", headers=bearer(token)).get_json()
    assert again["id"] == first

    note = client.post(f"/api/requests/{first}/notes", json={"text": "prefers Spanish"}, headers=bearer(token))
    assert note.status_code == 201
    bad = client.post(f"/api/requests/{first}/complete", json={"disposition": "maybe"}, headers=bearer(token))
    assert bad.status_code == 400
    done = client.post(
        f"/api/requests/{first}/complete", json={"disposition": "reached", "notes": "ok"}, headers=bearer(token)
    )
    assert done.status_code == 200 and done.get_json()["status"] == "closed"

    detail = client.get(f"/api/requests/{first}", headers=bearer(token)).get_json()
    assert [h["event"] for h in detail["history"]] == ["claimed", "note", "completed"]
    assert detail["attempts"][0]["disposition"] == "reached"
    stats = client.get("/api/stats", headers=bearer(token)).get_json()
    assert stats["queue_depth"] == 1 and stats["completed_last_hour"] == 1


def test_someone_elses_claim_cannot_be_completed_or_released(client, make_operator, add_request) -> None:
    request_id = add_request()
    _, owner = make_operator()
    _, other = make_operator()
    client.post("/api/requests/claim-next", headers=bearer(owner))
    done = client.post(f"/api/requests/{request_id}/complete", json={"disposition": "reached"}, headers=bearer(other))
    assert done.status_code == 409
    assert client.post(f"/api/requests/{request_id}/release", headers=bearer(other)).status_code == 409
    assert client.post(f"/api/requests/{request_id}/release", headers=bearer(owner)).status_code == 200
    assert client.get("/api/requests/99999", headers=bearer(owner)).status_code == 404


def test_an_empty_queue_answers_204(client, make_operator) -> None:
    _, token = make_operator()
    assert client.post("/api/requests/claim-next", headers=bearer(token)).status_code == 204


def test_the_document_is_built_whole_on_its_first_read_even_by_two_threads_at_once(app) -> None:
    import threading

    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    assert api._undocumented  # building the app documented nothing yet
    documents: list[dict] = []
    readers = [threading.Thread(target=lambda: documents.append(api.spec.to_dict())) for _ in range(2)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert not api._undocumented
    assert documents[0] == documents[1] and len(documents[0]["paths"]) >= 20
    assert len(documents[0]["tags"]) == len({tag["name"] for tag in documents[0]["tags"]})  # each area once


def test_the_openapi_document_matches_the_served_routes(app, client, make_operator) -> None:
    _, token = make_operator()
    spec = client.get("/api/openapi.json", headers=bearer(token)).get_json()
    assert spec["openapi"].startswith("3.")
    documented = {
        (method.upper(), path) for path, ops in spec["paths"].items() for method in ops if method != "parameters"
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            served |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    # Both ways: every route under /api is documented, and every documented path is served.
    assert documented == served
    refs = re.findall(r'"#/components/(\w+)/(\w+)"', str(spec).replace("'", '"'))
    assert all(name in spec["components"][kind] for kind, name in refs)
    for path, ops in spec["paths"].items():
        for method, operation in ops.items():
            if method == "parameters":
                continue
            given = [*ops.get("parameters", []), *operation.get("parameters", [])]
            assert {p["name"] for p in given if p["in"] == "path"} == set(re.findall(r"{(\w+)}", path)), path
            assert operation["operationId"] and "401" in operation["responses"], path
