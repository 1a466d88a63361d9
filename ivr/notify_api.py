"""Operator API for issue E: registrations (register a caller, show one with its attempts, end one) and the
look-up by name. The rows join ``ivr.api.ENDPOINTS``, so the OpenAPI document describes them too.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from werkzeug.exceptions import BadRequest, NotFound

from callflows.countries import normalize_country
from callflows.phones import parse_callback_number
from config.logs import mask_a_number, mask_phone
from ivr.extensions import db_session, hotline, settings
from models.audit import DISCLOSED, NOT_DISCLOSED, NOT_FOUND, LookupAudit, hash_caller
from models.base import utcnow
from models.custody import CustodyRecord, Facility, normalize_a_number
from models.disclosure import never_disclosed
from models.notification import Notification, NotificationAttempt
from models.outbox import OutboxMessage
from models.registration import BY_OPERATOR, CHANNELS, VOICE, Registration, register_verified

log = logging.getLogger("voice.ivr.notify_api")

SEND_CODE_JOB = "workers.notify.send_code"
OPERATOR_CHANNEL = "operator"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def registration_json(item: Registration) -> dict[str, Any]:
    """A registration as operators see it (never the PIN or code hashes)."""
    return {
        "id": item.id,
        "reference": item.reference,
        "a_number": item.a_number,
        "country": item.country,
        "phone": item.phone,
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


def registration_detail(item: Registration) -> dict[str, Any]:
    """A registration with its notifications and every attempt."""
    session = db_session()
    notifications = session.scalars(
        select(Notification).where(Notification.registration_id == item.id).order_by(Notification.id)
    )
    return {
        **registration_json(item),
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


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("expected a JSON object")
    return data


def get_registration(registration_id: int) -> Registration:
    """The registration or 404."""
    item = db_session().get(Registration, registration_id)
    if item is None:
        raise NotFound("no such registration")
    return item


def list_registrations() -> ResponseReturnValue:
    """Registrations for an A-number or a phone number (one of them is required)."""
    a_number = normalize_a_number(request.args.get("a_number", "")) if request.args.get("a_number") else None
    phone = parse_callback_number(request.args.get("phone", "")) if request.args.get("phone") else None
    if a_number is None and phone is None:
        raise BadRequest("give a_number or phone")
    query = select(Registration).order_by(Registration.id.desc()).limit(200)
    if a_number is not None:
        query = query.where(Registration.a_number == a_number)
    if phone is not None:
        query = query.where(Registration.phone == phone)
    return jsonify(registrations=[registration_json(r) for r in db_session().scalars(query)])


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
    registration = register_verified(
        session,
        a_number=a_number,
        country=country,
        phone=phone,
        language=language,
        channels=channels,
        pin=pin,
        settings=settings().notifications,
        now=utcnow(),
        source=BY_OPERATOR,
        operator_id=operator_id,
        voicemail_allowed=data.get("voicemail_allowed") in (True, "1", "on", "true"),
        texts_any_hour=data.get("texts_any_hour") in (True, "1", "on", "true"),
    )
    message_id = None
    if channels != VOICE:
        # DECISIONS.md: nothing but the code text goes to a number until it answers.
        registration.status = "pending"
        message_id = OutboxMessage.add(session, SEND_CODE_JOB, registration.id, queue="high")
    session.commit()
    if message_id is not None:
        hotline().handover.after_commit([message_id])
    log.info(
        "registration by operator",
        extra={"operator_id": operator_id, "registration_id": registration.id, "phone": mask_phone(phone)},
    )
    return registration


def create_registration() -> ResponseReturnValue:
    """Register a caller (recorded as done by this operator); texts to the number wait for its code."""
    try:
        registration = register_for_caller(_body(), g.operator.id)
    except RegistrationRefused as refused:
        raise BadRequest(str(refused)) from None
    response = jsonify(registration_json(registration))
    response.status_code = 201
    return response


def show_registration(registration_id: int) -> ResponseReturnValue:
    """A registration with its notifications and attempts."""
    return jsonify(registration_detail(get_registration(registration_id)))


def end_registration(registration_id: int) -> ResponseReturnValue:
    """End a registration (recorded with the operator)."""
    item = get_registration(registration_id)
    if item.status in ("pending", "active"):
        item.end(utcnow(), f"operator {g.operator.id}")
        db_session().commit()
    return jsonify(registration_json(item))


def look_up_by_name() -> ResponseReturnValue:
    """Custody records by first + last name + country of birth (+ date of birth), exact match, audited."""
    data = _body()
    first, last = str(data.get("first_name", "")).strip(), str(data.get("last_name", "")).strip()
    country = normalize_country(str(data.get("country", ""))) if data.get("country") else None
    born = None
    if data.get("date_of_birth"):
        try:
            born = date.fromisoformat(str(data["date_of_birth"]))
        except ValueError:
            raise BadRequest("date_of_birth must be YYYY-MM-DD") from None
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
        # Issue E: possible minors and protected records are never disclosed, to operators either.
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
    return jsonify(records=found)


REGISTRATION_ID = {"name": "registration_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def endpoints(endpoint: Any) -> tuple[Any, ...]:
    """The rows of ``ivr.api.ENDPOINTS`` for this module (``endpoint`` is its Endpoint class)."""
    query = lambda name: {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}  # noqa: E731
    return (
        endpoint("GET", "/registrations", list_registrations, "listRegistrations",
                 {"200": "RegistrationList", "400": "Error"}, parameters=(query("a_number"), query("phone")),
                 tags=("notifications",)),
        endpoint("POST", "/registrations", create_registration, "createRegistration",
                 {"201": "Registration", "400": "Error"}, request_body="NewRegistration", tags=("notifications",)),
        endpoint("GET", "/registrations/{registration_id}", show_registration, "getRegistration",
                 {"200": "RegistrationDetail", "404": "Error"}, parameters=(REGISTRATION_ID,), tags=("notifications",)),
        endpoint("POST", "/registrations/{registration_id}/end", end_registration, "endRegistration",
                 {"200": "Registration", "404": "Error"}, parameters=(REGISTRATION_ID,), tags=("notifications",)),
        endpoint("POST", "/custody/by-name", look_up_by_name, "lookUpByName", {"200": "NameMatches", "400": "Error"},
                 request_body="NameQuery", tags=("custody",)),
    )  # fmt: skip


SCHEMAS: dict[str, dict[str, Any]] = {
    "Registration": {
        "type": "object",
        "required": ["id", "reference", "a_number", "country", "phone", "channels", "status", "source"],
        "properties": {
            "id": {"type": "integer"},
            "reference": {"type": "string"},
            "a_number": {"type": "string"},
            "country": {"type": "string"},
            "phone": {"type": "string"},
            "language": {"type": "string"},
            "channels": {"type": "string", "enum": list(CHANNELS)},
            "voicemail_allowed": {"type": "boolean"},
            "texts_any_hour": {"type": "boolean", "description": "texts may come in quiet hours too"},
            "status": {"type": "string"},
            "source": {"type": "string"},
            "operator_id": {"type": ["integer", "null"]},
        },
    },
    "RegistrationList": {
        "type": "object",
        "properties": {"registrations": {"type": "array", "items": {"$ref": "#/components/schemas/Registration"}}},
    },
    "RegistrationDetail": {
        "allOf": [{"$ref": "#/components/schemas/Registration"}],
        "properties": {"notifications": {"type": "array", "items": {"type": "object"}}},
    },
    "NewRegistration": {
        "type": "object",
        "required": ["a_number", "country", "phone"],
        "properties": {
            "a_number": {"type": "string"},
            "country": {"type": "string"},
            "phone": {"type": "string"},
            "language": {"type": "string", "enum": ["en", "es"]},
            "channels": {"type": "string", "enum": list(CHANNELS)},
            "pin": {"type": "string", "pattern": "^[0-9]{4}$"},
            "voicemail_allowed": {"type": "boolean"},
            "texts_any_hour": {"type": "boolean", "description": "texts may come in quiet hours too"},
        },
    },
    "NameQuery": {
        "type": "object",
        "required": ["first_name", "last_name", "country"],
        "properties": {
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "country": {"type": "string"},
            "date_of_birth": {"type": "string", "format": "date"},
        },
    },
    "NameMatches": {"type": "object", "properties": {"records": {"type": "array", "items": {"type": "object"}}}},
}
