"""Case studies: an operator proposes an anonymised summary of a completed request; a supervisor approves it.

Two doors, one rule set (``models/case_study.py``): the JSON API (its schemas
declared here make its part of the OpenAPI document) and the dashboard
(a form on a completed request's page, a supervisors' list to approve).
A refused summary is never stored or logged: the log line names only the reasons.
"""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from marshmallow import fields, validate
from werkzeug.exceptions import BadRequest, Conflict, Forbidden, NotFound

from models.base import utcnow
from models.case_study import CaseStudy, CaseStudyError, SummaryRefused
from web.auth import office_pages, supervisor_required
from web.context import db_session
from web.office.openapi import Error, Input, Timestamp, api_blueprint, id_parameter
from web.problems import problem

log = logging.getLogger("voice.web.office.case_studies")
bp = Blueprint("case_studies", __name__, url_prefix="/ops", template_folder="templates")
office_pages(bp)


def case_study_json(study: CaseStudy) -> dict[str, Any]:
    """A case study as the API shows it."""
    return {
        "id": study.id,
        "request_id": study.request_id,
        "summary": study.summary,
        "status": study.status,
        "proposed_by_id": study.proposed_by_id,
        "proposed_at": study.proposed_at.isoformat(),
        "approved_by_id": study.approved_by_id,
        "approved_at": study.approved_at.isoformat() if study.approved_at else None,
    }


def _propose(request_id: int, summary: Any, operator_id: int) -> CaseStudy:
    if not isinstance(summary, str):
        raise BadRequest("summary: a short anonymised text is required")
    db = db_session()
    try:
        study = CaseStudy.propose(db, request_id, summary, operator_id, utcnow())
    except SummaryRefused as refused:
        db.rollback()
        log.info("case study refused", extra={"request_id": request_id, "reasons": refused.reasons})
        raise
    except CaseStudyError:
        db.rollback()
        raise
    db.commit()
    log.info("case study proposed", extra={"request_id": request_id, "operator_id": operator_id})
    return study


def _approve(study_id: int, supervisor_id: int) -> CaseStudy:
    db = db_session()
    study = db.get(CaseStudy, study_id)
    if study is None:
        raise NotFound("no such case study")
    study.approve(supervisor_id, utcnow())
    db.commit()
    log.info("case study approved", extra={"case_study_id": study.id, "operator_id": supervisor_id})
    return study


# --- the API ---------------------------------------------------------------------------------

api = api_blueprint("case_studies_api", __name__, "Case studies: propose a summary, a supervisor approves it.")


class CaseStudySchema(ma.Schema):
    """A case study as the API shows it."""

    id = fields.Integer(required=True)
    request_id = fields.Integer(required=True)
    summary = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["proposed", "approved"]))
    proposed_by_id = fields.Integer(allow_none=True)
    proposed_at = Timestamp(required=True)
    approved_by_id = fields.Integer(allow_none=True)
    approved_at = Timestamp(allow_none=True)


class CaseStudyProposal(Input):
    """A short anonymised summary of a completed request."""

    summary = fields.String(required=True, validate=validate.Length(max=4000))


class SummaryRefusedSchema(Error):
    """A summary that may identify someone: the reasons (the summary itself is never stored or logged)."""

    reasons = fields.List(fields.String())


@api.route("/requests/<int:request_id>/case-study", methods=["POST"], parameters=[id_parameter("request_id")])
@api.doc(operationId="proposeCaseStudy")
@api.arguments(CaseStudyProposal)
@api.response(201, CaseStudySchema)
@api.alt_response(409, schema=Error, description="the request is not completed, or already has a case study")
@api.alt_response(422, schema=SummaryRefusedSchema, description="refused: the summary may identify someone")
def propose_case_study(data: dict[str, Any], request_id: int) -> Any:
    """Mark a completed request as a case study with a short anonymised summary."""
    try:
        study = _propose(request_id, data["summary"], g.operator.id)
    except SummaryRefused as refused:
        return problem(422, "summary refused", reasons=refused.reasons)
    except CaseStudyError as error:
        raise Conflict(str(error)) from None
    return case_study_json(study)


@api.route("/case-studies/<int:case_study_id>/approve", methods=["POST"], parameters=[id_parameter("case_study_id")])
@api.doc(operationId="approveCaseStudy")
@api.response(200, CaseStudySchema)
@api.alt_response(403, schema=Error, description="only a supervisor approves case studies")
@api.alt_response(404, schema=Error, description="no such case study")
@api.alt_response(409, schema=Error, description="already approved, or no longer acceptable")
def approve_case_study(case_study_id: int) -> dict[str, Any]:
    """Approve a case study for reports (supervisors)."""
    if not g.operator.is_supervisor:
        raise Forbidden("only a supervisor approves case studies")
    try:
        study = _approve(case_study_id, g.operator.id)
    except (CaseStudyError, SummaryRefused) as error:
        raise Conflict(str(error)) from None
    return case_study_json(study)


@api.route("/case-studies/pending")
@api.doc(operationId="pendingCaseStudies")
@api.response(200, CaseStudySchema(many=True))
@api.alt_response(403, schema=Error, description="only a supervisor reviews case studies")
def pending_case_studies() -> list[dict[str, Any]]:
    """Case studies waiting for a supervisor's approval."""
    if not g.operator.is_supervisor:
        raise Forbidden("only a supervisor reviews case studies")
    return [case_study_json(study) for study in CaseStudy.pending(db_session())]


# --- the dashboard --------------------------------------------------------------------------


@bp.post("/requests/<int:request_id>/case-study")
@login_required
def propose(request_id: int) -> ResponseReturnValue:
    """The form on a completed request's page."""
    try:
        _propose(request_id, request.form.get("summary", ""), current_user.id)
    except SummaryRefused as refused:
        flash("Summary not saved: " + "; ".join(refused.reasons) + ".", "error")
    except CaseStudyError as error:
        flash(str(error).capitalize() + ".", "error")
    else:
        flash("Case study saved; a supervisor approves it before it appears in a report.", "ok")
    return redirect(url_for("ops.detail", request_id=request_id))


@bp.get("/case-studies")
@login_required
@supervisor_required
def pending() -> ResponseReturnValue:
    """Case studies waiting for approval."""
    return render_template("ops/case_studies.html", studies=CaseStudy.pending(db_session()))


@bp.post("/case-studies/<int:case_study_id>/approve")
@login_required
@supervisor_required
def approve(case_study_id: int) -> ResponseReturnValue:
    """A supervisor approves one case study."""
    try:
        _approve(case_study_id, current_user.id)
    except (CaseStudyError, SummaryRefused) as error:
        db_session().rollback()
        flash(str(error).capitalize() + ".", "error")
    else:
        flash("Case study approved.", "ok")
    return redirect(url_for("case_studies.pending"))
