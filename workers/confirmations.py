"""Jobs that send callback confirmation texts."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

import runtime
from callflows.catalogue import catalogue
from callflows.masking import mask_phone
from models.base import utcnow
from models.confirmation import CallbackConfirmation
from models.texting import SmsConsent
from workers.deliveries import Delivery, DeliveryUnsettled, Outgoing, deliver
from workers.twilio_rest import twilio_client

log = logging.getLogger("voice.workers.confirmations")


def send_confirmation(confirmation_id: int) -> str:
    """Text the reference and the commands to the caller ID that asked (safe to run twice); returns the status.

    The row shows "sending" from before Twilio is asked until the commit that writes Twilio's SID
    (``workers.deliveries``): a worker killed in between is reconciled by the job's re-run, never
    texted twice.
    """
    current = runtime.settings()
    database = runtime.database()
    with database.session() as session:
        row = session.get(CallbackConfirmation, confirmation_id, with_for_update=True)
        if row is None:
            return "missing"
        if row.status not in ("pending", "queued", "sending"):
            return row.status
        if SmsConsent.is_opted_out(session, row.phone):
            row.status = "skipped"
            return row.status
        row.status = "sending"
        to, language, reference = row.phone, row.language, row.reference
    body = catalogue().text(language, "sms.confirmation", {"reference": reference})
    text = Outgoing(f"confirmation:{confirmation_id}", to, current.hotline_number, body)

    def mark(session: Session, results: list[Delivery]) -> None:
        (delivery,) = results
        row = session.get(CallbackConfirmation, confirmation_id)
        if delivery.sid is not None:
            row.status, row.message_sid, row.sent_at = "sent", delivery.sid, row.sent_at or utcnow()
        elif delivery.code is not None and delivery.code >= 0:
            row.status = "failed"

    (delivery,) = deliver(database, twilio_client(current), [text], mark=mark)
    if delivery.sid is None and (delivery.code is None or delivery.code < 0):
        # Whether Twilio has it is not known yet: rq's retry runs the job again, which reconciles first.
        raise DeliveryUnsettled(f"confirmation {confirmation_id}: outcome not known ({delivery.code})")
    status = "sent" if delivery.sid is not None else "failed"
    log.info("confirmation text", extra={"confirmation_id": confirmation_id, "status": status, "to": mask_phone(to)})
    return status
