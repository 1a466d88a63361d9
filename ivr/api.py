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
from ivr import bridge, conversations, customer_first, directory, input_checks, live_queue, notify_api, number_access
from ivr.auth import token_required
from ivr.extensions import db_session, settings
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from models.directory import CATEGORIES

log = logging.getLogger("voice.ivr.api")
NUMBER_READ_CHANNEL = "api"
bp = Blueprint("api", __name__, url_prefix="/api")


def request_json(item: CallbackRequest, links: list[CallbackRequest] | None = None) -> dict[str, Any]:
    """A callback request as the API shows it: the full number only to the operator who holds it (audited)."""

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    if links is None:
        links = CallbackRequest.also_given(db_session(), [item])[item.id]
    return {
        # Safe-contact choices first: they decide how (and whether) to call.
        "safe_contact": item.safe_contact(),
        # Other requests that gave the same number (issue 9: typed numbers belong to nobody).
        "also_given": [{"id": o.id, "created_at": iso(o.created_at), "by_caller_id": o.by_caller_id} for o in links],
        "id": item.id,
        "phone": number_access.shown_phone(db_session(), item, g.operator, NUMBER_READ_CHANNEL, utcnow()),
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
    limit = input_checks.bounded_int("limit", args.get("limit"), 100, 1, 500)
    offset = input_checks.bounded_int("offset", args.get("offset"), 0, 0, input_checks.MAX_OFFSET)
    status = args.get("status", claims.OPEN)
    items = claims.queue(
        db_session(), status=None if status == "all" else status, language=args.get("language"),
        office=args.get("office"), limit=limit, offset=offset,
    )  # fmt: skip
    links = CallbackRequest.also_given(db_session(), items)
    return jsonify(requests=[request_json(i, links[i.id]) for i in items])


def claim_next() -> ResponseReturnValue:
    """Claim the next request (or get back the one this operator holds); 204 when the queue is empty."""
    data = body()
    session = db_session()
    language = input_checks.optional_text(data, "language") or None
    office = input_checks.optional_text(data, "office") or None
    item = claims.claim_next(
        session, g.operator, utcnow(), language=language, office=office, lease_seconds=settings().claim_lease_seconds,
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
    notes = input_checks.optional_text(data, "notes", input_checks.MAX_TEXT)
    if not isinstance(disposition, str) or disposition not in claims.DISPOSITIONS:
        raise BadRequest(f"disposition must be one of {', '.join(claims.DISPOSITIONS)}")
    session = db_session()
    item = claims.complete(
        session, request_id, g.operator, utcnow(), disposition, notes or "",
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
    text = (input_checks.optional_text(body(), "text", input_checks.MAX_TEXT) or "").strip()
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


def call_back_caller_first(request_id: int) -> ResponseReturnValue:
    """Ring the caller first; their key press connects my phone, and I hear the request's summary first."""
    attempt = customer_first.start_call(db_session(), settings(), request_id, g.operator)
    return jsonify(attempt.as_dict()), 201


def queue_stats() -> ResponseReturnValue:
    """Queue depth, oldest wait, claims in progress, completions per hour and per day."""
    current = settings()
    return jsonify(claims.stats(db_session(), utcnow(), current.tz))


def openapi_document() -> ResponseReturnValue:
    """This API's OpenAPI 3.1 document."""
    return jsonify(openapi())


# --- the route table -----------------------------------------------------------------

REQUEST_ID = {
    "name": "request_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": input_checks.MAX_ID},
}
CONVERSATION_ID = {
    "name": "conversation_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": input_checks.MAX_ID},
}


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
        # Service ids are HSDS text ids; every other *_id is an integer.
        return re.sub(r"{(\w+_id)}", r"<int:\1>", self.path.replace("{service_id}", "<service_id>"))


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
            _query("offset", {"type": "integer", "minimum": 0, "maximum": input_checks.MAX_OFFSET}, "default 0"),
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
    Endpoint("POST", "/requests/{request_id}/call-caller-first", call_back_caller_first, "callBackCallerFirst",
             {"201": "Attempt", "409": "Error"}, parameters=(REQUEST_ID,)),
    Endpoint("GET", "/stats", queue_stats, "queueStats", {"200": "Stats"}),
    # The live queue (issue I): callers holding on the phone.
    Endpoint("POST", "/live/take-next", live_queue.api_take_next, "takeNextCaller",
             {"201": "OperatorCall", "204": "", "409": "Error"}, tags=("live",)),
    Endpoint("GET", "/live/current", live_queue.api_current, "currentCaller", {"200": "LiveCall", "204": ""},
             tags=("live",)),
    Endpoint("GET", "/live/waiting", live_queue.api_waiting, "waitingCallers", {"200": "LiveCallList"},
             tags=("live",)),
    # Texting with a specialist (issue I).
    Endpoint("GET", "/conversations", conversations.api_list, "listConversations", {"200": "ConversationList"},
             tags=("texts",)),
    Endpoint("POST", "/conversations/claim-next", conversations.api_claim_next, "claimNextConversation",
             {"200": "ConversationThread", "204": ""}, tags=("texts",)),
    Endpoint("GET", "/conversations/{conversation_id}", conversations.api_show, "getConversation",
             {"200": "ConversationThread", "404": "Error"}, parameters=(CONVERSATION_ID,), tags=("texts",)),
    Endpoint("POST", "/conversations/{conversation_id}/reply", conversations.api_reply, "replyToConversation",
             {"201": "ConversationMessage", "400": "Error", "409": "Error"}, parameters=(CONVERSATION_ID,),
             request_body="Note", tags=("texts",)),
    Endpoint("POST", "/conversations/{conversation_id}/close", conversations.api_close, "closeConversation",
             {"200": "Conversation", "409": "Error"}, parameters=(CONVERSATION_ID,), tags=("texts",)),
    # Referral directory (issue H)
    Endpoint("GET", "/directory/services", directory.api_search, "searchDirectory",
             {"200": "ServiceList", "400": "Error"}, tags=("directory",),
             parameters=(
                 _query("zip", {"type": "string"}, "5-digit ZIP code: nearest first, within REFERRAL_MAX_MILES"),
                 _query("q", {"type": "string"}, "city or service name (when no zip)"),
                 _query("city", {"type": "string"}, "same as q"),
                 _query("category", {"type": "string", "enum": list(CATEGORIES)}, "kind of help"),
                 _query("language", {"type": "string"}, "e.g. en, es"),
             )),
    Endpoint("PATCH", "/directory/services/{service_id}", directory.api_correct, "correctCategory",
             {"200": "CategoryCorrected", "400": "Error", "403": "Error", "404": "Error"}, tags=("directory",),
             parameters=({"name": "service_id", "in": "path", "required": True, "schema": {"type": "string"}},),
             request_body="CategoryCorrection"),
    Endpoint("POST", "/requests/{request_id}/referrals", directory.api_refer, "referService",
             {"201": "Referral", "400": "Error", "404": "Error", "409": "Error"}, parameters=(REQUEST_ID,),
             request_body="Referring", tags=("directory",)),
    Endpoint("GET", "/requests/{request_id}/referrals", directory.api_referrals, "listReferrals",
             {"200": "ReferralList"}, parameters=(REQUEST_ID,), tags=("directory",)),
    Endpoint("GET", "/openapi.json", openapi_document, "openapi", {"200": ""}, tags=("meta",)),
)  # fmt: skip
ENDPOINTS += notify_api.endpoints(Endpoint)  # issue E: registrations and the look-up by name

input_checks.guard(bp)


@bp.after_request
def audit_number_reads(response: Response) -> Response:
    """Every full number this answer shows is audited before it leaves."""
    if "db_session" in g:
        number_access.commit_reads(g.db_session)
    return response


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
            "safe_contact": {
                "type": "object",
                "description": "the caller's safe-contact choices, careful defaults filled in; obey them first",
                "properties": {
                    "safe_to_call": {"type": "string", "enum": ["yes", "unconfirmed"]},
                    "voicemail": {"type": "boolean"},
                    "may_identify": {"type": "boolean"},
                    "call_window": {"type": "string", "enum": ["morning", "afternoon", "evening", "any"]},
                    "caller_timezone": _NULLABLE_STRING,
                },
            },
            "also_given": {
                "type": "array",
                "description": "other requests in the last 30 days that gave the same number",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "created_at": {"type": "string", "format": "date-time"},
                        "by_caller_id": {"type": "boolean"},
                    },
                },
            },
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
    "OperatorCall": {"type": "object", "properties": {"operator_call_sid": {"type": "string"}}},
    "LiveCall": {
        "type": "object",
        "description": "a caller holding or connected; null triage answers were not given",
        "properties": {
            "call_sid": {"type": "string"},
            "language": {"type": "string"},
            "caller_type": _NULLABLE_STRING,
            "need": _NULLABLE_STRING,
            "urgent": {"type": ["boolean", "null"]},
            "triage_given": {"type": "boolean"},
            "queue": {"type": "string", "enum": ["urgent", "normal"]},
            "status": {"type": "string"},
            "enqueued_at": {"type": "string", "format": "date-time"},
            "operator_id": {"type": ["integer", "null"]},
            "connected_at": _TIME,
            "callback_request_id": {"type": ["integer", "null"]},
            "summary": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Conversation": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "phone": {"type": "string", "description": "E.164; replies go only here"},
            "language": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "claimed", "closed"]},
            "callback_request_id": {"type": ["integer", "null"]},
            "claimed_by_id": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
            "last_message_at": {"type": "string", "format": "date-time"},
            "closed_at": _TIME,
            "closed_by": {"type": ["string", "null"], "enum": ["operator", "stop", None]},
        },
    },
    "ConversationMessage": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "direction": {"type": "string", "enum": ["in", "out"]},
            "body": {"type": "string"},
            "operator_id": {"type": ["integer", "null"]},
            "status": {"type": "string", "enum": ["received", "sending", "sent", "failed"]},
            "at": {"type": "string", "format": "date-time"},
        },
    },
    "ConversationThread": {
        "allOf": [
            {"$ref": "#/components/schemas/Conversation"},
            {
                "type": "object",
                "properties": {
                    "messages": {"type": "array", "items": {"$ref": "#/components/schemas/ConversationMessage"}}
                },
            },
        ]
    },
    "ConversationList": {
        "type": "object",
        "properties": {"conversations": {"type": "array", "items": {"$ref": "#/components/schemas/Conversation"}}},
    },
    "LiveCallList": {
        "type": "object",
        "properties": {"calls": {"type": "array", "items": {"$ref": "#/components/schemas/LiveCall"}}},
    },
    # Referral directory (issue H)
    "Service": {
        "type": "object",
        "properties": {
            "service_id": {"type": "string"},
            "name": {"type": "string"},
            "category": {"type": "string", "enum": list(CATEGORIES)},
            "miles": {"type": ["number", "null"]},
            "phone": _NULLABLE_STRING,
            "languages": {"type": "array", "items": {"type": "string"}},
            "open_now": {"type": ["boolean", "null"]},
            "address": _NULLABLE_STRING,
            "city": _NULLABLE_STRING,
            "state": _NULLABLE_STRING,
        },
    },
    "ServiceList": {
        "type": "object",
        "properties": {"services": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}}},
    },
    "CategoryCorrection": {
        "type": "object",
        "required": ["category"],
        "properties": {"category": {"type": "string", "enum": list(CATEGORIES)}},
    },
    "CategoryCorrected": {
        "type": "object",
        "properties": {
            "service_id": {"type": "string"},
            "category": {"type": "string"},
            "corrected": {"type": "boolean"},
        },
    },
    "Referring": {
        "type": "object",
        "required": ["service_id"],
        "properties": {"service_id": {"type": "string"}, "complete": {"type": "boolean"}},
    },
    "Referral": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "request_id": {"type": "integer"},
            "service_id": {"type": "string"},
            "service_name": {"type": "string"},
            "category": {"type": "string"},
            "operator_id": {"type": ["integer", "null"]},
            "at": {"type": "string", "format": "date-time"},
        },
    },
    "ReferralList": {
        "type": "object",
        "properties": {"referrals": {"type": "array", "items": {"$ref": "#/components/schemas/Referral"}}},
    },
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
        "403": "not allowed for this role",
        "404": "not found",
        "409": "not claimed by you, or no longer open",
        "422": "refused: the summary may identify someone",
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


# Issue F, case studies: the views live in ivr/case_studies.py; registered and documented like the rows above.
from ivr import case_studies as _case_studies  # noqa: E402

CASE_STUDY_ID = {"name": "case_study_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CASE_STUDY_ENDPOINTS = (
    Endpoint("POST", "/requests/{request_id}/case-study", _case_studies.propose_case_study, "proposeCaseStudy",
             {"201": "CaseStudy", "409": "Error", "422": "SummaryRefused"}, parameters=(REQUEST_ID,),
             request_body="CaseStudyProposal", tags=("case studies",)),
    Endpoint("GET", "/case-studies/pending", _case_studies.pending_case_studies, "pendingCaseStudies",
             {"200": "CaseStudyList", "403": "Error"}, tags=("case studies",)),
    Endpoint("POST", "/case-studies/{case_study_id}/approve", _case_studies.approve_case_study, "approveCaseStudy",
             {"200": "CaseStudy", "403": "Error", "404": "Error", "409": "Error"}, parameters=(CASE_STUDY_ID,),
             tags=("case studies",)),
)  # fmt: skip
for _endpoint in _CASE_STUDY_ENDPOINTS:
    bp.add_url_rule(
        _endpoint.rule, endpoint=_endpoint.operation_id, view_func=token_required(_endpoint.view),
        methods=[_endpoint.method],
    )  # fmt: skip
ENDPOINTS = (*ENDPOINTS, *_CASE_STUDY_ENDPOINTS)
SCHEMAS.update(_case_studies.SCHEMAS)
