"""The operator API fuzzed from its own OpenAPI document (schemathesis): no 500, and every answer is documented.

The document is loaded from the app itself (WSGI, no network); every operation is
called by an operator with a real token, on SQLite and on PostgreSQL. With
arguments the document allows, each answer must not be a server error, must have
a documented status and content type, and its body must match the documented
schema. With arguments it does not allow (wrong types, out of range, missing
fields), the answer must still not be a server error, and its status and content type
must be documented (a refusal is JSON, never an HTML error page).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.operators.conftest import bearer

CHECKS = {
    schemathesis.GenerationMode.POSITIVE: [
        not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
    ],
    schemathesis.GenerationMode.NEGATIVE: [not_a_server_error, status_code_conformance, content_type_conformance],
}  # fmt: skip
EXAMPLES_PER_OPERATION = 25


@pytest.mark.parametrize("mode", list(CHECKS), ids=str)
def test_every_operation_answers_as_documented(app, client, texter, make_operator, add_request, mode) -> None:
    # Something of each kind to find: requests (one claimed, with a note), texts, a registration.
    for minutes in (40, 30, 20):
        add_request(minutes_ago=minutes, transcription="please call after six")
    _, token = make_operator(role="supervisor")
    headers = bearer(token)
    claimed = client.post("/api/requests/claim-next", json={}, headers=headers).get_json()
    client.post(f"/api/requests/{claimed['id']}/notes", json={"text": "prefers texts"}, headers=headers)
    texter("+12025550143").send("he is home, I can't talk")
    texter("+12025550144").send("can someone text me back")
    client.post("/api/conversations/claim-next", headers=headers)
    registration = {"a_number": "A209000091", "country": "MX", "phone": "+12025550145", "pin": "1357"}
    assert client.post("/api/registrations", json=registration, headers=headers).status_code == 201

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, headers=headers)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS[mode])

        try:
            call()
        except AssertionError as failure:
            failures.append(f"{operation.label}: {failure}")
    assert not failures, "\n\n".join(failures)
