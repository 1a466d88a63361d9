"""Every read of a caller's full phone number by an operator.

Operators see a full number only on the request they hold; each time it is shown
(dashboard page or API answer) a row here says who saw which request's number, when,
and through which door. The number itself is not copied here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

DASHBOARD = "dashboard"
API = "api"
# A registration's numbers: the row's ``request_id`` holds the registration's id, and the channel
# says so (the table predates registrations; a read is told apart by its channel, not a new column).
REGISTRATION_CHANNELS = {DASHBOARD: "registration-ops", API: "registration-api"}


class NumberRead(Base):
    """One showing of a full caller number to an operator."""

    __tablename__ = "number_reads"
    __table_args__ = (
        Index("ix_number_reads_request_id_at", "request_id", "at"),
        Index("ix_number_reads_operator_id_at", "operator_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    operator_id: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))

    @staticmethod
    def record(session: Session, operator_id: int, request_id: int, channel: str, now: datetime) -> None:
        """Audit that ``operator_id`` was shown the full number of ``request_id``."""
        session.add(NumberRead(operator_id=operator_id, request_id=request_id, channel=channel, at=now))

    @staticmethod
    def record_registration(
        session: Session, operator_id: int, registration_id: int, channel: str, now: datetime
    ) -> None:
        """Audit that ``operator_id`` was shown the full phone and A-number of registration ``registration_id``."""
        kind = REGISTRATION_CHANNELS.get(channel, REGISTRATION_CHANNELS[API])
        session.add(NumberRead(operator_id=operator_id, request_id=registration_id, channel=kind, at=now))

    @staticmethod
    def for_registration(session: Session, registration_id: int) -> list[NumberRead]:
        """Every full read of one registration's numbers, oldest first."""
        query = (
            select(NumberRead)
            .where(NumberRead.request_id == registration_id, NumberRead.channel.in_(REGISTRATION_CHANNELS.values()))
            .order_by(NumberRead.at, NumberRead.id)
        )
        return list(session.scalars(query))

    @staticmethod
    def for_request(session: Session, request_id: int) -> list[NumberRead]:
        """Every read of one request's number, oldest first."""
        query = (
            select(NumberRead)
            .where(NumberRead.request_id == request_id, NumberRead.channel.not_in(REGISTRATION_CHANNELS.values()))
            .order_by(NumberRead.at, NumberRead.id)
        )
        return list(session.scalars(query))
