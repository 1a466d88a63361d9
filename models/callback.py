"""Callback requests: a caller asked a victim assistance specialist to call back."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Index, Integer, Row, String, Text, bindparam, false, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, UtcDateTime, utcnow

OPEN_STATUSES = ("open", "claimed")
# How operators close a request (models/claims.py): "closed" with a disposition.
# A request closed as unreachable never got its call back, so it says nothing
# about how long a call back takes.
CLOSED_STATUS = "closed"
# A caller who said it is not safe to call their number withdrew the request (web/phone/actions/safe_contact.py).
NOT_SAFE_TO_CALL = "not_safe_to_call"
# An operator joined two requests of the same number (models/claims.py ``merge``).
MERGED = "merged"
NOT_CALLED_BACK = ("closed_unreachable", NOT_SAFE_TO_CALL, MERGED)
CALLER_TYPES = ("victim", "family", "witness", "other")
NEEDS = ("offender_info", "local_services", "removal_process", "other")
SOURCES = ("voice", "sms", "web")
# A caller in immediate danger goes ahead of everyone who is not (see claim order).
URGENT_PRIORITY = 10
# Honest waits: only recent history counts, and too little of it gives no estimate.
WAIT_WINDOW = timedelta(days=14)
WAIT_SAMPLE = 50
WAIT_MIN_SAMPLES = 3

# Nothing a caller hears depends on an earlier contact (docs/decisions/no-earlier-contact.md): a
# request is updated only by the call that made it (a Twilio retry, a later step of the same call),
# found by (CallSid, number). A second call from the same caller ID, or the same typed number, makes
# a new request; operators see the two side by side and may merge them (``models.claims.merge``).
_OPEN = text("status IN ('open', 'claimed')")
# Other requests for the same number shown beside a request ("this number was
# also given by another caller at 14:02").
LINK_WINDOW = timedelta(days=30)


class CallbackRequest(Base):
    """A request for a call back, waiting in the operators' queue."""

    __tablename__ = "callback_requests"
    __table_args__ = (
        Index(
            "uq_callback_requests_open_call",
            "call_sid",
            "phone",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        Index("ix_callback_requests_phone", "phone"),
        Index("ix_callback_requests_queue", "status", "urgent", "priority", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    phone: Mapped[str] = mapped_column(String(32))
    # True when ``phone`` is the caller ID of the call that made the request (shown to operators).
    by_caller_id: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    language: Mapped[str] = mapped_column(String(8), default="en")
    caller_type: Mapped[str | None] = mapped_column(String(16))
    need: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    field_office: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(8), default="voice")
    # Safe-contact choices, obeyed by every call back and retry. A missing answer is read as
    # the most careful one (docs/decisions/missing-answer-most-careful.md): no voicemail, do not
    # say where the call is from, any time inside staffed calling hours.
    safe_to_call: Mapped[str | None] = mapped_column(String(12))
    voicemail_ok: Mapped[bool | None] = mapped_column(Boolean)
    may_identify: Mapped[bool | None] = mapped_column(Boolean)
    call_window: Mapped[str | None] = mapped_column(String(12))
    caller_timezone: Mapped[str | None] = mapped_column(String(64))
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
    def open_owned_by(session: Session, answers: CallbackAnswers) -> CallbackRequest | None:
        """The open request this same call stored for this number, if any.

        An earlier call's request is never found, whether the number is the caller ID
        or typed: whoever holds the phone later must not learn that a request exists.
        """
        if not answers.call_sid:
            return None
        return session.scalars(_OWNED, {"phone": answers.phone, "call_sid": answers.call_sid}).first()

    @staticmethod
    def open_or_update(session: Session, answers: CallbackAnswers, now: datetime) -> tuple[CallbackRequest, str]:
        """Store a request, or update the one this same call stored (see ``open_owned_by``).

        Returns the request and what happened: "created" or "repeated" (the same
        call again: a Twilio retry, or a later step of the same call). Two
        concurrent inserts of one call meet a partial unique index; the loser's
        IntegrityError is the caller's cue to retry, and the retry finds the winner's row.
        """
        existing = CallbackRequest.open_owned_by(session, answers)
        if existing is None:
            request = CallbackRequest(
                phone=answers.phone,
                by_caller_id=answers.by_caller_id,
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
        existing.apply(answers, now)
        session.flush()
        return existing, "repeated"

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
        # A later call may give safe-contact answers the earlier one did not; an
        # answer not given leaves what is stored.
        for name in ("safe_to_call", "voicemail_ok", "may_identify", "call_window", "caller_timezone"):
            value = getattr(answers, name)
            if value is not None:
                setattr(self, name, value)
        self.updated_at = now

    @property
    def leave_voicemail(self) -> bool:
        """A message may be left on a machine only when the caller said yes."""
        return self.voicemail_ok is True

    @property
    def identify(self) -> bool:
        """The specialist may say where they call from only when the caller said yes."""
        return self.may_identify is True

    def safe_contact(self) -> dict[str, object]:
        """The safe-contact choices as operators see them, careful defaults filled in."""
        return {
            "safe_to_call": self.safe_to_call or "unconfirmed",
            "voicemail": self.leave_voicemail,
            "may_identify": self.identify,
            "call_window": self.call_window or "any",
            "caller_timezone": self.caller_timezone,
        }

    @staticmethod
    def place_in_line(session: Session, request_id: int, now: datetime) -> tuple[int, timedelta | None] | None:
        """The request's place in line and the expected wait for it; None when there is no such request.

        Two statements and no ORM objects (a caller waits on this after every request is stored):
        the position (``_POSITION_SQL``) and both samples of recent completions (``_WAIT_SQL``).
        """
        found = session.execute(_POSITION_SQL, {"id": request_id}).first()
        if found is None:
            return None
        urgent, ahead = found
        rows = session.execute(_WAIT_SQL, {"urgent": bool(urgent), "since": now - WAIT_WINDOW}).all()
        return int(ahead or 0) + 1, _median_wait(rows)

    @staticmethod
    def also_given(session: Session, requests: list[CallbackRequest]) -> dict[int, list[CallbackRequest]]:
        """For each request, the other recent requests for the same number, oldest first (one query)."""
        phones = {r.phone for r in requests}
        if not phones:
            return {}
        oldest = min(r.created_at for r in requests) - LINK_WINDOW
        query = select(CallbackRequest).where(CallbackRequest.phone.in_(phones), CallbackRequest.created_at >= oldest)
        same: dict[str, list[CallbackRequest]] = {}
        for other in session.scalars(query.order_by(CallbackRequest.created_at, CallbackRequest.id)):
            same.setdefault(other.phone, []).append(other)
        return {
            r.id: [o for o in same.get(r.phone, []) if o.id != r.id and abs(o.created_at - r.created_at) <= LINK_WINDOW]
            for r in requests
        }

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


# The open request a call may update: the one this same call stored for this number.
_OWNED = (
    select(CallbackRequest)
    .where(CallbackRequest.phone == bindparam("phone"), _OPEN, CallbackRequest.call_sid == bindparam("call_sid"))
    .limit(1)
    .with_for_update()
)

# A request's place in line: open requests ahead of it in claim order, which is urgent first,
# then higher priority, then oldest (then id).
_POSITION_SQL = text(
    """
SELECT me.urgent, (
  SELECT count(*) FROM callback_requests o
  WHERE o.status = 'open' AND (
    (o.urgent = me.urgent AND (
      o.priority > me.priority
      OR (o.priority = me.priority AND (
        o.created_at < me.created_at OR (o.created_at = me.created_at AND o.id < me.id)))))
    OR (o.urgent AND NOT me.urgent))
) AS ahead
FROM callback_requests me WHERE me.id = :id
"""
).columns(urgent=Boolean(), ahead=Integer())

# Honest waits: requests operators recently closed with a call back (not those closed as
# unreachable or withdrawn), newest first; sample 1 is of the same urgency, sample 0 of everyone.
_CALLED_BACK = f"""
  status = '{CLOSED_STATUS}'
  AND (disposition IS NULL OR disposition NOT IN ({", ".join(f"'{d}'" for d in NOT_CALLED_BACK)}))
  AND closed_at IS NOT NULL AND closed_at >= :since"""
_WAIT_SQL = (
    text(
        f"""
SELECT 1 AS sample, created_at, closed_at FROM (
  SELECT created_at, closed_at FROM callback_requests
  WHERE {_CALLED_BACK} AND urgent = :urgent ORDER BY closed_at DESC LIMIT {WAIT_SAMPLE}) AS same_urgency
UNION ALL
SELECT 0 AS sample, created_at, closed_at FROM (
  SELECT created_at, closed_at FROM callback_requests
  WHERE {_CALLED_BACK} ORDER BY closed_at DESC LIMIT {WAIT_SAMPLE}) AS everyone
"""
    )
    .bindparams(bindparam("since", type_=UtcDateTime()), bindparam("urgent", type_=Boolean()))
    .columns(sample=Integer(), created_at=UtcDateTime(), closed_at=UtcDateTime())
)


def _median_wait(rows: Sequence[Row[Any]]) -> timedelta | None:
    """The median time from request to call back: of the same urgency when there are enough, else of all.

    None when the recent history is too thin to say anything honest.
    """
    for sample in (1, 0):
        waits = [closed - created for kind, created, closed in rows if kind == sample and closed >= created]
        if len(waits) >= WAIT_MIN_SAMPLES:
            return statistics.median(waits)
    return None


@dataclass(frozen=True)
class CallbackAnswers:
    """What a caller told the call tree for a callback request."""

    phone: str  # E.164, parsed at the edge
    language: str
    # True when ``phone`` is the caller ID of this call (not a number the caller typed).
    by_caller_id: bool = False
    call_sid: str | None = None
    caller_type: str | None = None
    need: str | None = None
    urgent: bool = False
    field_office: str | None = None
    message_url: str | None = None
    message_seconds: int | None = None
    source: str = "voice"
    safe_to_call: str | None = None
    voicemail_ok: bool | None = None
    may_identify: bool | None = None
    call_window: str | None = None
    caller_timezone: str | None = None
