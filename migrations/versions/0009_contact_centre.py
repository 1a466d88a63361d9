"""contact centre: callers holding in the live queue with their triage, text conversations with specialists, callback confirmations

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0009"
down_revision = "0008"
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
    op.create_table(
        "callback_confirmations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=8), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        _time("created_at", nullable=False),
        _time("sent_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_confirmations")),
        sa.UniqueConstraint("reference", name=op.f("uq_callback_confirmations_reference")),
        sa.UniqueConstraint("request_id", name=op.f("uq_callback_confirmations_request_id")),
    )
    active = sa.text("status IN ('open', 'claimed')")
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("callback_request_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        _time("claimed_at"),
        _time("created_at", nullable=False),
        _time("last_message_at", nullable=False),
        _time("closed_at"),
        sa.Column("closed_by", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index(
        "uq_conversations_active_phone",
        "conversations",
        ["phone"],
        unique=True,
        sqlite_where=active,
        postgresql_where=active,
    )
    op.create_index("ix_conversations_status_at", "conversations", ["status", "last_message_at"], unique=False)
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        _time("at", nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_messages")),
    )
    op.create_index(
        "ix_conversation_messages_conversation_at", "conversation_messages", ["conversation_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_messages_conversation_at", table_name="conversation_messages")
    op.drop_table("conversation_messages")
    op.drop_index("ix_conversations_status_at", table_name="conversations")
    op.drop_index("uq_conversations_active_phone", table_name="conversations")
    op.drop_table("conversations")
    op.drop_table("callback_confirmations")
    op.drop_index("ix_queued_calls_status_queue_at", table_name="queued_calls")
    op.drop_table("queued_calls")
