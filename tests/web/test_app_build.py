"""Building the app: URL builders compiled once per process give every app the same URLs."""

from __future__ import annotations

from flask import url_for

from app import create_app
from tests.conftest import close_app


def test_two_apps_share_each_rules_builder_and_build_the_same_urls(app, settings) -> None:
    other = create_app(settings)
    try:
        for application in (app, other):
            with application.test_request_context():
                assert url_for("ops.detail", request_id=7) == "/ops/requests/7"
                assert url_for("voice.step", n="custody.country") == "/voice/step?n=custody.country"
                assert url_for("health.healthz") == "/healthz"
        first = {rule.rule: rule._build.__func__ for rule in app.url_map.iter_rules()}
        second = {rule.rule: rule._build.__func__ for rule in other.url_map.iter_rules()}
        assert first == second  # one compiled function per rule, shared by both apps
    finally:
        close_app(other)


def test_the_api_document_is_set_up_when_first_read(app, client) -> None:
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    assert api._spec is None  # nothing built with the app
    with app.app_context():
        document = api.spec.to_dict()
    assert document["info"]["title"] and "/api/requests/{request_id}" in document["paths"]
    assert "NOT_FOUND" in document["components"]["responses"]
