"""The operators' JSON API under ``/api/``: the callback queue, and the OpenAPI document of every API blueprint.

Each route declares its arguments and answers as marshmallow schemas (``web/office/openapi.py``
explains how they become the document); the other areas (live queue, texts, directory,
registrations, case studies) declare theirs beside their views.
"""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Flask, Response, g
from flask.typing import ResponseReturnValue
from marshmallow import fields, validate
from werkzeug.exceptions import BadRequest, NotFound

from callflows.masking import mask_phone
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from web import input_checks
from web.context import db_session, settings
from web.office import case_studies, conversations, directory, live_queue, notify_api, number_access, openapi
from web.office.openapi import Error, Input, Timestamp, id_parameter
from workers import dialling

log = logging.getLogger("voice.web.office.api")
NUMBER_READ_CHANNEL = "api"
bp = openapi.api_blueprint("api", __name__, "The callback queue: list, claim, complete, call back.")
REQUEST_ID = [id_parameter("request_id")]
STATUSES = (claims.OPEN, claims.CLAIMED, claims.CLOSED)


# --- schemas -------------------------------------------------------------------------


class SafeContact(ma.Schema):
    """The caller's safe-contact choices, careful defaults filled in; obey them first."""

    safe_to_call = fields.String(validate=validate.OneOf(["yes", "unconfirmed"]))
    voicemail = fields.Boolean(allow_none=True)
    may_identify = fields.Boolean(allow_none=True)
    call_window = fields.String(validate=validate.OneOf(["morning", "afternoon", "evening", "any"]))
    caller_timezone = fields.String(allow_none=True)


class AlsoGiven(ma.Schema):
    """Another request of the last 30 days for the same number ("also asked at …"); merge the two with
    ``POST /api/requests/{id}/merge``. Callers never hear of the other request."""

    id = fields.Integer()
    created_at = Timestamp()
    by_caller_id = fields.Boolean()
    status = fields.String(validate=validate.OneOf(STATUSES))


class CallbackRequestSchema(ma.Schema):
    """A callback request; ``phone`` is in full only for the operator who holds it (each such read audited)."""

    safe_contact = fields.Nested(SafeContact)
    also_given = fields.List(fields.Nested(AlsoGiven))
    id = fields.Integer(required=True)
    phone = fields.String(required=True, metadata={"description": "E.164, or masked to the last four digits"})
    language = fields.String(required=True)
    caller_type = fields.String(allow_none=True)
    need = fields.String(allow_none=True)
    urgent = fields.Boolean(required=True)
    priority = fields.Integer(required=True)
    field_office = fields.String(allow_none=True)
    source = fields.String()
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    message_url = fields.String(allow_none=True)
    message_seconds = fields.Integer(allow_none=True)
    transcription = fields.String(allow_none=True)
    created_at = Timestamp(required=True)
    claimed_by_id = fields.Integer(allow_none=True)
    claimed_at = Timestamp(allow_none=True)
    lease_expires_at = Timestamp(allow_none=True)
    attempts = fields.Integer(required=True)
    next_attempt_at = Timestamp(allow_none=True)
    disposition = fields.String(allow_none=True)
    closed_at = Timestamp(allow_none=True)


class RequestList(ma.Schema):
    """Requests in queue order."""

    requests = fields.List(fields.Nested(CallbackRequestSchema))


class HistoryEntry(ma.Schema):
    """One event in a request's history."""

    at = Timestamp()
    event = fields.String()
    operator_id = fields.Integer(allow_none=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)


class Attempt(ma.Schema):
    """One try at calling a caller back."""

    id = fields.Integer()
    operator_id = fields.Integer(allow_none=True)
    started_at = Timestamp()
    ended_at = Timestamp(allow_none=True)
    call_status = fields.String(allow_none=True)
    caller_status = fields.String(allow_none=True)
    duration_seconds = fields.Integer(allow_none=True)
    disposition = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)


class RequestDetail(CallbackRequestSchema):
    """A request with its history and attempts."""

    history = fields.List(fields.Nested(HistoryEntry))
    attempts = fields.List(fields.Nested(Attempt))  # type: ignore[assignment]


class RequestQuery(Input):
    """Which requests to list."""

    status = fields.String(load_default=claims.OPEN, validate=validate.OneOf([*STATUSES, "all"]))
    language = fields.String(validate=validate.Length(max=200), metadata={"description": "e.g. en, es"})
    office = fields.String(validate=validate.Length(max=200), metadata={"description": "field office code"})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, input_checks.MAX_OFFSET))


class ClaimFilter(Input):
    """Only claim a request in this language or for this field office."""

    language = fields.String(allow_none=True, validate=validate.Length(max=200))
    office = fields.String(allow_none=True, validate=validate.Length(max=200))


class Completion(Input):
    """How the call back ended."""

    disposition = fields.String(required=True, validate=validate.OneOf(claims.DISPOSITIONS))
    notes = fields.String(allow_none=True, validate=validate.Length(max=input_checks.MAX_TEXT))


class Merge(Input):
    """The request to keep: another open request for the same number."""

    into = fields.Integer(required=True, validate=validate.Range(min=1))


class Note(Input):
    """A line of text for the request's history (or a reply to a texter)."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=input_checks.MAX_TEXT))


class HourCount(ma.Schema):
    """Completions in one hour of today (local time)."""

    hour = fields.String()
    completed = fields.Integer()


class DayCount(ma.Schema):
    """Requests received and completed on one day (local time)."""

    date = fields.String(metadata={"format": "date"})
    completed = fields.Integer()
    received = fields.Integer()


class Stats(ma.Schema):
    """The queue at a glance."""

    queue_depth = fields.Integer()
    urgent_waiting = fields.Integer()
    claims_in_progress = fields.Integer()
    closed = fields.Integer()
    oldest_wait_seconds = fields.Integer()
    completed_last_hour = fields.Integer()
    completions_per_hour = fields.List(fields.Nested(HourCount))
    last_days = fields.List(fields.Nested(DayCount))


def request_json(item: CallbackRequest, links: list[CallbackRequest] | None = None) -> dict[str, Any]:
    """A callback request as the API shows it: the full number only to the operator who holds it (audited)."""

    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    if links is None:
        links = CallbackRequest.also_given(db_session(), [item])[item.id]
    return {
        # Safe-contact choices first: they decide how (and whether) to call.
        "safe_contact": item.safe_contact(),
        # Other requests that gave the same number ("also asked at …"; merge them with /merge).
        "also_given": [
            {"id": o.id, "created_at": iso(o.created_at), "by_caller_id": o.by_caller_id, "status": o.status}
            for o in links
        ],
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


@bp.route("/requests")
@bp.doc(operationId="listRequests")
@bp.arguments(RequestQuery, location="query")
@bp.response(200, RequestList)
def list_requests(args: dict[str, Any]) -> dict[str, Any]:
    """Requests in queue order, filtered by status, language and field office."""
    status = args["status"]
    items = claims.queue(
        db_session(), status=None if status == "all" else status, language=args.get("language"),
        office=args.get("office"), limit=args["limit"], offset=args["offset"],
    )  # fmt: skip
    links = CallbackRequest.also_given(db_session(), items)
    return {"requests": [request_json(i, links[i.id]) for i in items]}


@bp.route("/requests/claim-next", methods=["POST"])
@bp.doc(operationId="claimNext")
@bp.arguments(ClaimFilter, required=False)
@bp.response(200, CallbackRequestSchema)
@bp.alt_response(204, description="the queue is empty")
def claim_next(data: dict[str, Any]) -> Any:
    """Claim the next request (or get back the one this operator holds); 204 when the queue is empty."""
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
    return request_json(item)


@bp.route("/requests/<int:request_id>", parameters=REQUEST_ID)
@bp.doc(operationId="getRequest")
@bp.response(200, RequestDetail)
@bp.alt_response(404, schema=Error, description="no such callback request")
def show_request(request_id: int) -> dict[str, Any]:
    """One request with its history and attempts."""
    return detail(get_request(request_id))


@bp.route("/requests/<int:request_id>/complete", methods=["POST"], parameters=REQUEST_ID)
@bp.doc(operationId="completeRequest")
@bp.arguments(Completion)
@bp.response(200, CallbackRequestSchema)
@bp.alt_response(404, schema=Error, description="no such callback request")
@bp.alt_response(409, schema=Error, description="not claimed by you, or no longer open")
def complete_request(data: dict[str, Any], request_id: int) -> dict[str, Any]:
    """Finish the claim with a disposition and notes."""
    session = db_session()
    disposition = data["disposition"]
    item = claims.complete(
        session, request_id, g.operator, utcnow(), disposition, data.get("notes") or "",
        claims.RetryPolicy.from_settings(settings()),
    )  # fmt: skip
    session.commit()
    log.info(
        "request completed", extra={"request_id": item.id, "operator_id": g.operator.id, "disposition": disposition}
    )
    return request_json(item)


@bp.route("/requests/<int:request_id>/release", methods=["POST"], parameters=REQUEST_ID)
@bp.doc(operationId="releaseRequest")
@bp.response(200, CallbackRequestSchema)
@bp.alt_response(404, schema=Error, description="no such callback request")
@bp.alt_response(409, schema=Error, description="not claimed by you")
def release_request(request_id: int) -> dict[str, Any]:
    """Give the claim back to the queue."""
    session = db_session()
    item = claims.release(session, request_id, g.operator, utcnow())
    session.commit()
    log.info("request released", extra={"request_id": item.id, "operator_id": g.operator.id})
    return request_json(item)


@bp.route("/requests/<int:request_id>/merge", methods=["POST"], parameters=REQUEST_ID)
@bp.doc(operationId="mergeRequest")
@bp.arguments(Merge)
@bp.response(200, CallbackRequestSchema)
@bp.alt_response(404, schema=Error, description="no such callback request")
@bp.alt_response(409, schema=Error, description="not the same number, no longer open, or held by someone else")
def merge_request(data: dict[str, Any], request_id: int) -> dict[str, Any]:
    """Close this request as merged into ``into`` (the same number asked twice); answers the kept request."""
    session = db_session()
    get_request(request_id)
    get_request(data["into"])
    kept = claims.merge(session, request_id, data["into"], g.operator, utcnow())
    session.commit()
    log.info("request merged", extra={"request_id": request_id, "into": kept.id, "operator_id": g.operator.id})
    return request_json(kept)


@bp.route("/requests/<int:request_id>/notes", methods=["POST"], parameters=REQUEST_ID)
@bp.doc(operationId="addNote")
@bp.arguments(Note)
@bp.response(201, HistoryEntry)
@bp.alt_response(404, schema=Error, description="no such callback request")
@bp.alt_response(409, schema=Error, description="no such request")
def add_note(data: dict[str, Any], request_id: int) -> dict[str, Any]:
    """Add a note to the request's history."""
    text = data["text"].strip()
    if not text:
        raise BadRequest("text: the note is blank")
    session = db_session()
    row = claims.add_note(session, request_id, g.operator, utcnow(), text)
    session.commit()
    return row.as_dict()


@bp.route("/requests/<int:request_id>/call", methods=["POST"], parameters=REQUEST_ID)
@bp.doc(operationId="callBack")
@bp.response(201, Attempt)
@bp.alt_response(404, schema=Error, description="no such callback request")
@bp.alt_response(409, schema=Error, description="not claimed by you, or the call could not be started")
def call_back(request_id: int) -> dict[str, Any]:
    """Ring the operator's phone and bridge to the caller with the hotline number as caller ID."""
    return dialling.start_call(db_session(), settings(), request_id, g.operator).as_dict()


@bp.route("/requests/<int:request_id>/call-caller-first", methods=["POST"], parameters=REQUEST_ID)
@bp.doc(operationId="callBackCallerFirst")
@bp.response(201, Attempt)
@bp.alt_response(404, schema=Error, description="no such callback request")
@bp.alt_response(409, schema=Error, description="not claimed by you, or the call could not be started")
def call_back_caller_first(request_id: int) -> dict[str, Any]:
    """Ring the caller first; their key press connects my phone, and I hear the request's summary first."""
    return dialling.start_call(db_session(), settings(), request_id, g.operator, caller_first=True).as_dict()


@bp.route("/stats")
@bp.doc(operationId="queueStats")
@bp.response(200, Stats)
def queue_stats() -> dict[str, Any]:
    """Queue depth, oldest wait, claims in progress, completions per hour and per day."""
    return claims.stats(db_session(), utcnow(), settings().tz)


@bp.route("/openapi.json")
@bp.doc(operationId="openapi")
@bp.response(200, description="this document")
def openapi_document() -> ResponseReturnValue:
    """This API's OpenAPI 3.1 document, generated from the schemas every route declares."""
    return openapi.document()


def init_app(app: Flask) -> None:
    """Serve and document every operator API blueprint."""
    openapi.init_app(
        app, (bp, live_queue.api, conversations.api, directory.api, notify_api.api, case_studies.api),
    )  # fmt: skip
