"""Outbound texts and calls: the intent is written before Twilio is asked, the result after.

A worker killed between Twilio's answer and the mark leaves an intent without a
Twilio SID; the job's re-run reconciles it against Twilio's own list of sent
messages before sending anything (``workers.deliveries``), so no text goes twice.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

SMS = "sms"
CALL = "call"


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
    twilio_sid: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(index=True)

    @staticmethod
    def for_key(session: Session, key: str) -> OutboundMessage | None:
        """The intent recorded for ``key``, locked for this transaction where the database can."""
        query = select(OutboundMessage).where(OutboundMessage.key == key).with_for_update()
        return session.scalars(query).first()
