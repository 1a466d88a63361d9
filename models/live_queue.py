"""The live queue: callers holding for an operator, with the triage they gave before the transfer.

Twilio holds the calls (``<Enqueue>``, two queues: urgent and normal, each
first-in, first-out); this table mirrors them so an operator's whisper and
dashboard can say who is next, and keeps the triage with the call. A triage
answer left as None was not given (the caller pressed 0 to skip it).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Boolean, Index, Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

WAITING = "waiting"
OFFERED = "offered"  # whispered to an operator whose phone is about to dial the queue
CONNECTED = "connected"
CALLBACK = "callback"  # left the queue with a callback request that keeps their place
LEFT = "left"
QUEUES = ("urgent", "normal")
# Honest waits: recent answers only, and too few of them give no estimate.
WAIT_WINDOW = timedelta(hours=2)
WAIT_MIN_SAMPLES = 3
# An operator whose phone never dialled the queue gives the offer back after this long.
OFFER_SECONDS = 90


# The queued caller chose no language (a relay call, or silence at the language menu).
NO_LANGUAGE = "none"


class QueuedCall(Base):
    """One caller's stay in the live queue (one row per CallSid)."""

    __tablename__ = "queued_calls"
    __table_args__ = (Index("ix_queued_calls_status_queue_at", "status", "queue", "enqueued_at"),)

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    caller_type: Mapped[str | None] = mapped_column(String(16))
    need: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool | None] = mapped_column(Boolean)
    queue: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(12), default=WAITING)
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    operator_id: Mapped[int | None] = mapped_column(Integer)
    offered_at: Mapped[datetime | None]
    operator_call_sid: Mapped[str | None] = mapped_column(String(64))
    connected_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    callback_request_id: Mapped[int | None] = mapped_column(Integer)

    @property
    def triage_given(self) -> bool:
        """False when the caller skipped every triage question."""
        return any(v is not None for v in (self.caller_type, self.need, self.urgent))

    def triage_keys(self, relay: bool = False) -> list[str]:
        """The catalogue keys that describe a queued caller's triage, in the order the operator hears them.

        A relay (711) call is announced first: the operator must wait for the relay
        operator to type and read, and a relay caller skips the triage questions.
        """
        first = ["whisper.relay"] if relay else []
        if not self.triage_given:
            return [*first, f"live.language.{self.language}", "live.triage_not_given"]
        keys = [
            *first,
            f"live.language.{self.language}",
            f"live.caller_type.{self.caller_type or 'none'}",
            f"live.need.{self.need or 'none'}",
        ]
        keys.append({True: "live.urgent.yes", False: "live.urgent.no", None: "live.urgent.none"}[self.urgent])
        return keys

    def as_dict(self) -> dict[str, object]:
        """The call as the operator API shows it (no phone number: the operator is about to talk to them)."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "call_sid": self.call_sid,
            "language": self.language,
            "caller_type": self.caller_type,
            "need": self.need,
            "urgent": self.urgent,
            "triage_given": self.triage_given,
            "queue": self.queue,
            "status": self.status,
            "enqueued_at": iso(self.enqueued_at),
            "operator_id": self.operator_id,
            "connected_at": iso(self.connected_at),
            "callback_request_id": self.callback_request_id,
        }

    # --- the caller's side ----------------------------------------------------------

    @staticmethod
    def join(session: Session, call: JoiningCall, now: datetime) -> QueuedCall:
        """Note a caller entering the queue; a Twilio retry (or a second visit) updates the same row."""
        row = session.get(QueuedCall, call.call_sid, with_for_update=True)
        if row is None:
            row = QueuedCall(call_sid=call.call_sid)
            session.add(row)
        row.language = call.language
        row.caller_type, row.need, row.urgent = call.caller_type, call.need, call.urgent
        row.queue = "urgent" if call.urgent else "normal"
        if row.status != WAITING or row.enqueued_at is None:
            row.enqueued_at = now
        row.status = WAITING
        row.operator_id = row.offered_at = row.connected_at = row.left_at = None
        session.flush()
        return row

    @staticmethod
    def urgent_waiting(session: Session) -> int:
        """How many urgent callers are holding (they are answered before the normal queue)."""
        query = select(func.count()).where(QueuedCall.queue == "urgent", QueuedCall.status.in_((WAITING, OFFERED)))
        return session.scalar(query) or 0

    @staticmethod
    def recent_wait(session: Session, now: datetime) -> timedelta | None:
        """The median time recent callers held before an operator answered; None when too few answered."""
        query = select(QueuedCall.enqueued_at, QueuedCall.connected_at).where(
            QueuedCall.connected_at.is_not(None), QueuedCall.connected_at >= now - WAIT_WINDOW
        )
        waits = [(b - a).total_seconds() for a, b in session.execute(query) if b >= a]
        if len(waits) < WAIT_MIN_SAMPLES:
            return None
        return timedelta(seconds=statistics.median(waits))

    # --- the operator's side --------------------------------------------------------

    @staticmethod
    def waiting(session: Session, limit: int = 50) -> list[QueuedCall]:
        """Callers holding, in the order operators take them: urgent first, then by arrival."""
        query = (
            select(QueuedCall)
            .where(QueuedCall.status.in_((WAITING, OFFERED)))
            .order_by((QueuedCall.queue == "urgent").desc(), QueuedCall.enqueued_at, QueuedCall.call_sid)
            .limit(limit)
        )
        return list(session.scalars(query))

    @staticmethod
    def offer_next(session: Session, operator_id: int, now: datetime) -> QueuedCall | None:
        """Mark the caller this operator will get next (urgent first) and return them; None when nobody holds.

        Twilio's queues are first-in, first-out, so the head of the chosen queue is the
        caller Twilio will connect; a caller already offered to another operator is
        skipped, so two operators taking calls at once hear two different whispers.
        The mark is a compare-and-set: two operators never both win the same caller.
        """
        mine = session.scalars(
            select(QueuedCall).where(QueuedCall.status == OFFERED, QueuedCall.operator_id == operator_id)
        ).first()
        if mine is not None:
            # A Twilio retry of the operator's answer (or a second press): the same caller, not another.
            return mine
        stale = now - timedelta(seconds=OFFER_SECONDS)
        session.execute(
            update(QueuedCall)
            .where(QueuedCall.status == OFFERED, QueuedCall.offered_at < stale)
            .values(status=WAITING, operator_id=None, offered_at=None)
        )
        for _ in range(5):
            query = (
                select(QueuedCall.call_sid)
                .where(QueuedCall.status == WAITING)
                .order_by((QueuedCall.queue == "urgent").desc(), QueuedCall.enqueued_at, QueuedCall.call_sid)
                .limit(1)
            )
            sid = session.scalar(query)
            if sid is None:
                return None
            won = session.execute(
                update(QueuedCall)
                .where(QueuedCall.call_sid == sid, QueuedCall.status == WAITING)
                .values(status=OFFERED, operator_id=operator_id, offered_at=now)
            )
            if won.rowcount == 1:
                session.flush()
                row = session.get(QueuedCall, sid, populate_existing=True)
                return row
        return None

    @staticmethod
    def connect(
        session: Session, call_sid: str, operator_id: int, operator_call_sid: str | None, now: datetime
    ) -> QueuedCall | None:
        """Twilio connected ``call_sid`` to the operator: record it (safe to receive twice)."""
        row = session.get(QueuedCall, call_sid, with_for_update=True)
        if row is None:
            return None
        if row.status != CONNECTED:
            row.status = CONNECTED
            row.connected_at = now
        row.operator_id = operator_id
        row.operator_call_sid = operator_call_sid
        # Another caller whispered to this operator but not connected goes back to waiting.
        session.execute(
            update(QueuedCall)
            .where(QueuedCall.status == OFFERED, QueuedCall.operator_id == operator_id, QueuedCall.call_sid != call_sid)
            .values(status=WAITING, operator_id=None, offered_at=None)
        )
        session.flush()
        return row

    @staticmethod
    def give_back(session: Session, call_sid: str, operator_id: int) -> None:
        """The operator's dial ended without this caller: they keep their place."""
        session.execute(
            update(QueuedCall)
            .where(QueuedCall.call_sid == call_sid, QueuedCall.status == OFFERED, QueuedCall.operator_id == operator_id)
            .values(status=WAITING, operator_id=None, offered_at=None)
        )

    @staticmethod
    def current_for(session: Session, operator_id: int, now: datetime) -> QueuedCall | None:
        """The caller this operator is talking to or about to (the dashboard's screen pop)."""
        query = (
            select(QueuedCall)
            .where(
                QueuedCall.operator_id == operator_id,
                QueuedCall.status.in_((OFFERED, CONNECTED)),
                QueuedCall.enqueued_at >= now - timedelta(hours=12),
            )
            .order_by(QueuedCall.connected_at.desc().nulls_last(), QueuedCall.offered_at.desc())
            .limit(1)
        )
        return session.scalars(query).first()

    @staticmethod
    def leave(session: Session, call_sid: str, now: datetime) -> QueuedCall | None:
        """The caller left the queue (Twilio's Enqueue action); returns the row as it ends."""
        row = session.get(QueuedCall, call_sid, with_for_update=True)
        if row is None:
            return None
        if row.status in (WAITING, OFFERED):
            row.status = LEFT
        if row.left_at is None:
            row.left_at = now
        session.flush()
        return row

    @staticmethod
    def keep_place_with_callback(session: Session, call_sid: str, request_id: int, now: datetime) -> None:
        """The caller chose a call back while holding: note the request that keeps their place."""
        session.execute(
            update(QueuedCall)
            .where(QueuedCall.call_sid == call_sid)
            .values(status=CALLBACK, callback_request_id=request_id, left_at=now)
        )


@dataclass(frozen=True)
class JoiningCall:
    """What the call tree knows about a caller entering the queue."""

    call_sid: str
    language: str
    caller_type: str | None
    need: str | None
    urgent: bool | None
