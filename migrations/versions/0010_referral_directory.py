"""referral directory: HSDS organizations, services, locations, hours, search entries, and referrals given

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-30 12:18:59.348223
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base


revision = '0010'
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('directory_hours',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('service_id', sa.String(length=100), nullable=True),
    sa.Column('location_id', sa.String(length=100), nullable=True),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.String(length=5), nullable=False),
    sa.Column('closes_at', sa.String(length=5), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_hours'))
    )
    with op.batch_alter_table('directory_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_hours_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_hours_service_id'), ['service_id'], unique=False)

    op.create_table('directory_locations',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('organization_id', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('state', sa.String(length=50), nullable=True),
    sa.Column('postal_code', sa.String(length=10), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('position_source', sa.String(length=8), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('updated_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_locations'))
    )
    with op.batch_alter_table('directory_locations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_locations_postal_code'), ['postal_code'], unique=False)

    op.create_table('directory_organizations',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('updated_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_organizations'))
    )
    op.create_table('directory_services',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('organization_id', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('email', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('terms', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('category_corrected', sa.Boolean(), nullable=False),
    sa.Column('languages', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('phone_extension', sa.String(length=16), nullable=True),
    sa.Column('updated_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_services'))
    )
    op.create_table('directory_entries',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('service_id', sa.String(length=100), nullable=False),
    sa.Column('location_id', sa.String(length=100), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('languages', sa.String(length=200), nullable=False),
    sa.Column('updated_at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['directory_locations.id'], name=op.f('fk_directory_entries_location_id_directory_locations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['directory_services.id'], name=op.f('fk_directory_entries_service_id_directory_services'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_entries'))
    )
    with op.batch_alter_table('directory_entries', schema=None) as batch_op:
        batch_op.create_index('ix_directory_entries_position', ['latitude', 'longitude'], unique=False)
        batch_op.create_index('ix_directory_entries_search', ['category', 'latitude', 'longitude'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_entries_service_id'), ['service_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.String(length=100), nullable=False),
    sa.Column('service_name', sa.String(length=300), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('at', models.base.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['callback_requests.id'], name=op.f('fk_referrals_request_id_callback_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_request_id'), ['request_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_request_id'))

    op.drop_table('referrals')
    with op.batch_alter_table('directory_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_entries_service_id'))
        batch_op.drop_index('ix_directory_entries_search')
        batch_op.drop_index('ix_directory_entries_position')

    op.drop_table('directory_entries')
    op.drop_table('directory_services')
    op.drop_table('directory_organizations')
    with op.batch_alter_table('directory_locations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_locations_postal_code'))

    op.drop_table('directory_locations')
    with op.batch_alter_table('directory_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_hours_service_id'))
        batch_op.drop_index(batch_op.f('ix_directory_hours_location_id'))

    op.drop_table('directory_hours')

