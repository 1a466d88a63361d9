"""Callback requests: a caller asked a victim assistance specialist to call back."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, Index, Integer, String, Text, and_, func, or_, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

OPEN_STATUSES = ("open", "claimed")
CALLER_TYPES = ("victim", "family", "witness", "other")
NEEDS = ("offender_info", "local_services", "removal_process", "other")
SOURCES = ("voice", "sms", "web")
# A caller in immediate danger goes ahead of everyone who is not (see claim order).
URGENT_PRIORITY = 10
# Honest waits: only recent history counts, and too little of it gives no estimate.
WAIT_WINDOW = timedelta(days=14)
WAIT_SAMPLE = 50
WAIT_MIN_SAMPLES = 3

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

    # --- creation side: the call tree stores and updates requests -------------

    @staticmethod
    def open_for_phone(session: Session, phone: str) -> CallbackRequest | None:
        """The open (or claimed) request for ``phone``, if any."""
        query = select(CallbackRequest).where(CallbackRequest.phone == phone, CallbackRequest.status.in_(OPEN_STATUSES))
        return session.scalars(query.with_for_update()).first()

    @staticmethod
    def open_or_update(session: Session, answers: CallbackAnswers, now: datetime) -> tuple[CallbackRequest, str]:
        """Store a request, or update the open one for the same number.

        Returns the request and what happened: "created", "updated" (a caller who
        already had an open request) or "repeated" (the same call again: a Twilio
        retry). Two concurrent inserts for one number meet the partial unique
        index; the loser's IntegrityError is the caller's cue to retry, and the
        retry finds the winner's row.
        """
        existing = CallbackRequest.open_for_phone(session, answers.phone)
        if existing is None:
            request = CallbackRequest(
                phone=answers.phone,
                source=answers.source,
                status="open",
                created_at=now,
                call_sid=answers.call_sid,
                attempts=0,
            )
            request.apply(answers, now)
            session.add(request)
            session.flush()
            return request, "created"
        outcome = "repeated" if answers.call_sid and existing.call_sid == answers.call_sid else "updated"
        existing.apply(answers, now)
        session.flush()
        return existing, outcome

    def apply(self, answers: CallbackAnswers, now: datetime) -> None:
        """Take the caller's latest answers; urgency and priority only ever go up."""
        self.language = answers.language
        self.caller_type = answers.caller_type or self.caller_type
        self.need = answers.need or self.need
        self.urgent = bool(self.urgent) or answers.urgent
        self.priority = max(self.priority or 0, URGENT_PRIORITY if answers.urgent else 0)
        self.field_office = answers.field_office or self.field_office
        if answers.call_sid:
            # The newest call's recording callbacks must find this request.
            self.call_sid = answers.call_sid
        if answers.message_url:
            self.message_url = answers.message_url
            self.message_seconds = answers.message_seconds
        self.updated_at = now

    def position(self, session: Session) -> int:
        """This request's place in line: open requests ahead of it in claim order, plus one.

        Claim order is urgent first, then higher priority, then oldest (then id).
        """
        same_urgency = CallbackRequest.urgent.is_(True) if self.urgent else CallbackRequest.urgent.is_(False)
        ahead = [
            and_(same_urgency, CallbackRequest.priority > self.priority),
            and_(same_urgency, CallbackRequest.priority == self.priority, CallbackRequest.created_at < self.created_at),
            and_(
                same_urgency,
                CallbackRequest.priority == self.priority,
                CallbackRequest.created_at == self.created_at,
                CallbackRequest.id < self.id,
            ),
        ]
        if not self.urgent:
            ahead.append(CallbackRequest.urgent.is_(True))
        query = select(func.count()).where(CallbackRequest.status == "open", or_(*ahead))
        return int(session.scalar(query) or 0) + 1

    @staticmethod
    def expected_wait(session: Session, now: datetime, urgent: bool = False) -> timedelta | None:
        """The median time from request to completed call back, over recent completions.

        Uses requests of the same urgency when there are enough of them, else all;
        None when the recent history is too thin to say anything honest.
        """
        query = (
            select(CallbackRequest.created_at, CallbackRequest.closed_at)
            .where(
                CallbackRequest.status == "completed",
                CallbackRequest.closed_at.is_not(None),
                CallbackRequest.closed_at >= now - WAIT_WINDOW,
            )
            .order_by(CallbackRequest.closed_at.desc())
        )
        for rows in (
            session.execute(query.where(CallbackRequest.urgent.is_(urgent)).limit(WAIT_SAMPLE)).all(),
            session.execute(query.limit(WAIT_SAMPLE)).all(),
        ):
            waits = [closed - created for created, closed in rows if closed >= created]
            if len(waits) >= WAIT_MIN_SAMPLES:
                return statistics.median(waits)
        return None

    @staticmethod
    def for_call(session: Session, call_sid: str) -> CallbackRequest | None:
        """The newest request made or last updated during the call ``call_sid``."""
        query = select(CallbackRequest).where(CallbackRequest.call_sid == call_sid)
        return session.scalars(query.order_by(CallbackRequest.updated_at.desc(), CallbackRequest.id.desc())).first()

    @staticmethod
    def attach_recording(session: Session, call_sid: str, url: str, seconds: int | None, now: datetime) -> bool:
        """Attach a finished recording to the call's request (safe to repeat); False when there is none."""
        request = CallbackRequest.for_call(session, call_sid)
        if request is None:
            return False
        if request.message_url != url or request.message_seconds != seconds:
            request.message_url, request.message_seconds, request.updated_at = url, seconds, now
        return True

    @staticmethod
    def attach_transcription(session: Session, call_sid: str, transcription: str, now: datetime) -> bool:
        """Attach a message's transcription to the call's request (safe to repeat); False when there is none."""
        request = CallbackRequest.for_call(session, call_sid)
        if request is None:
            return False
        if request.transcription != transcription:
            request.transcription, request.updated_at = transcription, now
        return True


@dataclass(frozen=True)
class CallbackAnswers:
    """What a caller told the call tree for a callback request."""

    phone: str  # E.164, parsed at the edge
    language: str
    call_sid: str | None = None
    caller_type: str | None = None
    need: str | None = None
    urgent: bool = False
    field_office: str | None = None
    message_url: str | None = None
    message_seconds: int | None = None
    source: str = "voice"
