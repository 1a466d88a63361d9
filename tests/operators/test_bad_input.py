"""Bad input never 500: the operator API and dashboard refuse it with a reason."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.operators.conftest import bearer, csrf_from, log_in

HUGE = [str(2**63), str(2**64 + 5), "9" * 30]


@pytest.mark.parametrize("huge", HUGE)
def test_an_id_beyond_any_row_is_404_with_a_reason(client, make_operator, huge: str) -> None:
    _, token = make_operator()
    for method, path in [("get", ""), ("post", "/release"), ("post", "/notes"), ("post", "/complete")]:
        response = getattr(client, method)(f"/api/requests/{huge}{path}", json={"text": "x"}, headers=bearer(token))
        assert response.status_code == 404, path
        assert response.get_json()["error"]


def test_an_id_beyond_any_row_is_404_on_the_dashboard(client, make_operator) -> None:
    operator, _ = make_operator()
    log_in(client, operator.email)
    assert client.get(f"/ops/requests/{2**63}").status_code == 404


@pytest.mark.parametrize(
    "query", [{"offset": str(2**63)}, {"offset": "9" * 40}, {"limit": str(2**64)}, {"limit": "0"}, {"offset": "-1"}]
)
def test_huge_or_negative_paging_is_400_with_a_reason(client, make_operator, query: dict[str, str]) -> None:
    _, token = make_operator()
    response = client.get("/api/requests", query_string=query, headers=bearer(token))
    assert response.status_code == 400
    assert ("offset" if "offset" in query else "limit") in response.get_json()["error"]


def test_nul_bytes_are_refused_before_the_database(client, make_operator, add_request) -> None:
    request_id = add_request()
    _, token = make_operator()
    headers = bearer(token)
    assert client.get("/api/requests", query_string={"language": "e\x00n"}, headers=headers).status_code == 400
    assert client.post("/api/requests/claim-next", json={"office": "E\x00P"}, headers=headers).status_code == 400
    claimed = client.post("/api/requests/claim-next", json={}, headers=headers)
    assert claimed.get_json()["id"] == request_id
    note = client.post(f"/api/requests/{request_id}/notes", json={"text": "a\x00b"}, headers=headers)
    assert note.status_code == 400 and "NUL" in note.get_json()["error"]


def test_nul_bytes_in_the_log_in_email_and_filters_are_refused(client, make_operator) -> None:
    operator, _ = make_operator()
    assert log_in(client, "op\x00@voice.test").status_code == 400
    assert log_in(client, operator.email).status_code == 302
    assert client.get("/ops/queue/rows", query_string={"language": "\x00"}).status_code == 400
    page = client.get("/ops/").get_data(as_text=True)
    claim = client.post("/ops/claim", data={"csrf_token": csrf_from(page), "office": "x\x00"})
    assert claim.status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/requests/claim-next", {"language": {}}, "language"),
        ("/api/requests/claim-next", {"office": [1, 2]}, "office"),
        ("/api/requests/claim-next", {"language": 5}, "language"),
    ],
)
def test_wrong_json_types_are_400_naming_the_field(client, make_operator, path, body, field) -> None:
    _, token = make_operator()
    response = client.post(path, json=body, headers=bearer(token))
    assert response.status_code == 400 and field in response.get_json()["error"]


def test_wrong_json_types_in_completion_and_notes_are_400(client, make_operator, add_request) -> None:
    request_id = add_request()
    _, token = make_operator()
    headers = bearer(token)
    client.post("/api/requests/claim-next", json={}, headers=headers)
    for body in ({"disposition": ["reached"]}, {"disposition": "reached", "notes": {"a": 1}}):
        assert client.post(f"/api/requests/{request_id}/complete", json=body, headers=headers).status_code == 400
    assert client.post(f"/api/requests/{request_id}/notes", json={"text": 7}, headers=headers).status_code == 400


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
bodies = st.dictionaries(
    st.sampled_from(["language", "office", "disposition", "notes", "text"]) | st.text(max_size=8),
    json_values,
    max_size=4,
)
ids = st.integers(min_value=-(2**70), max_value=2**70).map(str) | st.text(max_size=12)
paging = st.dictionaries(
    st.sampled_from(["limit", "offset", "status", "language", "office"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str) | st.text(max_size=12),
    max_size=4,
)


@pytest.fixture
def api_token(make_operator, add_request) -> str:
    """One operator's token and one queued request, shared by every generated example."""
    add_request()
    return make_operator()[1]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    action=st.sampled_from(["", "/complete", "/release", "/notes", "/call"]),
    request_id=ids,
    body=bodies,
    query=paging,
)
def test_the_api_never_answers_500(client, api_token, action, request_id, body, query) -> None:
    headers = bearer(api_token)
    responses = [
        client.get("/api/requests", query_string=query, headers=headers),
        client.post("/api/requests/claim-next", json=body, headers=headers),
        client.get(f"/api/requests/{request_id}", headers=headers),
        client.post(f"/api/requests/{request_id}{action}", json=body, headers=headers),
    ]
    for response in responses:
        assert response.status_code < 500, (response.status_code, response.get_data(as_text=True))
