"""Operator API for notifications: registrations (register a caller, show one with its attempts, end one) and the
look-up by name, with the schemas the OpenAPI document is made of.
"""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import g
from marshmallow import fields, validate
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest, NotFound

from callflows.countries import normalize_country
from callflows.masking import mask_a_number, mask_phone
from callflows.phones import parse_callback_number
from models.audit import DISCLOSED, NOT_DISCLOSED, NOT_FOUND, LookupAudit, hash_caller
from models.base import utcnow
from models.custody import CustodyRecord, Facility, normalize_a_number
from models.disclosure import never_disclosed
from models.notification import Notification, NotificationAttempt
from models.number_reads import API
from models.operator import Operator
from models.registration import (
    BY_OPERATOR,
    CHANNELS,
    VOICE,
    Registration,
    RegistrationLimitReached,
    hold_for_code,
    register_verified,
)
from web.context import db_session, hotline, settings
from web.office import number_access
from web.office.openapi import Error, Input, Timestamp, api_blueprint, id_parameter

log = logging.getLogger("voice.web.office.notify_api")

OPERATOR_CHANNEL = "operator"


api = api_blueprint("notifications_api", __name__, "Registrations for custody-change notifications; look-up by name.")
REGISTRATION_ID = [id_parameter("registration_id")]


class RegistrationSchema(ma.Schema):
    """A registration as operators see it (never the PIN or code hashes)."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    a_number = fields.String(required=True)
    country = fields.String(required=True)
    phone = fields.String(required=True)
    language = fields.String()
    channels = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    voicemail_allowed = fields.Boolean()
    texts_any_hour = fields.Boolean(metadata={"description": "texts may come in quiet hours too"})
    status = fields.String(required=True)
    source = fields.String(required=True)
    operator_id = fields.Integer(allow_none=True)
    created_at = Timestamp()
    activated_at = Timestamp(allow_none=True)
    expires_at = Timestamp(allow_none=True)
    ended_at = Timestamp(allow_none=True)
    ended_by = fields.String(allow_none=True)


class NotificationAttemptSchema(ma.Schema):
    """One text or call that carried a notification."""

    channel = fields.String()
    sid = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    pin_ok = fields.Boolean(allow_none=True)
    started_at = Timestamp(allow_none=True)
    updated_at = Timestamp(allow_none=True)


class NotificationSchema(ma.Schema):
    """A custody change told to a registrant."""

    id = fields.Integer()
    kind = fields.String()
    event_at = Timestamp(allow_none=True)
    sms_state = fields.String(allow_none=True)
    voice_state = fields.String(allow_none=True)
    voice_attempts = fields.Integer(allow_none=True)
    acknowledged_at = Timestamp(allow_none=True)
    attempts = fields.List(fields.Nested(NotificationAttemptSchema))


class RegistrationDetail(RegistrationSchema):
    """A registration with its notifications and every attempt."""

    notifications = fields.List(fields.Nested(NotificationSchema))


class RegistrationList(ma.Schema):
    """Registrations, newest first (at most 200)."""

    registrations = fields.List(fields.Nested(RegistrationSchema))


class RegistrationQuery(Input):
    """Whose registrations: an A-number or a phone number."""

    a_number = fields.String(validate=validate.Length(max=40))
    phone = fields.String(validate=validate.Length(max=40))


class NewRegistration(Input):
    """A registration an operator makes for a caller."""

    a_number = fields.String(required=True, validate=validate.Length(max=40))
    country = fields.String(required=True, validate=validate.Length(max=100))
    phone = fields.String(required=True, validate=validate.Length(max=40))
    language = fields.String(validate=validate.OneOf(["en", "es"]))
    channels = fields.String(validate=validate.OneOf(CHANNELS))
    pin = fields.String(validate=validate.Regexp(r"^[0-9]{4}$"), metadata={"pattern": "^[0-9]{4}$"})
    voicemail_allowed = fields.Boolean()
    texts_any_hour = fields.Boolean(metadata={"description": "texts may come in quiet hours too"})


class NameQuery(Input):
    """Exact first and last name and country of birth; the date of birth narrows it."""

    first_name = fields.String(required=True, validate=validate.Length(max=100))
    last_name = fields.String(required=True, validate=validate.Length(max=100))
    country = fields.String(required=True, validate=validate.Length(max=100))
    date_of_birth = fields.Date()


class FacilitySchema(ma.Schema):
    """Where a person is held."""

    name = fields.String(allow_none=True)
    city = fields.String(allow_none=True)
    state = fields.String(allow_none=True)


class NameMatch(ma.Schema):
    """A custody record found by name (possible minors and protected records are never listed)."""

    a_number = fields.String()
    status = fields.String(allow_none=True)
    status_changed_at = Timestamp(allow_none=True)
    facility = fields.Nested(FacilitySchema, allow_none=True)


class NameMatches(ma.Schema):
    """Records found by name."""

    records = fields.List(fields.Nested(NameMatch))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def registration_json(item: Registration, operator: Operator, channel: str = API) -> dict[str, Any]:
    """A registration as ``operator`` may see it: full numbers only to who holds it (audited); never
    the PIN or code hashes."""
    phone, a_number = number_access.shown_registration_numbers(db_session(), item, operator, channel, utcnow())
    return {
        "id": item.id,
        "reference": item.reference,
        "a_number": a_number,
        "country": item.country,
        "phone": phone,
        "language": item.language,
        "channels": item.channels,
        "voicemail_allowed": item.voicemail_allowed,
        "texts_any_hour": item.texts_any_hour,
        "status": item.status,
        "source": item.source,
        "operator_id": item.operator_id,
        "created_at": _iso(item.created_at),
        "activated_at": _iso(item.activated_at),
        "expires_at": _iso(item.expires_at),
        "ended_at": _iso(item.ended_at),
        "ended_by": item.ended_by,
    }


def registration_detail(item: Registration, operator: Operator, channel: str = API) -> dict[str, Any]:
    """A registration with its notifications and every attempt, as ``operator`` may see it."""
    session = db_session()
    notifications = session.scalars(
        select(Notification).where(Notification.registration_id == item.id).order_by(Notification.id)
    )
    return {
        **registration_json(item, operator, channel),
        "notifications": [
            {
                "id": n.id,
                "kind": n.kind,
                "event_at": _iso(n.event_at),
                "sms_state": n.sms_state,
                "voice_state": n.voice_state,
                "voice_attempts": n.voice_attempts,
                "acknowledged_at": _iso(n.acknowledged_at),
                "attempts": [
                    {
                        "channel": a.channel,
                        "sid": a.sid,
                        "status": a.status,
                        "answered_by": a.answered_by,
                        "pin_ok": a.pin_ok,
                        "started_at": _iso(a.started_at),
                        "updated_at": _iso(a.updated_at),
                    }
                    for a in NotificationAttempt.for_notification(session, n.id)
                ],
            }
            for n in notifications
        ],
    }


def get_registration(registration_id: int) -> Registration:
    """The registration or 404."""
    item = db_session().get(Registration, registration_id)
    if item is None:
        raise NotFound("no such registration")
    return item


@api.route("/registrations")
@api.doc(operationId="listRegistrations")
@api.arguments(RegistrationQuery, location="query")
@api.response(200, RegistrationList)
def list_registrations(args: dict[str, Any]) -> dict[str, Any]:
    """Registrations for an A-number or a phone number (one of them is required)."""
    a_number = normalize_a_number(args["a_number"]) if args.get("a_number") else None
    phone = parse_callback_number(args["phone"]) if args.get("phone") else None
    if a_number is None and phone is None:
        raise BadRequest("give a_number or phone")
    query = select(Registration).order_by(Registration.id.desc()).limit(200)
    if a_number is not None:
        query = query.where(Registration.a_number == a_number)
    if phone is not None:
        query = query.where(Registration.phone == phone)
    return {"registrations": [registration_json(r, g.operator) for r in db_session().scalars(query)]}


class RegistrationRefused(ValueError):
    """The operator's registration request cannot be stored; the message says why."""


def register_for_caller(data: dict[str, Any], operator_id: int) -> Registration:
    """Store a registration an operator made for a caller (texts wait for the number's code); committed."""
    a_number = normalize_a_number(str(data.get("a_number", "")))
    country = normalize_country(str(data.get("country", ""))) if data.get("country") else None
    phone = parse_callback_number(str(data.get("phone", "")))
    channels = data.get("channels") or VOICE
    pin = data.get("pin") or None
    language = data.get("language") or "en"
    if a_number is None or country is None or phone is None:
        raise RegistrationRefused("a_number, country and a callable phone are required")
    if channels not in CHANNELS or language not in ("en", "es"):
        raise RegistrationRefused(f"channels must be one of {', '.join(CHANNELS)}; language en or es")
    if pin is not None and (not isinstance(pin, str) or len(pin) != 4 or not pin.isdigit()):
        raise RegistrationRefused("pin must be 4 digits")
    if channels != "sms" and pin is None:
        raise RegistrationRefused("a registration that calls needs a 4-digit pin")
    session = db_session()
    limits = settings().notifications
    try:
        registration = register_verified(
            session,
            a_number=a_number,
            country=country,
            phone=phone,
            language=language,
            channels=channels,
            pin=pin,
            settings=limits,
            now=utcnow(),
            source=BY_OPERATOR,
            operator_id=operator_id,
            voicemail_allowed=data.get("voicemail_allowed") in (True, "1", "on", "true"),
            texts_any_hour=data.get("texts_any_hour") in (True, "1", "on", "true"),
        )
    except RegistrationLimitReached:
        session.rollback()
        raise RegistrationRefused(
            f"this phone already has {limits.registrations_per_phone} registrations, the most one phone may have;"
            " end one first"
        ) from None
    message_id = hold_for_code(session, registration, caller_id=False)
    session.commit()
    if message_id is not None:
        hotline().handover.after_commit([message_id])
    log.info(
        "registration by operator",
        extra={"operator_id": operator_id, "registration_id": registration.id, "phone": mask_phone(phone)},
    )
    return registration


@api.route("/registrations", methods=["POST"])
@api.doc(operationId="createRegistration")
@api.arguments(NewRegistration)
@api.response(201, RegistrationSchema)
def create_registration(data: dict[str, Any]) -> dict[str, Any]:
    """Register a caller (recorded as done by this operator); texts to the number wait for its code."""
    try:
        registration = register_for_caller(data, g.operator.id)
    except RegistrationRefused as refused:
        raise BadRequest(str(refused)) from None
    return registration_json(registration, g.operator)


@api.route("/registrations/<int:registration_id>", parameters=REGISTRATION_ID)
@api.doc(operationId="getRegistration")
@api.response(200, RegistrationDetail)
@api.alt_response(404, schema=Error, description="no such registration")
def show_registration(registration_id: int) -> dict[str, Any]:
    """A registration with its notifications and attempts."""
    return registration_detail(get_registration(registration_id), g.operator)


@api.route("/registrations/<int:registration_id>/end", methods=["POST"], parameters=REGISTRATION_ID)
@api.doc(operationId="endRegistration")
@api.response(200, RegistrationSchema)
@api.alt_response(404, schema=Error, description="no such registration")
def end_registration(registration_id: int) -> dict[str, Any]:
    """End a registration (recorded with the operator)."""
    item = get_registration(registration_id)
    if item.status in ("pending", "active"):
        item.end(utcnow(), f"operator {g.operator.id}")
        db_session().commit()
    return registration_json(item, g.operator)


@api.route("/custody/by-name", methods=["POST"])
@api.doc(operationId="lookUpByName")
@api.arguments(NameQuery)
@api.response(200, NameMatches)
def look_up_by_name(data: dict[str, Any]) -> dict[str, Any]:
    """Custody records by first + last name + country of birth (+ date of birth), exact match, audited."""
    first, last = data["first_name"].strip(), data["last_name"].strip()
    country = normalize_country(data["country"])
    born = data.get("date_of_birth")
    if not first or not last or country is None:
        raise BadRequest("first_name, last_name and country are required")
    session = db_session()
    query = (
        select(CustodyRecord, Facility)
        .outerjoin(Facility, Facility.code == CustodyRecord.facility_code)
        .where(
            func.lower(CustodyRecord.first_name) == first.lower(),
            func.lower(CustodyRecord.last_name) == last.lower(),
            CustodyRecord.country_of_birth == country,
        )
        .limit(20)
    )
    if born is not None:
        query = query.where(CustodyRecord.date_of_birth == born)
    now = utcnow()
    found, withheld = [], 0
    for record, facility in session.execute(query):
        # Possible minors and protected records are never disclosed, to operators either.
        if never_disclosed(record.date_of_birth, record.protected, now.date()):
            withheld += 1
            continue
        found.append(
            {
                "a_number": record.a_number,
                "status": record.status,
                "status_changed_at": _iso(record.status_changed_at),
                "facility": None
                if facility is None
                else {"name": facility.name, "city": facility.city, "state": facility.state},
            }
        )
    result = DISCLOSED if found else NOT_DISCLOSED if withheld else NOT_FOUND
    session.add(
        LookupAudit(
            at=now,
            channel=OPERATOR_CHANNEL,
            sid=f"operator-{g.operator.id}",
            thread=f"operator-{g.operator.id}",
            caller_hash=hash_caller(f"operator:{g.operator.id}", settings().audit_hash_key),
            a_number=found[0]["a_number"] if len(found) == 1 else None,
            country=country,
            result=result,
            fields_disclosed="name_search" if found else "",
        )
    )
    session.commit()
    log.info(
        "custody look-up by name",
        extra={
            "operator_id": g.operator.id,
            "matches": len(found),
            "a_number": mask_a_number(found[0]["a_number"]) if found else None,
        },
    )
    return {"records": found}
