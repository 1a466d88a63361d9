"""Jobs that send callback confirmation texts."""

from __future__ import annotations

import logging

from twilio.base.exceptions import TwilioException

from callflows.catalogue import catalogue
from config.logs import mask_phone
from models.base import utcnow
from models.confirmation import CallbackConfirmation
from models.texting import SmsConsent
from workers import runtime
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.workers.confirmations")


def send_confirmation(confirmation_id: int) -> str:
    """Text the reference and the commands to the caller ID that asked (safe to run twice); returns the status.

    The row is marked "sending" before Twilio is asked and "sent" after, so a
    worker killed in between leaves a visible row instead of a second text.
    """
    current = runtime.settings()
    with runtime.database().session() as session:
        row = session.get(CallbackConfirmation, confirmation_id, with_for_update=True)
        if row is None:
            return "missing"
        if row.status not in ("pending", "queued"):
            return row.status
        if SmsConsent.is_opted_out(session, row.phone):
            row.status = "skipped"
            return row.status
        row.status = "sending"
        to, language, reference = row.phone, row.language, row.reference
    body = catalogue().text(language, "sms.confirmation", {"reference": reference})
    try:
        message = twilio_client(current).messages.create(to=to, from_=current.hotline_number, body=body)
        status, sid = "sent", str(message.sid)
    except TwilioException as error:
        log.warning("confirmation not sent", extra={"confirmation_id": confirmation_id, "error": str(error)})
        status, sid = "failed", None
    with runtime.database().session() as session:
        row = session.get(CallbackConfirmation, confirmation_id)
        assert row is not None
        row.status, row.message_sid = status, sid
        if status == "sent":
            row.sent_at = utcnow()
    log.info("confirmation text", extra={"confirmation_id": confirmation_id, "status": status, "to": mask_phone(to)})
    return status
