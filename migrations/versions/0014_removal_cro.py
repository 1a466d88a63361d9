"""removal process, CRO, slow speech, relay, case status: operators' field office, relay calls, case status

Revision ID: 0014
Revises: 0006
Create Date: 2026-11-30 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.add_column(sa.Column("field_office", sa.String(length=8), nullable=True))
    with op.batch_alter_table("call_sessions") as batch:
        batch.add_column(sa.Column("relay", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("custody_records") as batch:
        batch.add_column(sa.Column("case_status", sa.String(length=24), nullable=True))
    with op.batch_alter_table("custody_events") as batch:
        batch.add_column(sa.Column("old_case_status", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("new_case_status", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("custody_events") as batch:
        batch.drop_column("new_case_status")
        batch.drop_column("old_case_status")
    with op.batch_alter_table("custody_records") as batch:
        batch.drop_column("case_status")
    with op.batch_alter_table("call_sessions") as batch:
        batch.drop_column("relay")
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("field_office")
