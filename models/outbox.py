"""The outbox: jobs written in the same transaction as the work they follow.

A job enqueued straight to Redis after a commit is lost if Redis is down at
that moment. Instead the web side adds an outbox row inside its transaction;
after the commit it tries to hand the row to rq at once, and the worker's
relay hands over whatever is left (``workers.outbox.relay``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow

QUEUES = ("high", "default", "low")


class OutboxMessage(Base):
    """A job waiting to be handed to rq."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    queue: Mapped[str] = mapped_column(String(16), default="default")
    job: Mapped[str] = mapped_column(String(200))
    args_json: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(index=True)

    @property
    def args(self) -> list[Any]:
        """The job's positional arguments (ids and primitives only)."""
        return json.loads(self.args_json)

    @property
    def job_id(self) -> str:
        """The rq job id: stable, so a row handed over twice is one job."""
        return f"outbox-{self.id}"

    @staticmethod
    def add(session: Session, job: str, *args: Any, queue: str = "default") -> OutboxMessage:
        """Add a job to the outbox inside the caller's transaction."""
        if queue not in QUEUES:
            raise ValueError(f"unknown queue {queue!r}")
        message = OutboxMessage(queue=queue, job=job, args_json=json.dumps(list(args)))
        session.add(message)
        return message

    @staticmethod
    def pending(session: Session, limit: int = 100, ids: list[int] | None = None) -> list[OutboxMessage]:
        """Rows not yet handed to rq, oldest first (optionally only ``ids``)."""
        query = select(OutboxMessage).where(OutboxMessage.enqueued_at.is_(None))
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        return list(session.scalars(query.order_by(OutboxMessage.id).limit(limit)))
