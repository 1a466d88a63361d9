"""directory: several categories per service, a flag for services never offered, the source directory of each
row, and the precomputed nearest services per ZIP code and category

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("directory_organizations") as batch:
        batch.add_column(sa.Column("source", sa.String(100), nullable=False, server_default="default"))
    with op.batch_alter_table("directory_locations") as batch:
        batch.add_column(sa.Column("source", sa.String(100), nullable=False, server_default="default"))
    with op.batch_alter_table("directory_services") as batch:
        batch.add_column(sa.Column("categories", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("categorised_by", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("flag", sa.String(32), nullable=True))
        batch.add_column(sa.Column("source", sa.String(100), nullable=False, server_default="default"))
    with op.batch_alter_table("directory_entries") as batch:
        batch.add_column(sa.Column("categories", sa.String(250), nullable=False, server_default=""))
        batch.add_column(sa.Column("offered", sa.Boolean(), nullable=False, server_default=sa.true()))
    # Rows imported before keep their one category until the next import decides again.
    op.execute("UPDATE directory_services SET categories = category WHERE category <> 'other'")
    op.execute(
        "UPDATE directory_entries SET categories = ',' || category || ',' WHERE category <> 'other'"
    )
    op.execute("UPDATE directory_entries SET categories = ',,' WHERE category = 'other'")
    op.create_table(
        "directory_nearest",
        sa.Column("zip", sa.String(5), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("listing", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("zip", "category", name=op.f("pk_directory_nearest")),
    )


def downgrade() -> None:
    op.drop_table("directory_nearest")
    with op.batch_alter_table("directory_entries") as batch:
        batch.drop_column("offered")
        batch.drop_column("categories")
    with op.batch_alter_table("directory_services") as batch:
        batch.drop_column("source")
        batch.drop_column("flag")
        batch.drop_column("categorised_by")
        batch.drop_column("categories")
    with op.batch_alter_table("directory_locations") as batch:
        batch.drop_column("source")
    with op.batch_alter_table("directory_organizations") as batch:
        batch.drop_column("source")
