"""Counts kept in aggregate before detail is deleted (docs/decisions/retention-aggregate-first.md).

The quarterly report compares a quarter with the one before; once the rows of
an old quarter are deleted, these tallies are what it reads.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base


class RetentionTally(Base):
    """One count for one quarter ("2026-Q3", "callback_requests") kept after the rows behind it went."""

    __tablename__ = "retention_tallies"

    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)

    @staticmethod
    def add(session: Session, period: str, metric: str, count: int) -> None:
        """Add ``count`` to the tally (created at zero when new)."""
        if not count:
            return
        tally = session.get(RetentionTally, (period, metric), with_for_update=True)
        if tally is None:
            session.add(RetentionTally(period=period, metric=metric, value=count))
            session.flush()
        else:
            tally.value += count

    @staticmethod
    def for_period(session: Session, period: str) -> dict[str, int]:
        """Every tally of one quarter."""
        rows = session.execute(
            select(RetentionTally.metric, RetentionTally.value).where(RetentionTally.period == period)
        )
        return dict(rows.all())
