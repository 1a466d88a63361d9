"""Text confirmations of callback requests: a short reference, and the caller's CANCEL and CHANGE by text.

A confirmation is sent only to the caller ID of the person who asked
(docs/decisions/who-may-be-called-or-texted.md) and only when they said yes to it on the call.
It says as little as it can: the reference and the commands. Only the number a
confirmation went to can cancel or change its request with that reference; any
other number hears exactly what an unknown reference gets.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models import claims
from models.base import Base, utcnow
from models.callback import OPEN_STATUSES, CallbackRequest

# No 0/O, 1/I/L, 5/S, 2/Z: a reference read off a small screen cannot be misread.
REFERENCE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
REFERENCE_LENGTH = 4
WITHDRAWN = "withdrawn"


class CallbackConfirmation(Base):
    """The confirmation text of one callback request."""

    __tablename__ = "callback_confirmations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(Integer, unique=True)
    reference: Mapped[str] = mapped_column(String(8), unique=True)
    # E.164, the caller ID that asked: the only number texted and the only one obeyed.
    phone: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, sending, sent, failed, skipped
    message_sid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    @staticmethod
    def for_request(
        session: Session, request_id: int, phone: str, language: str, now: datetime
    ) -> CallbackConfirmation:
        """The request's confirmation, made once with a fresh reference (a Twilio retry finds the same one)."""
        existing = session.scalars(
            select(CallbackConfirmation).where(CallbackConfirmation.request_id == request_id)
        ).first()
        if existing is not None:
            return existing
        for _ in range(10):
            reference = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
            if reference.isdigit():
                # A reference always has a letter: texts read all-digit words as something else (callflows.sms).
                continue
            try:
                with session.begin_nested():
                    row = CallbackConfirmation(
                        request_id=request_id, reference=reference, phone=phone, language=language, created_at=now
                    )
                    session.add(row)
                    session.flush()
                return row
            except IntegrityError:
                existing = session.scalars(
                    select(CallbackConfirmation).where(CallbackConfirmation.request_id == request_id)
                ).first()
                if existing is not None:
                    return existing
        raise RuntimeError("no free confirmation reference")

    @staticmethod
    def owned(session: Session, reference: str, phone: str) -> CallbackConfirmation | None:
        """The confirmation with ``reference`` if it was sent to ``phone``; None otherwise (the same for both)."""
        row = session.scalars(
            select(CallbackConfirmation).where(CallbackConfirmation.reference == reference.upper())
        ).first()
        return row if row is not None and row.phone == phone else None


def cancel_request(session: Session, confirmation: CallbackConfirmation, now: datetime) -> bool:
    """Withdraw the confirmed request at its caller's word; False when it was already closed."""
    request = session.get(CallbackRequest, confirmation.request_id, with_for_update=True)
    if request is None or request.status not in OPEN_STATUSES:
        return False
    before = request.status
    request.status, request.disposition, request.closed_at, request.updated_at = claims.CLOSED, WITHDRAWN, now, now
    request.claimed_by_id = request.lease_expires_at = None
    claims.record(session, request, "withdrawn_by_text", now, None, before, f"CANCEL {confirmation.reference}")
    return True


def note_change(session: Session, confirmation: CallbackConfirmation, now: datetime) -> bool:
    """Note that the caller asked for another time; False when the request is closed."""
    request = session.get(CallbackRequest, confirmation.request_id)
    if request is None or request.status not in OPEN_STATUSES:
        return False
    claims.record(
        session, request, "change_asked_by_text", utcnow(), None, request.status, f"CHANGE {confirmation.reference}"
    )
    return True
