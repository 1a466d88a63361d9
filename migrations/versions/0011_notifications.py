"""notifications: protected custody records, the import lock, registrations and notifications

Revision ID: 0011
Revises: 0006
Create Date: 2026-11-30 12:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0011"
down_revision = "0010"
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
    op.create_table('notification_cursors',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('last_event_id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_notification_cursors'))
    )
    op.create_table('registrations',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('reference', sa.String(length=8), nullable=False),
    sa.Column('a_number', sa.String(length=9), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('channels', sa.String(length=8), nullable=False),
    sa.Column('voicemail_allowed', sa.Boolean(), nullable=False),
    sa.Column('texts_any_hour', sa.Boolean(), nullable=False),
    sa.Column('pin_hash', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('source', sa.String(length=12), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('code_failures', sa.Integer(), nullable=False),
    sa.Column('created_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('activated_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('expiry_warned_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_registrations_operator_id_operators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registrations'))
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index('ix_registrations_a_number_status', ['a_number', 'status'], unique=False)
        batch_op.create_index('ix_registrations_phone_status', ['phone', 'status'], unique=False)
        batch_op.create_index('uq_registrations_reference', ['reference'], unique=True)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('event_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sms_state', sa.String(length=12), nullable=True),
    sa.Column('sms_due_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('sms_claimed_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('sms_from', sa.String(length=32), nullable=True),
    sa.Column('sms_sid', sa.String(length=64), nullable=True),
    sa.Column('voice_state', sa.String(length=12), nullable=True),
    sa.Column('voice_due_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('voice_attempts', sa.Integer(), nullable=False),
    sa.Column('window_ends_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', models.base.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['custody_events.id'], name=op.f('fk_notifications_event_id_custody_events')),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_notifications_registration_id_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('registration_id', 'event_id', name='uq_notifications_registration_event')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_sms_state_due', ['sms_state', 'sms_due_at'], unique=False)
        batch_op.create_index('ix_notifications_voice_state_due', ['voice_state', 'voice_due_at'], unique=False)

    op.create_table('notification_attempts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('sid', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('answered_by', sa.String(length=32), nullable=True),
    sa.Column('pin_ok', sa.Boolean(), nullable=True),
    sa.Column('started_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notification_attempts_notification_id_notifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_attempts'))
    )
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_notification_attempts_notification_id', ['notification_id'], unique=False)
        batch_op.create_index('uq_notification_attempts_sid', ['sid'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('notification_attempts', schema=None) as batch_op:
        batch_op.drop_index('uq_notification_attempts_sid')
        batch_op.drop_index('ix_notification_attempts_notification_id')

    op.drop_table('notification_attempts')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_voice_state_due')
        batch_op.drop_index('ix_notifications_sms_state_due')

    op.drop_table('notifications')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_registrations_reference')
        batch_op.drop_index('ix_registrations_phone_status')
        batch_op.drop_index('ix_registrations_a_number_status')

    op.drop_table('registrations')
    op.drop_table('notification_cursors')
    op.drop_table("import_locks")
    with op.batch_alter_table("custody_records") as batch:
        batch.drop_column("protected")
