"""one send mechanism: outbound intents carry a claim; texts left "sending" by the old code get an intent

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    # An intent without a SID was being sent when the old code stopped: keep it claimed, so it is reconciled.
    op.execute("UPDATE outbound_messages SET claimed_at = intent_at WHERE twilio_sid IS NULL")
    # Texts the old code left in "sending" kept their own marks; give each an intent of unknown body (''),
    # so the next run asks Twilio's list for any text to that number before it sends again.
    op.execute(
        """
        INSERT INTO outbound_messages (key, channel, to_phone, from_phone, body_hash, intent_at, claimed_at)
        SELECT 'confirmation:' || id, 'sms', phone, '', '', created_at, created_at
        FROM callback_confirmations WHERE status = 'sending'
        """
    )
    op.execute(
        """
        INSERT INTO outbound_messages (key, channel, to_phone, from_phone, body_hash, intent_at, claimed_at)
        SELECT 'conversation-reply:' || m.id, 'sms', c.phone, '', '', m.at, m.at
        FROM conversation_messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.status = 'sending'
        """
    )
    op.execute(
        """
        INSERT INTO outbound_messages (key, channel, to_phone, from_phone, body_hash, intent_at, claimed_at)
        SELECT 'notification-text:' || n.id, 'sms', r.phone, '', '', n.sms_claimed_at, n.sms_claimed_at
        FROM notifications n JOIN registrations r ON r.id = n.registration_id
        WHERE n.sms_state = 'sending' AND n.sms_claimed_at IS NOT NULL
        """
    )


def downgrade() -> None:
    op.execute("DELETE FROM outbound_messages WHERE body_hash = ''")
    with op.batch_alter_table("outbound_messages") as batch:
        batch.drop_column("claimed_at")
