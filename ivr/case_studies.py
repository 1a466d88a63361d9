"""Case studies: an operator proposes an anonymised summary of a completed request; a supervisor approves it.

Two doors, one rule set (``models/case_study.py``): the JSON API (rows added to
``ivr.api.ENDPOINTS``, so the OpenAPI document lists them) and the dashboard
(a form on a completed request's page, a supervisors' list to approve).
A refused summary is never stored or logged: the log line names only the reasons.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from werkzeug.exceptions import BadRequest, Conflict, Forbidden, NotFound

from ivr.auth import csrf, supervisor_required
from ivr.extensions import db_session
from models.base import utcnow
from models.case_study import CaseStudy, CaseStudyError, SummaryRefused

log = logging.getLogger("voice.ivr.case_studies")
bp = Blueprint("case_studies", __name__, url_prefix="/ops", template_folder="templates")


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


# --- the API (token auth; rows in ivr.api.ENDPOINTS) -------------------------------------


def propose_case_study(request_id: int) -> ResponseReturnValue:
    """Mark a completed request as a case study with a short anonymised summary."""
    from ivr.api import body

    try:
        study = _propose(request_id, body().get("summary"), g.operator.id)
    except SummaryRefused as refused:
        return jsonify(error="summary refused", reasons=refused.reasons), 422
    except CaseStudyError as error:
        raise Conflict(str(error)) from None
    return jsonify(case_study_json(study)), 201


def approve_case_study(case_study_id: int) -> ResponseReturnValue:
    """Approve a case study for reports (supervisors)."""
    if not g.operator.is_supervisor:
        raise Forbidden("only a supervisor approves case studies")
    try:
        study = _approve(case_study_id, g.operator.id)
    except (CaseStudyError, SummaryRefused) as error:
        raise Conflict(str(error)) from None
    return jsonify(case_study_json(study))


def pending_case_studies() -> ResponseReturnValue:
    """Case studies waiting for a supervisor's approval."""
    if not g.operator.is_supervisor:
        raise Forbidden("only a supervisor reviews case studies")
    return jsonify([case_study_json(study) for study in CaseStudy.pending(db_session())])


SCHEMAS: dict[str, dict[str, Any]] = {
    "CaseStudy": {
        "type": "object",
        "required": ["id", "request_id", "summary", "status", "proposed_at"],
        "properties": {
            "id": {"type": "integer"},
            "request_id": {"type": "integer"},
            "summary": {"type": "string"},
            "status": {"type": "string", "enum": ["proposed", "approved"]},
            "proposed_by_id": {"type": ["integer", "null"]},
            "proposed_at": {"type": "string", "format": "date-time"},
            "approved_by_id": {"type": ["integer", "null"]},
            "approved_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "CaseStudyList": {"type": "array", "items": {"$ref": "#/components/schemas/CaseStudy"}},
    "CaseStudyProposal": {
        "type": "object",
        "required": ["summary"],
        "properties": {"summary": {"type": "string", "minLength": 40, "maxLength": 1200}},
    },
    "SummaryRefused": {
        "type": "object",
        "properties": {"error": {"type": "string"}, "reasons": {"type": "array", "items": {"type": "string"}}},
    },
}


# --- the dashboard --------------------------------------------------------------------------


@bp.before_request
def check_csrf() -> None:
    """Every form post carries the session's CSRF token."""
    if request.method == "POST":
        csrf.protect()


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
