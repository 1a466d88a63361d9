"""safety platform: call_sessions keep a keyed hash and the last four digits, not the number;
operators get a session generation (log-out ends sessions server-side); reads of full numbers are audited

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import hashlib
import hmac
import re

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _hash_key() -> str:
    # The same key the running service hashes with (AUDIT_HASH_KEY), so converted rows still
    # join the look-up audit on the hash.
    from config import load_settings

    return load_settings().audit_hash_key


def upgrade() -> None:
    with op.batch_alter_table("call_sessions") as batch:
        batch.add_column(sa.Column("caller_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("caller_last4", sa.String(length=4), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT call_sid, from_number FROM call_sessions")).fetchall()
    if rows:
        key = _hash_key().encode()
        update = sa.text("UPDATE call_sessions SET caller_hash = :h, caller_last4 = :l WHERE call_sid = :sid")
        for call_sid, number in rows:
            digits = re.sub(r"\D", "", number or "")
            connection.execute(
                update,
                {
                    "h": hmac.new(key, (number or "withheld").encode(), hashlib.sha256).hexdigest(),
                    "l": digits[-4:] or None,
                    "sid": call_sid,
                },
            )
    with op.batch_alter_table("call_sessions") as batch:
        batch.drop_column("from_number")

    with op.batch_alter_table("operators") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))

    op.create_table(
        "number_reads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_reads")),
    )
    with op.batch_alter_table("number_reads") as batch:
        batch.create_index("ix_number_reads_request_id_at", ["request_id", "at"], unique=False)
        batch.create_index("ix_number_reads_operator_id_at", ["operator_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("number_reads")
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("session_generation")
    with op.batch_alter_table("call_sessions") as batch:
        # The numbers themselves are gone for good: that was the point.
        batch.add_column(sa.Column("from_number", sa.String(length=32), nullable=True))
        batch.drop_column("caller_last4")
        batch.drop_column("caller_hash")
