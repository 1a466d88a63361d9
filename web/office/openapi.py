"""What every operator API blueprint shares, and the OpenAPI document flask-smorest builds from them.

Each area (the queue, the live queue, texts, the directory, registrations, case
studies) declares its routes on a blueprint made by ``api_blueprint``, with
marshmallow schemas for every argument and answer: flask-smorest parses the
arguments and dumps the answers through those schemas, and the same schemas
make ``/api/openapi.json``, so the document cannot drift from what is served.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask import Flask, Response, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_smorest import Api, Blueprint
from flask_smorest.spec import openapi_cli
from marshmallow import fields
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from models import claims
from web import input_checks
from web.auth import private_answer, require_token
from web.context import db_session
from web.office import number_access
from web.problems import problem
from workers.dialling import BridgeError

TITLE = "VOICE hotline operator API"
API_PREFIX = "/api"
# Longer than any real API path and query; below gunicorn's request-line limit (config/gunicorn.py).
MAX_URL_LENGTH = 2048


class Error(ma.Schema):
    """Every refusal, as problem details (RFC 9457) served as JSON; ``error`` repeats ``detail``."""

    error = fields.String(required=True, metadata={"description": "the reason (the same text as detail)"})
    type = fields.String(metadata={"description": "always about:blank: the status says what kind"})
    title = fields.String(metadata={"description": "the status's name, e.g. Not Found"})
    status = fields.Integer()
    detail = fields.String()


class Timestamp(fields.DateTime):
    """An aware UTC time in ISO 8601; a value already written as ISO text is passed on as it is."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


class Input(ma.Schema):
    """A request body or query: unknown fields are ignored, as before the schemas were declared."""

    class Meta:
        unknown = ma.EXCLUDE


class Parser(FlaskParser):
    """webargs' Flask parser, answering invalid input with 400 (the API's status for bad input) rather than 422."""

    DEFAULT_VALIDATION_STATUS = 400


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose invalid arguments are 400 with the field named."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # flask-smorest builds each operation's document through this list of callbacks.
        self._prepare_doc_cbks.append(self._document_refusals)

    @staticmethod
    def _document_refusals(doc: dict[str, Any], doc_info: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Every route can refuse a missing token (401), bad input such as a NUL byte (400) and a
        path and query longer than the app takes (414); path ids and bodies: ``document_refusals``."""
        responses = doc.setdefault("responses", {})
        responses.setdefault(400, HTTPStatus(400).name)
        responses.setdefault(401, HTTPStatus(401).name)
        responses.setdefault(414, HTTPStatus(414).name)
        return doc


def document_refusals(spec: Any) -> None:
    """An operation with a path id can answer 404 (no such row); one with a body, 413 (too large)."""
    for path, operations in spec._paths.items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "{" in path:
                responses.setdefault("404", spec.components.get_ref("response", HTTPStatus(404).name))
            if "requestBody" in operation:
                responses.setdefault("413", spec.components.get_ref("response", HTTPStatus(413).name))


def id_parameter(name: str) -> dict[str, Any]:
    """A path id as the database can hold it (larger ids are 404 before the view: ``input_checks``)."""
    return {"in": "path", "name": name, "schema": {"type": "integer", "minimum": 1, "maximum": input_checks.MAX_ID}}


class OperatorApi(Api):
    """flask-smorest's Api with the hotline's error body, and no app-wide error handler.

    The default handler would answer every HTTP error in the whole app (the dashboard's
    and Twilio's webhooks too) in its own format; the API blueprints answer their own
    errors (``answer_error``), so it is not registered.
    """

    ERROR_SCHEMA = Error
    DEFAULT_ERROR_RESPONSE_NAME = None

    # Documenting the routes (apispec resolving and copying every schema) and setting up the
    # document (a response for every HTTP status) were most of building the app, which every
    # worker and every test does; few ever read the document. So a blueprint is registered at
    # once, and the document is set up and the blueprints documented when it is first read
    # (``spec``: the served document, ``flask openapi print``), in registration order.

    def __init__(self, app: Flask | None = None, **kwargs: Any) -> None:
        self._undocumented: list[tuple[Blueprint, str, Any]] = []
        self._documenting = threading.Lock()
        self._documenter: int | None = None
        self._spec: Any = None
        self._spec_options: dict[str, Any] | None = None
        super().__init__(app, **kwargs)

    @property
    def spec(self) -> Any:
        """The OpenAPI document being built, with every registered blueprint's routes in it."""
        if (self._spec_options is not None or self._undocumented) and not self._documenting_here():
            with self._documenting:
                self._document_registered()
        return self._spec

    @spec.setter
    def spec(self, value: Any) -> None:
        self._spec = value

    def register_blueprint(self, blp: Blueprint, *, parameters: Any = None, **options: Any) -> None:
        """Register ``blp`` in the app now; its routes join the document when it is first read."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)
        self._undocumented.append((blp, name, parameters))

    def _documenting_here(self) -> bool:
        # This thread is documenting already (flask-smorest reading ``spec`` on the way): no second pass.
        return self._documenter == threading.get_ident()

    def _document_registered(self) -> None:
        # flask-smorest's own documenting step (``Api.register_blueprint``), deferred. A blueprint
        # leaves the list only once documented, so another thread reading ``spec`` waits for all.
        self._documenter = threading.get_ident()
        try:
            if self._spec_options is not None:
                super()._init_spec(**self._spec_options)
                self._spec_options = None
            while self._undocumented:
                blp, name, parameters = self._undocumented[0]
                blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
                self._spec.tag({"name": name, "description": blp.description})
                self._undocumented.pop(0)
            document_refusals(self._spec)
        finally:
            self._documenter = None

    def _init_spec(self, **options: Any) -> None:
        # Set up when the document is first read; only its command is added now.
        self._spec_options = options
        self._app.cli.add_command(openapi_cli)

    def _register_error_handlers(self) -> None:
        return None


def describe_invalid(messages: Any, prefix: str = "") -> list[str]:
    """webargs' nested validation messages as "field: reason" lines."""
    if isinstance(messages, dict):
        lines = []
        for key, value in messages.items():
            # The outer key is the location (json, query); the field name is what an operator needs.
            name = "" if key in ("json", "query", "path") and not prefix else f"{prefix}{key}"
            lines += describe_invalid(value, f"{name}." if name and isinstance(value, dict) else name)
        return lines
    if isinstance(messages, list):
        return [f"{prefix}: {m}" if prefix and isinstance(m, str) else str(m) for m in messages]
    return [f"{prefix}: {messages}" if prefix else str(messages)]


def answer_error(error: HTTPException) -> ResponseReturnValue:
    """An HTTP error as problem details; invalid arguments name the field and the reason."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    reason = "; ".join(describe_invalid(messages)).replace("_schema: ", "") if messages else error.description
    response = problem(error.code or 500, reason or HTTP_STATUS_CODES.get(error.code or 500, "Error"))
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def answer_any_error(error: HTTPException) -> ResponseReturnValue:
    """Errors the API blueprints never see (no route matched, wrong method, body too large): JSON
    under ``/api``, the default page elsewhere."""
    if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
        if error.code == 500:
            return private_answer(problem(500, "the server could not answer; the error is logged"))
        return private_answer(answer_error(error))  # type: ignore[arg-type]
    return error


def refuse_long_urls() -> Response | None:
    """414 (JSON) for an API path and query longer than any operation needs.

    The web server's own request-line limit (config/gunicorn.py) is set above this one, so the
    app sees long API paths and answers them as problem details rather than a server's page.
    """
    if request.path.startswith(API_PREFIX + "/") and len(request.full_path) > MAX_URL_LENGTH:
        return private_answer(problem(414, f"the path and query are longer than {MAX_URL_LENGTH} characters"))
    return None


def claim_conflict(error: claims.ClaimError) -> ResponseReturnValue:
    """A claim that is not the operator's: 409 with the reason."""
    db_session().rollback()
    return problem(409, str(error))


def bridge_failed(error: BridgeError) -> ResponseReturnValue:
    """A call back that could not be started: 409 with the reason."""
    return problem(409, str(error))


def audit_number_reads(response: Any) -> Any:
    """Every full number this answer shows is audited before it leaves."""
    if "db_session" in g:
        number_access.commit_reads(g.db_session)
    return response


def api_blueprint(name: str, import_name: str, description: str) -> ApiBlueprint:
    """A blueprint under ``/api``: bad input refused first, then the token, then the view; errors as JSON."""
    blueprint = ApiBlueprint(name, import_name, url_prefix=API_PREFIX, description=description)
    input_checks.guard(blueprint)
    blueprint.before_request(require_token)
    blueprint.after_request(audit_number_reads)
    blueprint.after_request(private_answer)
    blueprint.register_error_handler(HTTPException, answer_error)
    blueprint.register_error_handler(claims.ClaimError, claim_conflict)
    blueprint.register_error_handler(BridgeError, bridge_failed)
    return blueprint


def init_app(app: Flask, blueprints: Iterable[ApiBlueprint]) -> None:
    """Register the API blueprints through flask-smorest, which documents each of their routes."""
    app.config.update(
        API_TITLE=TITLE,
        API_VERSION="1.0.0",
        OPENAPI_VERSION="3.1.0",
        # Served by web/office/api.py behind the token like every route, not by flask-smorest's own page.
        OPENAPI_URL_PREFIX=None,
        API_SPEC_OPTIONS={
            "security": [{"bearer": []}],
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        },
    )
    app.register_error_handler(HTTPException, answer_any_error)
    app.before_request(refuse_long_urls)
    api = OperatorApi(app)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)


def document() -> dict[str, Any]:
    """This app's OpenAPI document."""
    api: OperatorApi = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return api.spec.to_dict()
