"""reliability: stored SMS replies, outbound message intents, retention tallies

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-30 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, models.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("processed_messages") as batch:
        batch.add_column(sa.Column("reply", sa.Text(), nullable=True))
        batch.add_column(_time("replied_at", nullable=True))
    op.create_table(
        "outbound_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("to_phone", sa.String(length=32), nullable=True),
        sa.Column("from_phone", sa.String(length=32), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        _time("intent_at"),
        sa.Column("twilio_sid", sa.String(length=64), nullable=True),
        _time("sent_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_outbound_messages_key")),
    )
    op.create_index(op.f("ix_outbound_messages_sent_at"), "outbound_messages", ["sent_at"], unique=False)
    op.create_table(
        "retention_tallies",
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period", "metric", name=op.f("pk_retention_tallies")),
    )


def downgrade() -> None:
    op.drop_table("retention_tallies")
    op.drop_index(op.f("ix_outbound_messages_sent_at"), table_name="outbound_messages")
    op.drop_table("outbound_messages")
    with op.batch_alter_table("processed_messages") as batch:
        batch.drop_column("replied_at")
        batch.drop_column("reply")
