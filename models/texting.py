"""Texting: SMS opt-outs and opt-ins, and the MessageSids already answered.

Twilio blocks texts to a number that sent STOP (error 21610) and the carrier
does the same on toll-free numbers; the hotline keeps its own record in step so
that no job even tries (Twilio refuses sends to an opted-out number).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Index, Integer, ScalarSelect, String, Text, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

OPT_OUT = "opt_out"
OPT_IN = "opt_in"


class SmsConsent(Base):
    """One opt-out or opt-in by a phone number (append-only; the latest row counts)."""

    __tablename__ = "sms_consents"
    __table_args__ = (Index("ix_sms_consents_phone_at", "phone", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # E.164: needed to honour the opt-out when sending.
    phone: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(8))
    keyword: Mapped[str] = mapped_column(String(16))
    message_sid: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    @staticmethod
    def record(session: Session, phone: str, action: str, keyword: str, message_sid: str | None) -> SmsConsent:
        """Record an opt-out or opt-in in the caller's transaction."""
        if action not in (OPT_OUT, OPT_IN):
            raise ValueError(f"unknown consent action {action!r}")
        consent = SmsConsent(phone=phone, action=action, keyword=keyword[:16], message_sid=message_sid, at=utcnow())
        session.add(consent)
        return consent

    @staticmethod
    def latest_word(phone: ColumnElement[str]) -> ScalarSelect[str]:
        """The number's latest consent action (``opt_out`` or ``opt_in``) as a subquery; NULL when it said none."""
        return (
            select(SmsConsent.action)
            .where(SmsConsent.phone == phone)
            .order_by(SmsConsent.at.desc(), SmsConsent.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    @staticmethod
    def is_opted_out(session: Session, phone: str) -> bool:
        """True when the number's latest word was an opt-out: send it nothing."""
        return session.scalar(select(SmsConsent.latest_word(literal(phone)))) == OPT_OUT


class ProcessedMessage(Base):
    """A MessageSid already answered: Twilio may deliver the same message twice."""

    __tablename__ = "processed_messages"

    message_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The reply sent, so a retried delivery gets the same one (None with replied_at: no reply).
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column()

    @staticmethod
    def claim(session: Session, message_sid: str) -> bool:
        """Mark ``message_sid`` processed; False when it already was."""
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(ProcessedMessage)
            .values(message_sid=message_sid, received_at=utcnow())
            .on_conflict_do_nothing(index_elements=["message_sid"])
            .returning(ProcessedMessage.message_sid)
        )
        return session.execute(statement).scalar() is not None

    @staticmethod
    def earlier_reply(session: Session, message_sid: str) -> tuple[bool, str | None]:
        """(True, reply) when ``message_sid`` was already answered; (False, None) otherwise."""
        row = session.execute(
            select(ProcessedMessage.replied_at, ProcessedMessage.reply).where(
                ProcessedMessage.message_sid == message_sid
            )
        ).first()
        if row is None or row.replied_at is None:
            return False, None
        return True, row.reply

    @staticmethod
    def keep_reply(session: Session, message_sid: str, reply: str | None) -> None:
        """Store the reply given to ``message_sid`` (in the caller's transaction)."""
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        now = utcnow()
        statement = insert(ProcessedMessage).values(
            message_sid=message_sid, received_at=now, reply=reply, replied_at=now
        )
        session.execute(
            statement.on_conflict_do_update(index_elements=["message_sid"], set_={"reply": reply, "replied_at": now})
        )


# What a texted look-up must know before it looks anything up, in one read on the look-up desk's
# connection (``LookupDesk.read_row``): whether the MessageSid was already answered (as
# ``ProcessedMessage.earlier_reply`` tells it), the number's latest consent word (``SmsConsent.latest_word``)
# and the language of its active conversation (``Conversation.language_of``; at most one is active per number).
# tests/custody/test_sms_lookup.py holds it to those three.
TEXTER_SQL = """
SELECT
  (SELECT COUNT(*) FROM processed_messages WHERE message_sid = :message_sid AND replied_at IS NOT NULL),
  (SELECT action FROM sms_consents WHERE phone = :phone ORDER BY at DESC, id DESC LIMIT 1),
  (SELECT language FROM conversations WHERE phone = :phone AND status IN ('open', 'claimed') LIMIT 1)
"""


@dataclass(frozen=True)
class Texter:
    """What ``TEXTER_SQL`` read: a text answered already, a number that opted out, its conversation's language."""

    answered: bool
    opted_out: bool
    language: str | None

    @classmethod
    def of(cls, row: tuple[int, str | None, str | None]) -> Texter:
        answered, word, language = row
        return cls(bool(answered), word == OPT_OUT, language)


class ServiceListText(Base):
    """A list of services a caller asked to get by text: the job that sends it carries only this row's id.

    The caller ID lives here (and in the delivery record) and nowhere else: not in the job's arguments,
    the outbox or Redis. One row per call and list heard, so a retried webhook adds none.
    """

    __tablename__ = "service_list_texts"
    __table_args__ = (Index("uq_service_list_texts_call_list", "call_sid", "listed", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="en")
    zip_code: Mapped[str] = mapped_column(String(5), default="")
    listed: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
