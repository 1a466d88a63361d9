"""The supervisors' report page under ``/ops/report``: whole weeks, months and quarters, as a page, PDF or CSV.

Only whole periods are offered (docs/decisions/whole-report-periods.md): two overlapping
arbitrary ranges could be subtracted to reveal a suppressed cell. A report takes
seconds to build, so one process builds one at a time and a second asks to wait
(503): the dashboard shares processes with the phone line and must never make a
caller wait behind it.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from models.base import utcnow
from models.report import KINDS, Period, PeriodError, recent_periods
from web.auth import office_pages, supervisor_required
from web.context import db_session, settings

log = logging.getLogger("voice.web.office.reports")
bp = Blueprint("reports", __name__, url_prefix="/ops/report", template_folder="templates")
office_pages(bp)

# One report at a time per process (see the module docstring).
_building = threading.BoundedSemaphore(1)
FORMATS = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


def offered() -> dict[str, list[Period]]:
    """The periods a supervisor may choose: the recent weeks, months and quarters."""
    today = utcnow().astimezone(settings().tz).date()
    return {kind: recent_periods(kind, today, 12 if kind == "week" else 8) for kind in KINDS}


def _period(value: str) -> Period:
    try:
        period = Period.parse(value)
    except PeriodError:
        abort(404)
    if period.start > utcnow().astimezone(settings().tz).date():
        abort(404)
    return period


def _build(period: Period, charts_on: bool = True) -> Any:
    from reports import document

    if not _building.acquire(blocking=False):
        abort(Response("Another report is being prepared; try again in a minute.", 503, {"Retry-After": "30"}))
    try:
        return document.build(db_session(), period, settings().tz, utcnow(), charts_on=charts_on)
    finally:
        _building.release()


@bp.get("")
@login_required
@supervisor_required
def page() -> ResponseReturnValue:
    """The period picker, and the chosen period's report."""
    from reports import document

    chosen = request.args.get("period", "")
    report = _build(_period(chosen)) if chosen else None
    return render_template("ops/report.html", offered=offered(), report=report, chosen=chosen, **document.legend())


@bp.get("/<period>.<fmt>")
@login_required
@supervisor_required
def download(period: str, fmt: str) -> ResponseReturnValue:
    """The report for a whole week, month or quarter as PDF or CSV."""
    from reports import document

    if fmt not in FORMATS:
        abort(404)
    chosen = _period(period)
    report = _build(chosen, charts_on=fmt == "pdf")
    body: bytes | str = document.to_pdf(report) if fmt == "pdf" else document.to_csv(report)
    log.info("report downloaded", extra={"period": chosen.label, "format": fmt, "operator_id": current_user.id})
    response = Response(body, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="voice-report-{chosen.label}.{fmt}"'
    return response
