"""discretion: a later call never updates an earlier call's request (one caller ID may have several open);
registrations keep when calls and texts may come; a service-list text is a row, its job carries the id

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_OPEN_BY_CALLER_ID = sa.text("status IN ('open', 'claimed') AND by_caller_id")


def upgrade() -> None:
    op.drop_index("uq_callback_requests_open_caller_id", table_name="callback_requests")
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("contact_window", sa.String(length=12), nullable=True))
    op.create_table(
        "service_list_texts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("zip_code", sa.String(length=5), nullable=False),
        sa.Column("listed", sa.String(length=400), nullable=False),
        sa.Column("created_at", models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("uq_service_list_texts_call_list", "service_list_texts", ["call_sid", "listed"], unique=True)
    # Jobs queued by the old code carried the caller's number: they are dropped from the outbox
    # (a list not texted is better than a number left in a job row).
    op.execute("DELETE FROM outbox WHERE job = 'workers.referrals.text_service_list' AND enqueued_at IS NULL")


def downgrade() -> None:
    op.drop_index("uq_service_list_texts_call_list", table_name="service_list_texts")
    op.drop_table("service_list_texts")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("contact_window")
    op.create_index(
        "uq_callback_requests_open_caller_id",
        "callback_requests",
        ["phone"],
        unique=True,
        sqlite_where=_OPEN_BY_CALLER_ID,
        postgresql_where=_OPEN_BY_CALLER_ID,
    )
