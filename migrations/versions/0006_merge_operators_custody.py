"""merge the operator-queue (0004) and custody (0005) branches into one head

Revision ID: 0006
Revises: 0004, 0005
Create Date: 2026-11-25 15:25:00
"""

from __future__ import annotations

revision = "0006"
down_revision = ("0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the two branches touch different tables."""


def downgrade() -> None:
    """Nothing to change."""
