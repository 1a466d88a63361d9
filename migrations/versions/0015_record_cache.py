"""record cache: the custody import generation, raised by the database on every record or facility change

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 13:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("custody_records", "facilities")


def upgrade() -> None:
    op.create_table(
        "custody_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO custody_generation (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION bump_custody_generation() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO custody_generation (id, value) VALUES (1, 1)
                ON CONFLICT (id) DO UPDATE SET value = custody_generation.value + 1;
              RETURN NULL;
            END $$
            """
        )
        for table in TABLES:
            # Once per statement: a COPY of a million rows raises the generation once.
            op.execute(
                f"CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_custody_generation()"
            )
    else:
        # SQLite has row triggers only. Both kinds recreate the row if it was ever deleted.
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(
                    f"CREATE TRIGGER {table}_generation_{event} AFTER {event.upper()} ON {table} "
                    "BEGIN INSERT INTO custody_generation (id, value) VALUES (1, 1) "
                    "ON CONFLICT (id) DO UPDATE SET value = value + 1; END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_generation ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_custody_generation()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_generation_{event}")
    op.drop_table("custody_generation")
