"""live queue: callers holding for an operator, with their triage answers

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, models.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "queued_calls",
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("caller_type", sa.String(length=16), nullable=True),
        sa.Column("need", sa.String(length=32), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=True),
        sa.Column("queue", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        _time("enqueued_at", nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        _time("offered_at"),
        sa.Column("operator_call_sid", sa.String(length=64), nullable=True),
        _time("connected_at"),
        _time("left_at"),
        sa.Column("callback_request_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_queued_calls")),
    )
    op.create_index(
        "ix_queued_calls_status_queue_at", "queued_calls", ["status", "queue", "enqueued_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_queued_calls_status_queue_at", table_name="queued_calls")
    op.drop_table("queued_calls")
