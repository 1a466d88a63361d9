"""The outbox: jobs written in the same transaction as the work they follow.

A job enqueued straight to Redis after a commit is lost if Redis is down at
that moment. Instead the web side adds an outbox row inside its transaction;
after the commit the web process hands the row to rq from a background thread
(``workers.outbox.HandOver``), and the worker's relay loop hands over whatever
is left (``workers.outbox.relay``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, delete, func, select
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
    def add(session: Session, job: str, *args: Any, queue: str = "default") -> int:
        """Add a job to the outbox inside the caller's transaction; returns the row's id.

        A table-level INSERT ... RETURNING: it runs on callers' hot paths (a callback request), where
        the ORM's unit of work cost several times more.
        """
        if queue not in QUEUES:
            raise ValueError(f"unknown queue {queue!r}")
        row = {"queue": queue, "job": job, "args_json": json.dumps(list(args)), "created_at": utcnow()}
        return session.execute(_INSERT, row).scalar_one()

    @staticmethod
    def pending(session: Session, limit: int = 100, ids: list[int] | None = None) -> list[OutboxMessage]:
        """Rows not yet handed to rq, oldest first (optionally only ``ids``)."""
        query = select(OutboxMessage).where(OutboxMessage.enqueued_at.is_(None))
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        return list(session.scalars(query.order_by(OutboxMessage.id).limit(limit)))

    @staticmethod
    def claim_batch(
        session: Session, ids: list[int] | None = None, after: int = 0, limit: int = 100
    ) -> list[OutboxMessage]:
        """Up to ``limit`` of the oldest pending rows after id ``after``, locked for this transaction.

        PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so two relays (the web's hand-over
        after a commit and the worker's loop) never hold the same row; a row
        another relay holds is skipped. SQLite ignores the lock clause: there
        the rq job's unique id is what keeps a row from becoming two jobs.
        """
        query = select(OutboxMessage).where(OutboxMessage.enqueued_at.is_(None), OutboxMessage.id > after)
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        query = query.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
        return list(session.scalars(query))

    @staticmethod
    def backlog(session: Session) -> tuple[int, datetime | None]:
        """How many rows wait to be handed over, and when the oldest was written."""
        count, oldest = session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(OutboxMessage.enqueued_at.is_(None))
        ).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=utcnow().tzinfo)
        return count, oldest

    @staticmethod
    def purge_relayed(session: Session, before: datetime) -> int:
        """Delete rows handed to rq before ``before``; returns how many went."""
        result = session.execute(
            delete(OutboxMessage).where(OutboxMessage.enqueued_at.is_not(None), OutboxMessage.enqueued_at < before)
        )
        return result.rowcount or 0


_INSERT = OutboxMessage.__table__.insert().returning(OutboxMessage.__table__.c.id)
