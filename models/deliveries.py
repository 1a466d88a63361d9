"""Outbound texts and calls: the intent is written before Twilio is asked, the result after.

A worker killed between Twilio's answer and the mark leaves an intent without a
Twilio SID; the next run reconciles it against Twilio's own list of sent
messages (or calls) before sending anything (``workers.deliveries``), so nothing
goes twice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Integer, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

SMS = "sms"
CALL = "call"
# The digest of an intent whose body is not known (rows carried over from before intents were kept):
# any message to the same number from the same sender after the intent counts as this one.
UNKNOWN_BODY = ""


def body_digest(body: str) -> str:
    """SHA-256 of a message body: enough to recognise it in Twilio's list without storing it."""
    return hashlib.sha256(body.encode()).hexdigest()


class OutboundMessage(Base):
    """One text or call the hotline means to send, keyed by what it is for."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # What the message is for ("supervisor-alert:42:+1202..."), unique: one send per purpose.
    key: Mapped[str] = mapped_column(String(160), unique=True)
    channel: Mapped[str] = mapped_column(String(8), default=SMS)
    # E.164; needed to reconcile with Twilio's list, cleared by retention.
    to_phone: Mapped[str | None] = mapped_column(String(32))
    from_phone: Mapped[str] = mapped_column(String(32))
    body_hash: Mapped[str] = mapped_column(String(64))
    intent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a run last took the intent to hand it to Twilio; None while nobody is sending it (never tried,
    # or Twilio refused the last try: nothing of it is at Twilio). A run still holds its claim only while
    # this is the value it wrote.
    claimed_at: Mapped[datetime | None]
    twilio_sid: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(index=True)

    @staticmethod
    def for_keys(session: Session, keys: list[str]) -> dict[str, OutboundMessage]:
        """The intents recorded for ``keys``, locked for this transaction where the database can."""
        query = select(OutboundMessage).where(OutboundMessage.key.in_(keys)).with_for_update()
        return {intent.key: intent for intent in session.scalars(query)}

    @staticmethod
    def move_claim(session: Session, intent_id: int, held: datetime | None, to: datetime | None) -> bool:
        """Compare-and-set the claim: True when it still was ``held`` and is now ``to``."""
        moved = session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.id == intent_id,
                OutboundMessage.twilio_sid.is_(None),
                OutboundMessage.claimed_at.is_(None) if held is None else OutboundMessage.claimed_at == held,
            )
            .values(claimed_at=to)
        )
        return moved.rowcount == 1
