"""The referral directory for operators and texters: search, refer on a request, correct a category, SERVICES texts.

The API routes declare their schemas here (``web/office/openapi.py`` makes the OpenAPI document from them):

- ``GET /api/directory/services`` (token): search by ZIP code (nearest first) or city/name, category, language.
- ``PATCH /api/directory/services/<id>`` (token, supervisor or admin): correct the category.
- ``POST /api/requests/<id>/referrals`` (token): record the service given; ``"complete": true`` also
  completes the claim with the ``referred`` outcome, whose notes name the service.
- ``GET /ops/directory`` and ``POST /ops/requests/<id>/refer``: the same on the dashboard.
"""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from marshmallow import fields, validate
from sqlalchemy.orm import Session
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from models.directory import (
    CATEGORIES,
    SearchQuery,
    correct_category,
    nearest,
    record_referral,
    referrals_for,
    search_services,
)
from models.operator import Operator
from models.places import place_for_zip
from web import input_checks
from web.auth import office_pages
from web.context import db_session, settings
from web.office.openapi import Error, Input, Timestamp, api_blueprint, id_parameter

log = logging.getLogger("voice.web.office.directory")
ops_bp = Blueprint("directory_ops", __name__, url_prefix="/ops", template_folder="templates")
office_pages(ops_bp)


# --- the search both doors share ---------------------------------------------------


def search(args: Any) -> list[dict[str, Any]]:
    """Directory results for ``zip`` (nearest first) or ``q`` (city or name), ``category`` and ``language``."""
    category = args.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise BadRequest(f"category must be one of {', '.join(CATEGORIES)}")
    language = (args.get("language") or "").strip().lower()[:8] or None
    zip_code = (args.get("zip") or "").strip()
    if zip_code:
        place = place_for_zip(zip_code)
        if place is None:
            raise BadRequest("zip must be a known 5-digit US ZIP code")
        query = SearchQuery(
            place.latitude, place.longitude, category, language, max_miles=settings().referrals.max_miles,
            limit=25, now=utcnow(),
        )  # fmt: skip
        return [found.as_dict() for found in nearest(db_session(), query)]
    text = (args.get("q") or args.get("city") or "").strip()[:100] or None
    rows = search_services(db_session(), text=text, category=category, language=language)
    return [
        {
            "service_id": service.id,
            "name": service.name,
            "category": service.category,
            "miles": None,
            "phone": service.phone or (location.phone if location else None),
            "languages": [x for x in service.languages.split(",") if x],
            "open_now": None,
            "address": location.address if location else None,
            "city": location.city if location else None,
            "state": location.state if location else None,
        }
        for service, location in rows
    ]


def refer(session: Session, request_id: int, service_id: str, operator: Operator, complete: bool) -> dict[str, Any]:
    """Record the service given on a request (and complete the claim as ``referred`` when asked)."""
    item = session.get(CallbackRequest, request_id)
    if item is None:
        raise NotFound("no such callback request")
    now = utcnow()
    try:
        referral = record_referral(session, item.id, service_id, operator.id, now)
    except KeyError:
        raise BadRequest("no such service in the directory") from None
    named = f"{referral.service_name} ({referral.service_id}, {referral.category.replace('_', ' ')})"
    claims.record(session, item, "referral_given", now, operator_id=operator.id, detail=named)
    if complete:
        claims.complete(
            session, item.id, operator, now, "referred", f"referred to {named}",
            claims.RetryPolicy.from_settings(settings()),
        )  # fmt: skip
    log.info(
        "referral recorded",
        extra={"request_id": item.id, "service_id": referral.service_id, "operator_id": operator.id},
    )
    return referral.as_dict()


# --- the JSON API ------------------------------------------------------------------------

api = api_blueprint("directory_api", __name__, "The referral directory: search, refer on a request, correct.")
SERVICE_ID = [
    {"in": "path", "name": "service_id", "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,100}$"}},
]


class ServiceQuery(Input):
    """What to search for: a ZIP code (nearest first), or a city or service name."""

    zip = fields.String(validate=validate.Length(max=10), metadata={"description": "5-digit US ZIP code"})
    q = fields.String(validate=validate.Length(max=200), metadata={"description": "city or service name"})
    city = fields.String(validate=validate.Length(max=200), metadata={"description": "same as q"})
    category = fields.String(validate=validate.OneOf(CATEGORIES), metadata={"description": "kind of help"})
    language = fields.String(validate=validate.Length(max=200), metadata={"description": "e.g. en, es"})


class Service(ma.Schema):
    """A service in the directory; ``miles`` and ``open_now`` only for a ZIP search."""

    service_id = fields.String()
    name = fields.String()
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    miles = fields.Float(allow_none=True)
    phone = fields.String(allow_none=True)
    languages = fields.List(fields.String())
    open_now = fields.Boolean(allow_none=True)
    address = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)


class ServiceList(ma.Schema):
    """Services found."""

    services = fields.List(fields.Nested(Service))


class CategoryCorrection(Input):
    """The right category for a service."""

    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))


class CategoryCorrected(ma.Schema):
    """The service's category after the correction."""

    service_id = fields.String()
    category = fields.String()
    corrected = fields.Boolean()


class Referring(Input):
    """The service given on a request; ``complete`` also completes the claim as referred."""

    service_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    complete = fields.Boolean(load_default=False)


class Referral(ma.Schema):
    """A service given on a request."""

    id = fields.Integer()
    request_id = fields.Integer()
    service_id = fields.String()
    service_name = fields.String()
    category = fields.String()
    operator_id = fields.Integer(allow_none=True)
    at = Timestamp()


class ReferralList(ma.Schema):
    """The services given on a request."""

    referrals = fields.List(fields.Nested(Referral))


@api.route("/directory/services")
@api.doc(operationId="searchDirectory")
@api.arguments(ServiceQuery, location="query")
@api.response(200, ServiceList)
def api_search(args: dict[str, Any]) -> dict[str, Any]:
    """Search the directory by ZIP code (nearest first) or city/name, category and language."""
    return {"services": search(args)}


@api.route("/directory/services/<service_id>", methods=["PATCH"], parameters=SERVICE_ID)
@api.doc(operationId="correctCategory")
@api.arguments(CategoryCorrection)
@api.response(200, CategoryCorrected)
@api.alt_response(403, schema=Error, description="only a supervisor or admin may correct a category")
@api.alt_response(404, schema=Error, description="no such service")
def api_correct(data: dict[str, Any], service_id: str) -> dict[str, Any]:
    """Correct a service's category (supervisors and admins); re-imports keep it."""
    if not g.operator.is_supervisor:
        raise Forbidden("only a supervisor or admin may correct a category")
    session = db_session()
    try:
        service = correct_category(session, service_id, data["category"])
    except KeyError:
        raise NotFound("no such service") from None
    except ValueError as error:
        raise BadRequest(str(error)) from None
    session.commit()
    return {"service_id": service.id, "category": service.category, "corrected": True}


@api.route("/requests/<int:request_id>/referrals", methods=["POST"], parameters=[id_parameter("request_id")])
@api.doc(operationId="referService")
@api.arguments(Referring)
@api.response(201, Referral)
@api.alt_response(404, schema=Error, description="no such callback request")
@api.alt_response(409, schema=Error, description="completing: not claimed by you, or no longer open")
def api_refer(data: dict[str, Any], request_id: int) -> dict[str, Any]:
    """Record the service given on a request (``complete``: also complete the claim as referred)."""
    session = db_session()
    referral = refer(session, request_id, data["service_id"], g.operator, data["complete"])
    session.commit()
    return referral


@api.route("/requests/<int:request_id>/referrals", methods=["GET"], parameters=[id_parameter("request_id")])
@api.doc(operationId="listReferrals")
@api.response(200, ReferralList)
def api_referrals(request_id: int) -> dict[str, Any]:
    """The services given on a request."""
    return {"referrals": [r.as_dict() for r in referrals_for(db_session(), request_id)]}


# --- the dashboard ------------------------------------------------------------------------


@ops_bp.get("/directory")
@login_required
def directory() -> ResponseReturnValue:
    """Search the directory; with ``?request=N`` each result can be referred on that request."""
    results, error = [], None
    if any(request.args.get(k) for k in ("zip", "q", "category", "language")):
        try:
            results = search(request.args)
        except BadRequest as problem:
            error = problem.description
    request_id = input_checks.query_id("request")
    return render_template(
        "ops/directory.html",
        results=results,
        error=error,
        args=request.args,
        categories=CATEGORIES,
        request_id=request_id,
        referrals=referrals_for(db_session(), request_id) if request_id else [],
    )


@ops_bp.post("/requests/<int:request_id>/refer")
@login_required
def refer_on_request(request_id: int) -> ResponseReturnValue:
    """Record the service given (and complete as ``referred`` when the box is ticked)."""
    session = db_session()
    try:
        referral = refer(
            session, request_id, request.form.get("service_id", ""), current_user, request.form.get("complete") == "1"
        )
    except (BadRequest, NotFound) as error:
        session.rollback()
        flash(str(error.description), "error")
        return redirect(url_for("directory_ops.directory", request=request_id))
    except claims.ClaimError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("ops.detail", request_id=request_id))
    session.commit()
    flash(f"Referral recorded: {referral['service_name']}.", "ok")
    return redirect(url_for("ops.detail", request_id=request_id))
