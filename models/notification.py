"""Custody-change notifications: one per active registration and custody event, exactly once.

``create_notifications`` turns new custody events into notification rows with
one INSERT ... SELECT guarded by a unique (registration, event) constraint and a
cursor over the events already seen, so importing the same file twice, or a run
that dies half-way, never makes a second notification. Each row then carries
its own delivery state per channel: ``due`` → ``sending`` (the intent, written
before Twilio is called) → ``sent``, so a killed worker sends nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.custody import CustodyEvent

# What a registrant is told about (the policy's "release, transfer, removal, back in custody").
RELEASED = "released"
REMOVED = "removed"
TRANSFERRED = "transferred"
BACK_IN_CUSTODY = "in_custody"
KINDS = (RELEASED, REMOVED, TRANSFERRED, BACK_IN_CUSTODY)

# Delivery states, per channel.
DUE = "due"
SENDING = "sending"
SENT = "sent"
CALLING = "calling"
ACKNOWLEDGED = "acknowledged"
SKIPPED = "skipped"
EXPIRED = "expired"
FAILED = "failed"

CURSOR = "custody_events"


class Notification(Base):
    """One custody change to tell one registrant, with its text and call delivery states."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("registration_id", "event_id", name="uq_notifications_registration_event"),
        Index("ix_notifications_sms_state_due", "sms_state", "sms_due_at"),
        Index("ix_notifications_voice_state_due", "voice_state", "voice_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("custody_events.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # When the status changed upstream (the date the text names).
    event_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sms_state: Mapped[str | None] = mapped_column(String(12))
    sms_due_at: Mapped[datetime | None]
    # Set with the intent: a row left in "sending" after this long is reconciled against Twilio's list.
    sms_claimed_at: Mapped[datetime | None]
    sms_from: Mapped[str | None] = mapped_column(String(32))
    sms_sid: Mapped[str | None] = mapped_column(String(64))
    voice_state: Mapped[str | None] = mapped_column(String(12))
    voice_due_at: Mapped[datetime | None]
    voice_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Calls are retried until the PIN is entered or this moment passes.
    window_ends_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]


class NotificationAttempt(Base):
    """One text or call made for a notification, updated from Twilio's status callbacks."""

    __tablename__ = "notification_attempts"
    __table_args__ = (
        Index("ix_notification_attempts_notification_id", "notification_id"),
        Index("uq_notification_attempts_sid", "sid", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"))
    channel: Mapped[str] = mapped_column(String(8))
    sid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    # Twilio's AnsweredBy (machine detection): human, machine_start, fax, unknown ...
    answered_by: Mapped[str | None] = mapped_column(String(32))
    pin_ok: Mapped[bool | None] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @staticmethod
    def for_notification(session: Session, notification_id: int) -> list[NotificationAttempt]:
        """A notification's attempts, oldest first."""
        query = (
            select(NotificationAttempt)
            .where(NotificationAttempt.notification_id == notification_id)
            .order_by(NotificationAttempt.id)
        )
        return list(session.scalars(query))


class NotificationCursor(Base):
    """The last custody event turned into notifications (so each event is read once)."""

    __tablename__ = "notification_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)


_KIND = """
CASE
  WHEN e.new_status = 'released' THEN 'released'
  WHEN e.new_status = 'removed' THEN 'removed'
  WHEN e.old_status IN ('in_custody', 'transferred') THEN 'transferred'
  ELSE 'in_custody'
END
"""
# The events a registrant is told of; minors, records without a date of birth and protected records never.
_CREATE = f"""
INSERT INTO notifications
  (registration_id, event_id, kind, event_at, created_at, sms_state, sms_due_at, voice_state, voice_due_at,
   voice_attempts, window_ends_at)
SELECT g.id, e.id, {_KIND}, e.at, :now,
  CASE WHEN g.channels IN ('sms', 'both') THEN 'due' END,
  CASE WHEN g.channels IN ('sms', 'both') THEN :now END,
  CASE WHEN g.channels IN ('voice', 'both') THEN 'due' END,
  CASE WHEN g.channels IN ('voice', 'both') THEN :now END,
  0, :window_ends_at
FROM custody_events e
JOIN registrations g ON g.a_number = e.a_number AND g.status = 'active'
JOIN custody_records r ON r.a_number = e.a_number AND r.country_of_birth = g.country
WHERE e.id > :after AND e.id <= :upto
  AND e.recorded_at >= g.activated_at
  AND r.protected = :false AND r.date_of_birth IS NOT NULL AND r.date_of_birth <= :adult_born_by
  AND (
    (e.new_status IN ('released', 'removed') AND (e.old_status IS NULL OR e.old_status <> e.new_status))
    OR (e.new_status IN ('in_custody', 'transferred') AND e.old_status IN ('released', 'removed', 'not_in_custody'))
    OR (e.new_status IN ('in_custody', 'transferred') AND e.old_status IN ('in_custody', 'transferred')
        AND COALESCE(e.old_facility, '') <> COALESCE(e.new_facility, ''))
  )
ON CONFLICT (registration_id, event_id) DO NOTHING
"""


def adult_born_by(today: date) -> date:
    """The latest date of birth of someone 18 or over on ``today``."""
    try:
        return today.replace(year=today.year - 18)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 18, day=28)


def create_notifications(session: Session, window: timedelta, now: datetime | None = None) -> int:
    """Turn custody events not yet seen into notifications (in the caller's transaction); how many were made."""
    now = now or utcnow()
    cursor = session.get(NotificationCursor, CURSOR, with_for_update=True)
    if cursor is None:
        session.add(cursor := NotificationCursor(name=CURSOR, last_event_id=0))
        session.flush()
    upto = session.scalar(select(func.max(CustodyEvent.id))) or 0
    if upto <= cursor.last_event_id:
        return 0
    sqlite = session.get_bind().dialect.name == "sqlite"
    stamp = (lambda v: v.strftime("%Y-%m-%d %H:%M:%S.%f")) if sqlite else (lambda v: v)
    result = session.execute(
        text(_CREATE),
        {
            "now": stamp(now),
            "window_ends_at": stamp(now + window),
            "after": cursor.last_event_id,
            "upto": upto,
            "false": False,
            "adult_born_by": adult_born_by(now.date()).isoformat() if sqlite else adult_born_by(now.date()),
        },
    )
    cursor.last_event_id = upto
    return result.rowcount or 0
