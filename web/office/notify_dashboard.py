"""Dashboard pages for notifications: find registrations, see one with its notifications and attempts, end it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from callflows.phones import parse_callback_number
from models.base import utcnow
from models.custody import normalize_a_number
from models.number_reads import DASHBOARD
from models.registration import LIVE, Registration
from web.auth import office_pages
from web.context import db_session
from web.office import number_access
from web.office.notify_api import RegistrationRefused, register_for_caller, registration_detail

bp = Blueprint("ops_notify", __name__, url_prefix="/ops/registrations", template_folder="templates")
office_pages(bp)


@bp.get("/")
@login_required
def search() -> ResponseReturnValue:
    """Registrations for an A-number or a phone number."""
    text = request.args.get("q", "").strip()
    items: list[Registration] = []
    if text:
        a_number = normalize_a_number(text)
        phone = None if a_number else parse_callback_number(text)
        query = select(Registration).order_by(Registration.id.desc()).limit(100)
        if a_number:
            items = list(db_session().scalars(query.where(Registration.a_number == a_number)))
        elif phone:
            items = list(db_session().scalars(query.where(Registration.phone == phone)))
    session, now = db_session(), utcnow()
    shown = {r.id: number_access.shown_registration_numbers(session, r, current_user, DASHBOARD, now) for r in items}
    page = render_template("ops/registrations.html", items=items, shown=shown, q=text)
    number_access.commit_reads(session)
    return page


@bp.get("/<int:registration_id>")
@login_required
def show(registration_id: int) -> ResponseReturnValue:
    """One registration with its notifications and every text and call attempt."""
    item = db_session().get(Registration, registration_id)
    if item is None:
        abort(404)
    page = render_template(
        "ops/registration.html", item=registration_detail(item, current_user, DASHBOARD), live=item.status in LIVE
    )
    number_access.commit_reads(db_session())
    return page


@bp.post("/<int:registration_id>/end")
@login_required
def end(registration_id: int) -> ResponseReturnValue:
    """End a registration (recorded with the operator)."""
    item = db_session().get(Registration, registration_id)
    if item is None:
        abort(404)
    if item.status in LIVE:
        item.end(utcnow(), f"operator {current_user.id}")
        db_session().commit()
        flash("Registration ended.", "ok")
    return redirect(url_for("ops_notify.show", registration_id=registration_id))


@bp.post("/new")
@login_required
def create() -> ResponseReturnValue:
    """Register the caller an operator is talking with (recorded with the operator)."""
    try:
        registration = register_for_caller(request.form.to_dict(), current_user.id)
    except RegistrationRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("ops_notify.search"))
    flash(f"Registration {registration.reference} stored.", "ok")
    return redirect(url_for("ops_notify.show", registration_id=registration.id))
