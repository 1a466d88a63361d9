"""custody: facilities, custody records and events, look-up audit, SMS consents and processed messages

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-25 14:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, models.base.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "facilities",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("zip", sa.String(length=10), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("field_office", sa.String(length=8), nullable=True),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_facilities")),
    )
    op.create_table(
        "custody_records",
        sa.Column("a_number", sa.String(length=9), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("country_of_birth", sa.String(length=2), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("facility_code", sa.String(length=16), nullable=True),
        _time("status_changed_at"),
        _time("updated_at"),
        sa.Column("batch", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("a_number", name=op.f("pk_custody_records")),
    )
    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("a_number", sa.String(length=9), nullable=False),
        sa.Column("old_status", sa.String(length=24), nullable=True),
        sa.Column("new_status", sa.String(length=24), nullable=False),
        sa.Column("old_facility", sa.String(length=16), nullable=True),
        sa.Column("new_facility", sa.String(length=16), nullable=True),
        _time("at"),
        sa.Column("batch", sa.String(length=120), nullable=False),
        _time("recorded_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_events")),
    )
    op.create_index("ix_custody_events_a_number_at", "custody_events", ["a_number", "at"])
    op.create_table(
        "lookup_audits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _time("at"),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("thread", sa.String(length=80), nullable=False),
        sa.Column("caller_hash", sa.String(length=64), nullable=False),
        sa.Column("a_number", sa.String(length=9), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("result", sa.String(length=24), nullable=False),
        sa.Column("fields_disclosed", sa.String(length=200), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("request_key", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lookup_audits")),
    )
    op.create_index("ix_lookup_audits_caller_hash_at", "lookup_audits", ["caller_hash", "at"])
    op.create_index("ix_lookup_audits_thread_at", "lookup_audits", ["thread", "at"])
    op.create_index("ix_lookup_audits_at", "lookup_audits", ["at"])
    op.create_index("uq_lookup_audits_request_key", "lookup_audits", ["request_key"], unique=True)
    op.create_table(
        "sms_consents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("keyword", sa.String(length=16), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=True),
        _time("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_consents")),
    )
    op.create_index("ix_sms_consents_phone_at", "sms_consents", ["phone", "at"])
    op.create_table(
        "processed_messages",
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        _time("received_at"),
        sa.PrimaryKeyConstraint("message_sid", name=op.f("pk_processed_messages")),
    )


def downgrade() -> None:
    op.drop_table("processed_messages")
    op.drop_index("ix_sms_consents_phone_at", table_name="sms_consents")
    op.drop_table("sms_consents")
    for index in (
        "uq_lookup_audits_request_key",
        "ix_lookup_audits_at",
        "ix_lookup_audits_thread_at",
        "ix_lookup_audits_caller_hash_at",
    ):
        op.drop_index(index, table_name="lookup_audits")
    op.drop_table("lookup_audits")
    op.drop_index("ix_custody_events_a_number_at", table_name="custody_events")
    op.drop_table("custody_events")
    op.drop_table("custody_records")
    op.drop_table("facilities")
