"""CANCEL K7Q2 / CANCELAR K7Q2 and CHANGE K7Q2 / CAMBIAR K7Q2: a caller acts on their request by text.

Only the number the confirmation went to is obeyed; any other number gets the
same answer as an unknown reference, so a reference seen on someone else's
phone reveals nothing and changes nothing. CHANGE notes the wish on the request
and opens a text conversation, where the caller's next message (the times that
suit them) reaches a specialist.
"""

from __future__ import annotations

import logging

from callflows.catalogue import catalogue
from callflows.masking import mask_phone
from callflows.sms import CANCEL_REQUEST, TextCommand
from models.base import utcnow
from models.confirmation import CallbackConfirmation, cancel_request, note_change
from models.conversation import Conversation
from models.texting import SmsConsent
from web.context import db_session
from web.phone.webhooks import first_delivery

log = logging.getLogger("voice.web.phone.confirmations")


def answer_request_command(command: TextCommand, sid: str, number: str, body: str) -> str | None:
    """Carry out CANCEL or CHANGE for the texter's own request; the reply's text (None: no reply)."""
    session = db_session()
    if not first_delivery(session, sid):
        return None
    # A texter who said STOP is still obeyed; they just get no reply.
    silent = SmsConsent.is_opted_out(session, number)
    reference = command.reference or ""
    cat, lang, now = catalogue(), command.language, utcnow()
    confirmation = CallbackConfirmation.owned(session, reference, number)
    done = False
    if confirmation is not None:
        if command.kind == CANCEL_REQUEST:
            done = cancel_request(session, confirmation, now)
        else:
            done = note_change(session, confirmation, now)
            if done:
                Conversation.receive(session, number, lang, body, sid, now)
    session.commit()
    log.info(
        "request command by text",
        extra={"message_sid": sid, "kind": command.kind, "from": mask_phone(number), "done": done},
    )
    if silent:
        return None
    if not done:
        return cat.text(lang, "sms.request_unknown", {"reference": reference})
    key = "sms.request_cancelled" if command.kind == CANCEL_REQUEST else "sms.request_change"
    return cat.text(lang, key, {"reference": reference})
