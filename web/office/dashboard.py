"""The operators' web dashboard under ``/ops/``: log-in, live queue, claim, detail, complete, history, supervisor.

Server-rendered with Jinja; the queue refreshes itself by fetching its own
table every few seconds. Every form posts a CSRF token (Flask-WTF).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup, escape

from callflows.masking import mask_phone
from models import claims
from models.base import utcnow
from models.callback import CallbackRequest
from models.operator import Operator
from models.registration import spent_registrations
from web.auth import office_pages, supervisor_required
from web.context import db_session, settings
from web.office import login_throttle, number_access
from workers import dialling

log = logging.getLogger("voice.web.office.dashboard")
bp = Blueprint("ops", __name__, url_prefix="/ops", template_folder="templates")
office_pages(bp)

REFRESH_SECONDS = 5


@bp.app_template_filter("local")
def local_time(value: Any) -> str:
    """A stored UTC time in the hotline's time zone."""
    return value.astimezone(settings().tz).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.app_template_filter("last4")
def last_four(value: str | None) -> str:
    """A caller number as its last four digits (full numbers only on the request an operator holds)."""
    return mask_phone(value)


@bp.app_template_filter("waited")
def waited(value: Any) -> str:
    """How long ago ``value`` was, as "3 h 05 min"."""
    if not value:
        return ""
    minutes = int((utcnow() - value).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


# A path inside the dashboard, in plain printable characters: no scheme, no host, no line break
# (raw or percent-encoded) that could split the Location header.
_SAFE_NEXT = re.compile(r"/ops(?:/[A-Za-z0-9._~/?=&+-]*)?")


def _safe_next(target: str | None) -> str:
    # Only a path inside the dashboard: never an open redirect.
    if target and _SAFE_NEXT.fullmatch(target) and "//" not in target and not urlsplit(target).netloc:
        return target
    return url_for("ops.queue")


WRONG_LOG_IN = "Wrong e-mail or password."


@bp.route("/login", methods=["GET", "POST"])
@login_throttle.throttled
def login() -> ResponseReturnValue:
    """Log in with e-mail and password; failures are throttled per address and account, never locked."""
    if request.method == "GET":
        return render_template("ops/login.html", next=request.args.get("next", ""))
    email = request.form.get("email", "").strip().lower()
    db = db_session()
    operator = Operator.authenticate(db, email, request.form.get("password", ""), utcnow())
    db.commit()
    if operator is None:
        log.info("login failed", extra={"path": request.path})
        return _refused()
    session.clear()
    login_user(operator)
    log.info("operator logged in", extra={"operator_id": operator.id})
    return login_throttle.remember_device(redirect(_safe_next(request.form.get("next"))), email)


def _refused() -> ResponseReturnValue:
    # Unknown e-mail, wrong password and throttled log-in: one answer, so none tells which it was.
    return render_template("ops/login.html", error=WRONG_LOG_IN, next=request.form.get("next")), 401


@bp.errorhandler(429)
def throttled(_error: Exception) -> ResponseReturnValue:
    """A throttled log-in is answered like a wrong password."""
    log.warning("login throttled", extra={"path": request.path})
    return _refused()


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Log out: this session, and any copy of its cookie, ends server-side."""
    db = db_session()
    operator = db.get(Operator, current_user.id)
    if operator is not None:
        operator.end_sessions()
        db.commit()
    logout_user()
    session.clear()
    return redirect(url_for("ops.login"))


def _filters() -> dict[str, str | None]:
    # A CRO's queue opens on their own field office; an empty office field shows every office.
    office = request.values.get("office", current_user.home_office or "")
    return {"language": request.values.get("language") or None, "office": office.strip().upper() or None}


@bp.get("/")
@login_required
def queue() -> ResponseReturnValue:
    """The live queue, the operator's current claim, and "claim next"."""
    return render_template(
        "ops/queue.html", refresh=REFRESH_SECONDS, held=claims.held_by(db_session(), current_user), **_queue_context()
    )


@bp.get("/queue/rows")
@login_required
def queue_rows() -> ResponseReturnValue:
    """The queue table alone, fetched by the page every few seconds."""
    return render_template("ops/_queue_rows.html", **_queue_context())


def _queue_context() -> dict[str, Any]:
    filters = _filters()
    db = db_session()
    in_progress = claims.queue(db, status=claims.CLAIMED, limit=50, **filters)
    return {
        "items": claims.queue(db, status=claims.OPEN, limit=50, **filters),
        "in_progress": in_progress,
        "operators": Operator.names(db, {i.claimed_by_id for i in in_progress if i.claimed_by_id}),
        # "" rather than None, so the page's refresh URL keeps an emptied office filter (a CRO seeing all).
        "filters": {key: value or "" for key, value in filters.items()},
        "now": utcnow(),
    }


@bp.post("/claim")
@login_required
def claim() -> ResponseReturnValue:
    """Claim the next request (or return to the one already held)."""
    db = db_session()
    filters = _filters()
    if filters["office"] == current_user.home_office:
        # The CRO's own office (the default filter): claim_next takes it first, then any office.
        filters["office"] = None
    item = claims.claim_next(db, current_user, utcnow(), lease_seconds=settings().claim_lease_seconds, **filters)
    db.commit()
    if item is None:
        flash("The queue is empty.", "info")
        return redirect(url_for("ops.queue"))
    extra = {"request_id": item.id, "operator_id": current_user.id, "phone": mask_phone(item.phone)}
    log.info("request claimed", extra=extra)
    return redirect(url_for("ops.detail", request_id=item.id))


def _request_or_404(request_id: int) -> CallbackRequest:
    item = db_session().get(CallbackRequest, request_id)
    if item is None:
        abort(404)
    return item


def audio_url(item: CallbackRequest) -> str | None:
    """A playable URL for the caller's voice message (Twilio serves .mp3 when asked)."""
    if not item.message_url:
        return None
    url = item.message_url
    return url if urlsplit(url).path.rsplit("/", 1)[-1].count(".") else url + ".mp3"


@bp.get("/requests/<int:request_id>")
@login_required
def detail(request_id: int) -> ResponseReturnValue:
    """One request: who to call, the voice message and its transcription, history, the complete form."""
    item = _request_or_404(request_id)
    db = db_session()
    phone = number_access.shown_phone(db, item, current_user, "dashboard", utcnow())
    number_access.commit_reads(db)
    return render_template(
        "ops/request.html",
        item=item,
        phone=phone,
        also_given=CallbackRequest.also_given(db, [item])[item.id],
        audio=audio_url(item),
        history=claims.history(db, item.id),
        attempts=claims.attempts(db, item.id),
        mine=item.status == claims.CLAIMED and item.claimed_by_id == current_user.id,
        dispositions=claims.DISPOSITIONS,
    )


@bp.post("/requests/<int:request_id>/complete")
@login_required
def complete(request_id: int) -> ResponseReturnValue:
    """Record the outcome of the call back."""
    disposition = request.form.get("disposition", "")
    if disposition not in claims.DISPOSITIONS:
        flash("Choose an outcome.", "error")
        return redirect(url_for("ops.detail", request_id=request_id))
    db = db_session()
    try:
        item = claims.complete(
            db, request_id, current_user, utcnow(), disposition, request.form.get("notes", "").strip()[:4000],
            claims.RetryPolicy.from_settings(settings()),
        )  # fmt: skip
    except claims.ClaimError as error:
        db.rollback()
        flash(str(error), "error")
        return redirect(url_for("ops.detail", request_id=request_id))
    db.commit()
    extra = {"request_id": item.id, "operator_id": current_user.id, "disposition": disposition}
    log.info("request completed", extra=extra)
    flash(f"Request {item.id} completed: {disposition.replace('_', ' ')}.", "ok")
    return redirect(url_for("ops.queue"))


@bp.post("/requests/<int:request_id>/release")
@login_required
def release(request_id: int) -> ResponseReturnValue:
    """Give the claim back to the queue."""
    db = db_session()
    try:
        claims.release(db, request_id, current_user, utcnow())
    except claims.ClaimError as error:
        db.rollback()
        flash(str(error), "error")
        return redirect(url_for("ops.detail", request_id=request_id))
    db.commit()
    flash(f"Request {request_id} is back in the queue.", "ok")
    return redirect(url_for("ops.queue"))


@bp.post("/requests/<int:request_id>/merge")
@login_required
def merge(request_id: int) -> ResponseReturnValue:
    """Join this request into another one for the same number ("also asked at …")."""
    into = request.form.get("into", "")
    db = db_session()
    try:
        if not into.isdigit() or len(into) > 12:
            raise claims.ClaimError("choose the request to keep")
        kept = claims.merge(db, request_id, int(into), current_user, utcnow())
    except claims.ClaimError as error:
        db.rollback()
        flash(str(error), "error")
        return redirect(url_for("ops.detail", request_id=request_id))
    db.commit()
    log.info("request merged", extra={"request_id": request_id, "into": kept.id, "operator_id": current_user.id})
    flash(f"Request {request_id} merged into request {kept.id}.", "ok")
    return redirect(url_for("ops.detail", request_id=kept.id))


@bp.post("/requests/<int:request_id>/notes")
@login_required
def note(request_id: int) -> ResponseReturnValue:
    """Add a note to the request's history."""
    text = request.form.get("text", "").strip()
    if text:
        db = db_session()
        claims.add_note(db, _request_or_404(request_id).id, current_user, utcnow(), text)
        db.commit()
    return redirect(url_for("ops.detail", request_id=request_id))


@bp.post("/requests/<int:request_id>/call")
@login_required
def call(request_id: int) -> ResponseReturnValue:
    """Ring the operator's phone, then bridge to the caller from the hotline number."""
    try:
        dialling.start_call(db_session(), settings(), request_id, current_user)
    except dialling.BridgeError as error:
        db_session().rollback()
        flash(str(error), "error")
    else:
        flash("Your phone will ring now; the caller sees the hotline number.", "ok")
    return redirect(url_for("ops.detail", request_id=request_id))


@bp.get("/history")
@login_required
def history() -> ResponseReturnValue:
    """The requests this operator worked, newest first."""
    return render_template("ops/history.html", rows=claims.worked_by(db_session(), current_user))


@bp.get("/supervisor")
@login_required
@supervisor_required
def supervisor() -> ResponseReturnValue:
    """Queue depth, oldest wait, claims in progress, completions per hour, the last 7 days."""
    numbers = claims.stats(db_session(), utcnow(), settings().tz)
    in_progress = claims.queue(db_session(), status=claims.CLAIMED, limit=100)
    return render_template(
        "ops/supervisor.html",
        stats=numbers,
        in_progress=in_progress,
        operators=Operator.names(db_session(), {i.claimed_by_id for i in in_progress if i.claimed_by_id}),
        chart=week_chart(numbers["last_days"]),
        hourly=hour_chart(numbers["completions_per_hour"]),
        refresh=REFRESH_SECONDS * 6,
        guessed=spent_registrations(db_session(), settings().notifications),
    )


def week_chart(days: list[dict[str, Any]], width: int = 560, height: int = 200) -> Markup:
    """Received vs completed requests per day, as inline SVG bars."""
    top = max([1] + [max(d["received"], d["completed"]) for d in days])
    slot = width / max(len(days), 1)
    bar = slot * 0.35
    parts = [
        f'<svg class="chart" role="img" aria-label="Requests received and completed, last {len(days)} days" '
        f'viewBox="0 0 {width} {height + 40}" width="{width}" height="{height + 40}">'
    ]
    for index, day in enumerate(days):
        x = index * slot + slot * 0.1
        for offset, key, css in ((0, "received", "received"), (bar, "completed", "completed")):
            value = day[key]
            h = height * value / top
            parts.append(
                f'<rect class="{css}" x="{x + offset:.1f}" y="{height - h:.1f}" width="{bar:.1f}" height="{h:.1f}">'
                f"<title>{escape(day['date'])}: {value} {key}</title></rect>"
            )
        parts.append(f'<text x="{x + bar:.1f}" y="{height + 16}" text-anchor="middle">{escape(day["date"][5:])}</text>')
    parts.append(
        f'<g class="legend"><rect class="received" x="0" y="{height + 26}" width="10" height="10"/>'
        f'<text x="14" y="{height + 35}">received</text>'
        f'<rect class="completed" x="90" y="{height + 26}" width="10" height="10"/>'
        f'<text x="104" y="{height + 35}">completed</text></g></svg>'
    )
    return Markup("".join(parts))


def hour_chart(hours: list[dict[str, Any]], width: int = 560, height: int = 120) -> Markup:
    """Completions per hour, as inline SVG bars."""
    top = max([1] + [h["completed"] for h in hours])
    slot = width / max(len(hours), 1)
    parts = [
        f'<svg class="chart" role="img" aria-label="Completions per hour" viewBox="0 0 {width} {height + 20}" '
        f'width="{width}" height="{height + 20}">'
    ]
    for index, hour in enumerate(hours):
        h = height * hour["completed"] / top
        x = index * slot + slot * 0.15
        parts.append(
            f'<rect class="completed" x="{x:.1f}" y="{height - h:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}">'
            f"<title>{escape(hour['hour'])}: {hour['completed']}</title></rect>"
            f'<text x="{x + slot * 0.35:.1f}" y="{height + 14}" text-anchor="middle">{escape(hour["hour"])}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@bp.post("/requests/<int:request_id>/call-caller-first")
@login_required
def call_caller_first(request_id: int) -> ResponseReturnValue:
    """The dashboard's "Call the caller first" button."""
    try:
        dialling.start_call(db_session(), settings(), request_id, current_user, caller_first=True)
    except dialling.BridgeError as error:
        db_session().rollback()
        flash(str(error), "error")
    else:
        flash("The caller's phone is ringing; yours rings when they press 1.", "ok")
    return redirect(url_for("ops.detail", request_id=request_id))
