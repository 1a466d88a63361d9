"""Notification registration texts: REGISTER/REGISTRAR, YES/SI + code, CANCEL/CANCELAR + argument.

Called from the SMS webhook (``web/phone/sms.py``) when ``parse_registration`` reads
a text as one of these. A MessageSid delivered twice is answered once; a number
that said STOP gets no reply.
"""

from __future__ import annotations

import logging

from callflows.catalogue import catalogue
from callflows.masking import mask_phone
from callflows.registration_sms import CANCEL, CONFIRM, REGISTER, RegistrationCommand
from models.base import utcnow
from models.registration import cancel_by_text, confirm_by_text, register_by_text
from web.context import db_session, settings
from web.phone.webhooks import may_reply

log = logging.getLogger("voice.web.phone.notify_sms")


def answer_registration(command: RegistrationCommand, sid: str, number: str) -> str | None:
    """Act on a registration text; the reply's text (None: no reply)."""
    session = db_session()
    if not may_reply(session, sid, number):
        return None
    current = settings()
    now = utcnow()
    params: dict[str, str] = {}
    if command.kind == REGISTER:
        if command.a_number is None:
            outcome = "bad_a_number"
        elif command.country is None:
            outcome = "unknown_country" if command.country_text else "need_country"
        else:
            outcome, params = register_by_text(
                session,
                number,
                command.a_number,
                command.country,
                command.language,
                current.notifications,
                current.audit_hash_key,
                now,
            )
    elif command.kind == CONFIRM:
        outcome, params = confirm_by_text(
            session, number, command.code or "", current.notifications, current.audit_hash_key, now
        )
    elif command.kind == CANCEL:
        cancel_by_text(session, number, now, a_number=command.a_number, reference=command.reference)
        outcome = "cancelled"
    else:
        raise ValueError(f"unknown registration command {command.kind!r}")
    session.commit()
    log.info(
        "sms registration",
        extra={"message_sid": sid, "from": mask_phone(number), "kind": command.kind, "outcome": outcome},
    )
    return catalogue().text(command.language, f"notify.sms.{outcome}", params)
