"""reminders: reminder preferences (time zone, quiet hours) and web-push subscriptions

Revision ID: c16a
Revises: c15a
Create Date: 2026-12-02 02:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db
import app.security.crypto


revision = 'c16a'
down_revision = 'c15a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reminder_prefs',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('remind_at', sa.String(length=5), nullable=True),
    sa.Column('checkin', sa.Boolean(), nullable=False),
    sa.Column('module_open', sa.Boolean(), nullable=False),
    sa.Column('diary_at', sa.String(length=5), nullable=True),
    sa.Column('messages', sa.Boolean(), nullable=False),
    sa.Column('reengage', sa.Boolean(), nullable=False),
    sa.Column('weekly_summary', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.String(length=5), nullable=True),
    sa.Column('quiet_end', sa.String(length=5), nullable=True),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_reminder_prefs_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_reminder_prefs'))
    )
    op.create_table('push_subscriptions',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('endpoint_hash', sa.String(length=64), nullable=False),
    sa.Column('endpoint_enc', app.security.crypto.EncryptedBytes(), nullable=False),
    sa.Column('keys_enc', app.security.crypto.EncryptedBytes(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_ok_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_push_subscriptions_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_subscriptions')),
    sa.UniqueConstraint('endpoint_hash', name=op.f('uq_push_subscriptions_endpoint_hash'))
    )
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_push_subscriptions_patient_id'), ['patient_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('push_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_push_subscriptions_patient_id'))
    op.drop_table('push_subscriptions')
    op.drop_table('reminder_prefs')
