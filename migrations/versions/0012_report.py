"""report: case studies (anonymised summaries, approved by a supervisor) and counts kept for the report

Revision ID: 0012
Revises: 0006
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, models.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "case_studies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        _time("proposed_at"),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        _time("approved_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["callback_requests.id"],
            name=op.f("fk_case_studies_request_id_callback_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["operators.id"],
            name=op.f("fk_case_studies_proposed_by_id_operators"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["operators.id"],
            name=op.f("fk_case_studies_approved_by_id_operators"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_studies")),
        sa.UniqueConstraint("request_id", name=op.f("uq_case_studies_request_id")),
    )
    op.create_index("ix_case_studies_status_request", "case_studies", ["status", "request_id"], unique=False)
    op.create_table(
        "report_kept_counts",
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("section", sa.String(length=48), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("period", "section", "position", name=op.f("pk_report_kept_counts")),
    )


def downgrade() -> None:
    op.drop_table("report_kept_counts")
    op.drop_index("ix_case_studies_status_request", table_name="case_studies")
    op.drop_table("case_studies")
