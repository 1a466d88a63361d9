"""The operators' JSON API under ``/api/``, and its OpenAPI document built from the same route table.

Each endpoint is one ``Endpoint`` row: the blueprint registers the rows and
``/api/openapi.json`` describes the rows, so the document cannot drift from
what is served.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from config.logs import mask_phone
from ivr import bridge, notify_api
from ivr.auth import token_required
from ivr.extensions import db_session, settings
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest

log = logging.getLogger("voice.ivr.api")
bp = Blueprint("api", __name__, url_prefix="/api")


def request_json(item: CallbackRequest) -> dict[str, Any]:
    """A callback request as the API shows it (operators see the full caller number)."""

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": item.id,
        "phone": item.phone,
        "language": item.language,
        "caller_type": item.caller_type,
        "need": item.need,
        "urgent": bool(item.urgent),
        "priority": item.priority,
        "field_office": item.field_office,
        "source": item.source,
        "status": item.status,
        "message_url": item.message_url,
        "message_seconds": item.message_seconds,
        "transcription": item.transcription,
        "created_at": iso(item.created_at),
        "claimed_by_id": item.claimed_by_id,
        "claimed_at": iso(item.claimed_at),
        "lease_expires_at": iso(item.lease_expires_at),
        "attempts": item.attempts,
        "next_attempt_at": iso(item.next_attempt_at),
        "disposition": item.disposition,
        "closed_at": iso(item.closed_at),
    }


def body() -> dict[str, Any]:
    """The JSON body (an empty object when none was sent)."""
    data = request.get_json(silent=True)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def get_request(request_id: int) -> CallbackRequest:
    """The request ``request_id`` or 404."""
    item = db_session().get(CallbackRequest, request_id)
    if item is None:
        raise NotFound("no such callback request")
    return item


def detail(item: CallbackRequest) -> dict[str, Any]:
    """A request with its history and attempts."""
    session = db_session()
    return {
        **request_json(item),
        "history": [row.as_dict() for row in claims.history(session, item.id)],
        "attempts": [row.as_dict() for row in claims.attempts(session, item.id)],
    }


# --- views -------------------------------------------------------------------------


def list_requests() -> ResponseReturnValue:
    """Requests in queue order, filtered by status, language and field office."""
    args = request.args
    try:
        limit = min(max(int(args.get("limit", 100)), 1), 500)
        offset = max(int(args.get("offset", 0)), 0)
    except ValueError:
        raise BadRequest("limit and offset must be whole numbers") from None
    status = args.get("status", claims.OPEN)
    items = claims.queue(
        db_session(), status=None if status == "all" else status, language=args.get("language"),
        office=args.get("office"), limit=limit, offset=offset,
    )  # fmt: skip
    return jsonify(requests=[request_json(i) for i in items])


def claim_next() -> ResponseReturnValue:
    """Claim the next request (or get back the one this operator holds); 204 when the queue is empty."""
    data = body()
    session = db_session()
    item = claims.claim_next(
        session, g.operator, utcnow(), language=data.get("language") or None, office=data.get("office") or None,
        lease_seconds=settings().claim_lease_seconds,
    )  # fmt: skip
    session.commit()
    if item is None:
        return Response(status=204)
    log.info(
        "request claimed", extra={"request_id": item.id, "operator_id": g.operator.id, "phone": mask_phone(item.phone)}
    )
    return jsonify(request_json(item))


def show_request(request_id: int) -> ResponseReturnValue:
    """One request with its history and attempts."""
    return jsonify(detail(get_request(request_id)))


def complete_request(request_id: int) -> ResponseReturnValue:
    """Finish the claim with a disposition and notes."""
    data = body()
    disposition = data.get("disposition")
    if disposition not in claims.DISPOSITIONS:
        raise BadRequest(f"disposition must be one of {', '.join(claims.DISPOSITIONS)}")
    session = db_session()
    item = claims.complete(
        session, request_id, g.operator, utcnow(), disposition, str(data.get("notes") or "")[:4000],
        claims.RetryPolicy.from_settings(settings()),
    )  # fmt: skip
    session.commit()
    log.info(
        "request completed", extra={"request_id": item.id, "operator_id": g.operator.id, "disposition": disposition}
    )
    return jsonify(request_json(item))


def release_request(request_id: int) -> ResponseReturnValue:
    """Give the claim back to the queue."""
    session = db_session()
    item = claims.release(session, request_id, g.operator, utcnow())
    session.commit()
    log.info("request released", extra={"request_id": item.id, "operator_id": g.operator.id})
    return jsonify(request_json(item))


def add_note(request_id: int) -> ResponseReturnValue:
    """Add a note to the request's history."""
    text = str(body().get("text") or "").strip()
    if not text:
        raise BadRequest("text is required")
    session = db_session()
    row = claims.add_note(session, request_id, g.operator, utcnow(), text)
    session.commit()
    return jsonify(row.as_dict()), 201


def call_back(request_id: int) -> ResponseReturnValue:
    """Ring the operator's phone and bridge to the caller with the hotline number as caller ID."""
    attempt = bridge.start_call(db_session(), settings(), request_id, g.operator)
    return jsonify(attempt.as_dict()), 201


def queue_stats() -> ResponseReturnValue:
    """Queue depth, oldest wait, claims in progress, completions per hour and per day."""
    current = settings()
    return jsonify(claims.stats(db_session(), utcnow(), current.tz))


def openapi_document() -> ResponseReturnValue:
    """This API's OpenAPI 3.1 document."""
    return jsonify(openapi())


# --- the route table -----------------------------------------------------------------

REQUEST_ID = {"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}


@dataclass(frozen=True)
class Endpoint:
    """One API route: what Flask serves and what the OpenAPI document says."""

    method: str
    path: str  # OpenAPI style, relative to /api: "/requests/{request_id}"
    view: Callable[..., ResponseReturnValue]
    operation_id: str
    responses: dict[str, str]  # status -> schema name ("" for no body)
    parameters: tuple[dict[str, Any], ...] = ()
    request_body: str | None = None
    tags: tuple[str, ...] = ("queue",)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        """The Flask URL rule for this path (the blueprint adds /api)."""
        return re.sub(r"{(\w+_id)}", r"<int:\1>", self.path)


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET", "/requests", list_requests, "listRequests", {"200": "RequestList"},
        parameters=(
            _query("status", {"type": "string", "enum": ["open", "claimed", "closed", "all"]}, "default open"),
            _query("language", {"type": "string"}, "e.g. en, es"),
            _query("office", {"type": "string"}, "field office code"),
            _query("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "default 100"),
            _query("offset", {"type": "integer", "minimum": 0}, "default 0"),
        ),
    ),
    Endpoint("POST", "/requests/claim-next", claim_next, "claimNext", {"200": "CallbackRequest", "204": ""},
             request_body="ClaimFilter"),
    Endpoint("GET", "/requests/{request_id}", show_request, "getRequest", {"200": "RequestDetail", "404": "Error"},
             parameters=(REQUEST_ID,)),
    Endpoint("POST", "/requests/{request_id}/complete", complete_request, "completeRequest",
             {"200": "CallbackRequest", "400": "Error", "409": "Error"}, parameters=(REQUEST_ID,),
             request_body="Completion"),
    Endpoint("POST", "/requests/{request_id}/release", release_request, "releaseRequest",
             {"200": "CallbackRequest", "409": "Error"}, parameters=(REQUEST_ID,)),
    Endpoint("POST", "/requests/{request_id}/notes", add_note, "addNote", {"201": "HistoryEntry", "400": "Error"},
             parameters=(REQUEST_ID,), request_body="Note"),
    Endpoint("POST", "/requests/{request_id}/call", call_back, "callBack", {"201": "Attempt", "409": "Error"},
             parameters=(REQUEST_ID,)),
    Endpoint("GET", "/stats", queue_stats, "queueStats", {"200": "Stats"}),
    Endpoint("GET", "/openapi.json", openapi_document, "openapi", {"200": ""}, tags=("meta",)),
)  # fmt: skip
ENDPOINTS += notify_api.endpoints(Endpoint)  # issue E: registrations and the look-up by name

for _endpoint in ENDPOINTS:
    bp.add_url_rule(
        _endpoint.rule, endpoint=_endpoint.operation_id, view_func=token_required(_endpoint.view),
        methods=[_endpoint.method],
    )  # fmt: skip


_NULLABLE_STRING = {"type": ["string", "null"]}
_TIME = {"type": ["string", "null"], "format": "date-time"}
SCHEMAS: dict[str, dict[str, Any]] = {
    "CallbackRequest": {
        "type": "object",
        "required": ["id", "phone", "language", "status", "urgent", "priority", "attempts", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "phone": {"type": "string", "description": "E.164"},
            "language": {"type": "string"},
            "caller_type": _NULLABLE_STRING,
            "need": _NULLABLE_STRING,
            "urgent": {"type": "boolean"},
            "priority": {"type": "integer"},
            "field_office": _NULLABLE_STRING,
            "source": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "claimed", "closed"]},
            "message_url": _NULLABLE_STRING,
            "message_seconds": {"type": ["integer", "null"]},
            "transcription": _NULLABLE_STRING,
            "created_at": {"type": "string", "format": "date-time"},
            "claimed_by_id": {"type": ["integer", "null"]},
            "claimed_at": _TIME,
            "lease_expires_at": _TIME,
            "attempts": {"type": "integer"},
            "next_attempt_at": _TIME,
            "disposition": _NULLABLE_STRING,
            "closed_at": _TIME,
        },
    },
    "RequestList": {
        "type": "object",
        "properties": {"requests": {"type": "array", "items": {"$ref": "#/components/schemas/CallbackRequest"}}},
    },
    "HistoryEntry": {
        "type": "object",
        "properties": {
            "at": {"type": "string", "format": "date-time"},
            "event": {"type": "string"},
            "operator_id": {"type": ["integer", "null"]},
            "from_status": _NULLABLE_STRING,
            "to_status": _NULLABLE_STRING,
            "detail": _NULLABLE_STRING,
        },
    },
    "Attempt": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "operator_id": {"type": ["integer", "null"]},
            "started_at": {"type": "string", "format": "date-time"},
            "ended_at": _TIME,
            "call_status": _NULLABLE_STRING,
            "caller_status": _NULLABLE_STRING,
            "duration_seconds": {"type": ["integer", "null"]},
            "disposition": _NULLABLE_STRING,
            "notes": _NULLABLE_STRING,
        },
    },
    "RequestDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/CallbackRequest"},
            {
                "type": "object",
                "properties": {
                    "history": {"type": "array", "items": {"$ref": "#/components/schemas/HistoryEntry"}},
                    "attempts": {"type": "array", "items": {"$ref": "#/components/schemas/Attempt"}},
                },
            },
        ]
    },
    "ClaimFilter": {
        "type": "object",
        "properties": {"language": _NULLABLE_STRING, "office": _NULLABLE_STRING},
    },
    "Completion": {
        "type": "object",
        "required": ["disposition"],
        "properties": {
            "disposition": {"type": "string", "enum": list(claims.DISPOSITIONS)},
            "notes": {"type": "string", "maxLength": 4000},
        },
    },
    "Note": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
    "Stats": {
        "type": "object",
        "properties": {
            "queue_depth": {"type": "integer"},
            "urgent_waiting": {"type": "integer"},
            "claims_in_progress": {"type": "integer"},
            "closed": {"type": "integer"},
            "oldest_wait_seconds": {"type": "integer"},
            "completed_last_hour": {"type": "integer"},
            "completions_per_hour": {"type": "array", "items": {"type": "object"}},
            "last_days": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    **notify_api.SCHEMAS,
}


def openapi() -> dict[str, Any]:
    """The OpenAPI document, generated from ``ENDPOINTS`` and ``SCHEMAS``."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        operation: dict[str, Any] = {
            "operationId": endpoint.operation_id,
            "summary": (endpoint.view.__doc__ or "").strip().splitlines()[0],
            "tags": list(endpoint.tags),
            "responses": {
                "401": {"description": "missing or invalid API token", "content": _json_ref("Error")},
            },
        }
        for status, schema in endpoint.responses.items():
            operation["responses"][status] = {"description": _describe(status)}
            if schema:
                operation["responses"][status]["content"] = _json_ref(schema)
        if endpoint.parameters:
            operation["parameters"] = list(endpoint.parameters)
        if endpoint.request_body:
            operation["requestBody"] = {"required": False, "content": _json_ref(endpoint.request_body)}
        paths.setdefault("/api" + endpoint.path, {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "VOICE hotline operator API", "version": "1.0.0"},
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
    }


def _json_ref(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _describe(status: str) -> str:
    return {
        "200": "OK",
        "201": "created",
        "204": "the queue is empty",
        "400": "invalid input",
        "404": "not found",
        "409": "not claimed by you, or no longer open",
    }[status]


@bp.errorhandler(claims.ClaimError)
def claim_conflict(error: claims.ClaimError) -> ResponseReturnValue:
    """A claim that is not the operator's: 409 with the reason."""
    db_session().rollback()
    return jsonify(error=str(error)), 409


@bp.errorhandler(bridge.BridgeError)
def bridge_failed(error: bridge.BridgeError) -> ResponseReturnValue:
    """A call back that could not be started: 409 with the reason."""
    return jsonify(error=str(error)), 409


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException) -> ResponseReturnValue:
    """Errors as JSON ``{"error": ...}``."""
    return jsonify(error=error.description), error.code or 500
