"""Texting with a specialist: a conversation per texter, claimed by one operator, closed by them or by STOP.

Texting is often safer than calling for someone who lives with the person who
hurt them. Free text that is not a command opens a conversation (or continues
the texter's open one); an operator claims it like a callback request, replies
from the dashboard, and closes it. A texter who also has an open callback
request sees both kept together: the conversation names the request.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow
from models.callback import OPEN_STATUSES, CallbackRequest

OPEN = "open"
CLAIMED = "claimed"
CLOSED = "closed"
INBOUND = "in"
OUTBOUND = "out"
MAX_BODY = 1600  # Twilio's limit for one message

# One open conversation per texter (a partial unique index, as for callback requests).
_ACTIVE = text("status IN ('open', 'claimed')")


class ConversationError(Exception):
    """An operator action that does not fit the conversation; the message says why."""


class Conversation(Base):
    """A text conversation between one texter and the operators."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("uq_conversations_active_phone", "phone", unique=True, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
        Index("ix_conversations_status_at", "status", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # E.164: replies go back to the number that wrote (docs/decisions/who-may-be-called-or-texted.md).
    phone: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    callback_request_id: Mapped[int | None] = mapped_column(Integer)
    claimed_by_id: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(16))  # "operator" or "stop"

    def as_dict(self) -> dict[str, object]:
        """The conversation as the operator API shows it."""

        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value is not None else None

        return {
            "id": self.id,
            "phone": self.phone,
            "language": self.language,
            "status": self.status,
            "callback_request_id": self.callback_request_id,
            "claimed_by_id": self.claimed_by_id,
            "created_at": iso(self.created_at),
            "last_message_at": iso(self.last_message_at),
            "closed_at": iso(self.closed_at),
            "closed_by": self.closed_by,
        }

    # --- the texter's side ------------------------------------------------------------

    @staticmethod
    def active_for(session: Session, phone: str) -> Conversation | None:
        """The texter's open or claimed conversation, if any."""
        query = select(Conversation).where(Conversation.phone == phone, Conversation.status.in_((OPEN, CLAIMED)))
        return session.scalars(query.with_for_update()).first()

    @staticmethod
    def language_of(session: Session, phone: str) -> str | None:
        """The language the texter's open or claimed conversation was last written in, if any."""
        query = select(Conversation.language).where(
            Conversation.phone == phone, Conversation.status.in_((OPEN, CLAIMED))
        )
        return session.scalars(query).first()

    @staticmethod
    def receive(
        session: Session,
        phone: str,
        language: str,
        body: str,
        message_sid: str,
        now: datetime,
        language_sure: bool = True,
    ) -> tuple[Conversation, bool]:
        """Add a text from ``phone`` to their conversation, opening one if needed; True when it was opened.

        A text whose language was recognised keeps the conversation in that language
        (the texter may switch); one that told nothing leaves it as it was.
        """
        for attempt in (1, 2):
            conversation = Conversation.active_for(session, phone)
            opened = conversation is None
            try:
                with session.begin_nested():
                    if conversation is None:
                        request = session.scalars(
                            select(CallbackRequest.id).where(
                                CallbackRequest.phone == phone, CallbackRequest.status.in_(OPEN_STATUSES)
                            )
                        ).first()
                        conversation = Conversation(
                            phone=phone, language=language, status=OPEN, created_at=now, callback_request_id=request
                        )
                        session.add(conversation)
                        session.flush()
                    conversation.last_message_at = now
                    if language_sure and conversation.language != language:
                        conversation.language = language
                    session.add(
                        ConversationMessage(
                            conversation_id=conversation.id,
                            direction=INBOUND,
                            body=body[:MAX_BODY],
                            message_sid=message_sid,
                            at=now,
                        )
                    )
                    session.flush()
                return conversation, opened
            except IntegrityError:
                # Two texts from one number at once: the other opened it; add to that one.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def close_for_phone(session: Session, phone: str, now: datetime) -> int | None:
        """STOP: close the texter's conversation; its id, or None when there was none."""
        conversation = Conversation.active_for(session, phone)
        if conversation is None:
            return None
        conversation.status, conversation.closed_at, conversation.closed_by = CLOSED, now, "stop"
        return conversation.id

    # --- the operators' side -------------------------------------------------------------

    @staticmethod
    def waiting(session: Session, limit: int = 100) -> list[Conversation]:
        """Open and claimed conversations, the longest-waiting open ones first."""
        query = (
            select(Conversation)
            .where(Conversation.status.in_((OPEN, CLAIMED)))
            .order_by((Conversation.status == OPEN).desc(), Conversation.last_message_at, Conversation.id)
            .limit(limit)
        )
        return list(session.scalars(query))

    @staticmethod
    def claim_next(session: Session, operator_id: int, now: datetime) -> Conversation | None:
        """Give ``operator_id`` the open conversation that has waited longest (a compare-and-set)."""
        for _ in range(5):
            head = session.scalar(
                select(Conversation.id)
                .where(Conversation.status == OPEN)
                .order_by(Conversation.last_message_at, Conversation.id)
                .limit(1)
            )
            if head is None:
                return None
            won = session.execute(
                update(Conversation)
                .where(Conversation.id == head, Conversation.status == OPEN)
                .values(status=CLAIMED, claimed_by_id=operator_id, claimed_at=now)
            )
            if won.rowcount == 1:
                return session.get(Conversation, head, populate_existing=True)
        return None

    @staticmethod
    def held(session: Session, conversation_id: int, operator_id: int) -> Conversation:
        """The conversation if ``operator_id`` holds it; ConversationError otherwise."""
        conversation = session.get(Conversation, conversation_id, with_for_update=True)
        if conversation is None:
            raise ConversationError("no such conversation")
        if conversation.status != CLAIMED or conversation.claimed_by_id != operator_id:
            raise ConversationError("claim the conversation before replying or closing it")
        return conversation

    def close(self, now: datetime) -> None:
        """The operator closes the conversation."""
        self.status, self.closed_at, self.closed_by = CLOSED, now, "operator"

    def messages(self, session: Session) -> list[ConversationMessage]:
        """The thread, oldest first."""
        query = (
            select(ConversationMessage)
            .where(ConversationMessage.conversation_id == self.id)
            .order_by(ConversationMessage.at, ConversationMessage.id)
        )
        return list(session.scalars(query))


class ConversationMessage(Base):
    """One text in a conversation, either way."""

    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_messages_conversation_at", "conversation_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(4))
    body: Mapped[str] = mapped_column(Text)
    operator_id: Mapped[int | None] = mapped_column(Integer)
    # Written before Twilio is asked (status "sending"), marked after: a crash in between is visible.
    message_sid: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="received")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    @staticmethod
    def left_sending(session: Session, before: datetime, limit: int = 100) -> list[tuple[int, str]]:
        """Replies still "sending" since before ``before`` (their request lost Twilio's answer): (id, phone)."""
        query = (
            select(ConversationMessage.id, Conversation.phone)
            .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
            .where(
                ConversationMessage.direction == OUTBOUND,
                ConversationMessage.status == "sending",
                ConversationMessage.at < before,
            )
            .order_by(ConversationMessage.id)
            .limit(limit)
        )
        return [(message_id, phone) for message_id, phone in session.execute(query)]

    def as_dict(self) -> dict[str, object]:
        """The message as the operator API shows it."""
        return {
            "id": self.id,
            "direction": self.direction,
            "body": self.body,
            "operator_id": self.operator_id,
            "status": self.status,
            "at": self.at.isoformat(),
        }
