"""operators: accounts, API tokens, callback attempts, request history, claim indexes

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25 14:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN_ONLY = sa.text("status = 'open'")
CLAIMED_ONLY = sa.text("status = 'claimed'")


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operators")),
        sa.UniqueConstraint("email", name=op.f("uq_operators_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"], ["operators.id"], name=op.f("fk_api_tokens_operator_id_operators"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_operator_id"), "api_tokens", ["operator_id"], unique=False)
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("started_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=True),
        sa.Column("call_status", sa.String(length=24), nullable=True),
        sa.Column("caller_status", sa.String(length=24), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("disposition", sa.String(length=24), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["operator_id"],
            ["operators.id"],
            name=op.f("fk_callback_attempts_operator_id_operators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["callback_requests.id"],
            name=op.f("fk_callback_attempts_request_id_callback_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_attempts")),
    )
    op.create_index(op.f("ix_callback_attempts_call_sid"), "callback_attempts", ["call_sid"], unique=False)
    op.create_index(op.f("ix_callback_attempts_operator_id"), "callback_attempts", ["operator_id"], unique=False)
    op.create_index(op.f("ix_callback_attempts_request_id"), "callback_attempts", ["request_id"], unique=False)
    op.create_table(
        "callback_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["callback_requests.id"],
            name=op.f("fk_callback_history_request_id_callback_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_history")),
    )
    op.create_index(op.f("ix_callback_history_at"), "callback_history", ["at"], unique=False)
    op.create_index("ix_callback_history_request_at", "callback_history", ["request_id", "at"], unique=False)
    op.create_index(
        "ix_callback_requests_claim_order",
        "callback_requests",
        [sa.text("urgent DESC"), sa.text("priority DESC"), "created_at", "id"],
        unique=False,
        sqlite_where=OPEN_ONLY,
        postgresql_where=OPEN_ONLY,
    )
    op.create_index(
        "uq_callback_requests_held",
        "callback_requests",
        ["claimed_by_id"],
        unique=True,
        sqlite_where=CLAIMED_ONLY,
        postgresql_where=CLAIMED_ONLY,
    )


def downgrade() -> None:
    op.drop_index("uq_callback_requests_held", table_name="callback_requests")
    op.drop_index("ix_callback_requests_claim_order", table_name="callback_requests")
    op.drop_index("ix_callback_history_request_at", table_name="callback_history")
    op.drop_index(op.f("ix_callback_history_at"), table_name="callback_history")
    op.drop_table("callback_history")
    op.drop_index(op.f("ix_callback_attempts_request_id"), table_name="callback_attempts")
    op.drop_index(op.f("ix_callback_attempts_operator_id"), table_name="callback_attempts")
    op.drop_index(op.f("ix_callback_attempts_call_sid"), table_name="callback_attempts")
    op.drop_table("callback_attempts")
    op.drop_index(op.f("ix_api_tokens_operator_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("operators")
