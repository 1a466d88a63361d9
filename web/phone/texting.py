"""The texter's side of texting: free text to a specialist, STOP closing it, and ``SERVICES`` answers.

Called by the SMS webhook (``web.phone.sms``). Replies are returned as text for
the webhook's TwiML answer; an operator's replies are sent from the office
(``web.office.conversations``).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from callflows.catalogue import catalogue
from callflows.masking import mask_phone
from callflows.referrals import ListedService, ServicesCommand, service_list_text
from callflows.sms import TextCommand
from models.base import utcnow
from models.conversation import Conversation
from models.directory import SearchQuery, nearest
from models.places import place_for_zip
from web.context import db_session, settings
from web.phone.webhooks import may_reply

log = logging.getLogger("voice.web.phone.texting")


def receive_free_text(command: TextCommand, sid: str, number: str, body: str) -> str | None:
    """Add a text to the texter's conversation (opening one); the reply's text, or None for no reply."""
    session = db_session()
    if not may_reply(session, sid, number):
        return None
    conversation, opened = Conversation.receive(
        session, number, command.language, body, sid, utcnow(), language_sure=command.sure
    )
    session.commit()
    log.info(
        "text for a specialist",
        extra={"message_sid": sid, "conversation_id": conversation.id, "from": mask_phone(number), "opened": opened},
    )
    # Once the texter knows a specialist will answer, each later text needs no automatic reply.
    return catalogue().text(command.language, "sms.conversation_opened") if opened else None


def close_on_stop(session: Session, number: str) -> None:
    """STOP ends the texter's conversation (the caller commits)."""
    closed = Conversation.close_for_phone(session, number, utcnow())
    if closed is not None:
        log.info("conversation closed by STOP", extra={"conversation_id": closed, "from": mask_phone(number)})


def answer_services_text(command: ServicesCommand, sid: str, number: str) -> str | None:
    """The reply to ``SERVICES 78520 [LEGAL]``: the nearest three, in the texter's language (None: no reply)."""
    session = db_session()
    if not may_reply(session, sid, number):
        return None
    # The claim is kept before the search, so the look-up holds no write transaction.
    session.commit()
    cat = catalogue()
    if command.zip is None:
        return cat.text(command.language, "referrals.sms.need_zip")
    place = place_for_zip(command.zip)
    found = []
    if place is not None:
        query = SearchQuery(
            place.latitude, place.longitude, command.category, command.language,
            max_miles=settings().referrals.max_miles, now=utcnow(),
        )  # fmt: skip
        found = [ListedService(f.name, f.phone, f.miles) for f in nearest(session, query)]
    log.info(
        "services text answered",
        extra={"message_sid": sid, "from": mask_phone(number), "found": len(found), "category": command.category},
    )
    return service_list_text(command.language, command.zip, found, cat)
