"""notifications (issue E): protected custody records, the import lock, registrations and notifications

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0011"
down_revision = "0006"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, models.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("custody_records") as batch:
        batch.add_column(sa.Column("protected", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "import_locks",
        sa.Column("feed", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        _time("acquired_at"),
        sa.PrimaryKeyConstraint("feed", name=op.f("pk_import_locks")),
    )


def downgrade() -> None:
    op.drop_table("import_locks")
    with op.batch_alter_table("custody_records") as batch:
        batch.drop_column("protected")
