"""discretion: a later call never updates an earlier call's request (one caller ID may have several open);
registrations keep when calls and texts may come

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_OPEN_BY_CALLER_ID = sa.text("status IN ('open', 'claimed') AND by_caller_id")


def upgrade() -> None:
    op.drop_index("uq_callback_requests_open_caller_id", table_name="callback_requests")
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("contact_window", sa.String(length=12), nullable=True))


def downgrade() -> None:
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
