"""safety on the callback path: typed numbers belong to nobody, safe-contact choices

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN = "status IN ('open', 'claimed')"
OPEN_BY_CALLER_ID = "status IN ('open', 'claimed') AND by_caller_id"


def upgrade() -> None:
    """One open request per caller ID (not per number); safe-contact columns."""
    with op.batch_alter_table("callback_requests") as batch_op:
        batch_op.add_column(sa.Column("by_caller_id", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("safe_to_call", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("voicemail_ok", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("may_identify", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("call_window", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("caller_timezone", sa.String(length=64), nullable=True))
        batch_op.drop_index(
            "uq_callback_requests_open_phone", sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN)
        )
        batch_op.create_index(
            "uq_callback_requests_open_caller_id",
            ["phone"],
            unique=True,
            sqlite_where=sa.text(OPEN_BY_CALLER_ID),
            postgresql_where=sa.text(OPEN_BY_CALLER_ID),
        )
        batch_op.create_index(
            "uq_callback_requests_open_call",
            ["call_sid", "phone"],
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
        batch_op.create_index("ix_callback_requests_phone", ["phone"], unique=False)


def downgrade() -> None:
    """Back to one open request per number (fails if two open requests share a number)."""
    with op.batch_alter_table("callback_requests") as batch_op:
        batch_op.drop_index("ix_callback_requests_phone")
        batch_op.drop_index("uq_callback_requests_open_call", sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
        batch_op.drop_index(
            "uq_callback_requests_open_caller_id",
            sqlite_where=sa.text(OPEN_BY_CALLER_ID),
            postgresql_where=sa.text(OPEN_BY_CALLER_ID),
        )
        batch_op.create_index(
            "uq_callback_requests_open_phone",
            ["phone"],
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
        for column in ("caller_timezone", "call_window", "may_identify", "voicemail_ok", "safe_to_call", "by_caller_id"):
            batch_op.drop_column(column)
