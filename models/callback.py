"""Callback requests: a caller asked a victim assistance specialist to call back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow

OPEN_STATUSES = ("open", "claimed")
CALLER_TYPES = ("victim", "family", "witness", "other")
NEEDS = ("offender_info", "local_services", "removal_process", "other")
SOURCES = ("voice", "sms", "web")

# One open request per callback number: Twilio retries and callers who call
# twice update the request they already have (a partial unique index, which
# SQLite and PostgreSQL both enforce).
_OPEN = text("status IN ('open', 'claimed')")


class CallbackRequest(Base):
    """A request for a call back, waiting in the operators' queue."""

    __tablename__ = "callback_requests"
    __table_args__ = (
        Index("uq_callback_requests_open_phone", "phone", unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN),
        Index("ix_callback_requests_queue", "status", "urgent", "priority", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="en")
    caller_type: Mapped[str | None] = mapped_column(String(16))
    need: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    field_office: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(8), default="voice")
    status: Mapped[str] = mapped_column(String(24), default="open")
    call_sid: Mapped[str | None] = mapped_column(String(64))
    message_url: Mapped[str | None] = mapped_column(Text)
    message_seconds: Mapped[int | None] = mapped_column(Integer)
    transcription: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Queue work (claims, leases, attempts) belongs to the operator side.
    claimed_by_id: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    disposition: Mapped[str | None] = mapped_column(String(24))
    closed_at: Mapped[datetime | None]
