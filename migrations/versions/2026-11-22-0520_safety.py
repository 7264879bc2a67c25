"""safety: alerts and their deliveries, the monitor's per-patient state and reminders, safety plans

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 05:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db
import app.security.crypto


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('rule', sa.String(length=40), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('value_enc', app.security.crypto.EncryptedBytes(), nullable=True),
    sa.Column('detail_enc', app.security.crypto.EncryptedBytes(), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tier_raised_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ack_due_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('overdue_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Uuid(), nullable=True),
    sa.Column('acknowledged_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ack_note_enc', app.security.crypto.EncryptedBytes(), nullable=True),
    sa.Column('resolved_by', sa.Uuid(), nullable=True),
    sa.Column('resolved_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolve_note_enc', app.security.crypto.EncryptedBytes(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by'], ['users.id'], name=op.f('fk_alerts_acknowledged_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_alerts_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_alerts_resolved_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_patient_status', ['patient_id', 'status'], unique=False)
        batch_op.create_index('ix_alerts_status_due', ['status', 'ack_due_at'], unique=False)
        batch_op.create_index('uq_alerts_active_rule', ['patient_id', 'rule'], unique=True, sqlite_where=sa.text("status != 'resolved'"), postgresql_where=sa.text("status != 'resolved'"))

    op.create_table('monitor_state',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('next_check_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_checked_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_activity_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('summary_enc', app.security.crypto.EncryptedBytes(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_monitor_state_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_monitor_state'))
    )
    with op.batch_alter_table('monitor_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitor_state_next_check_at'), ['next_check_at'], unique=False)

    op.create_table('reminders',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('outbox_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_reminders_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('patient_id', 'kind', 'key', name=op.f('uq_reminders_patient_id'))
    )

    op.create_table('safety_plans',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('content_enc', app.security.crypto.EncryptedBytes(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_safety_plans_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plans')),
    sa.UniqueConstraint('patient_id', name=op.f('uq_safety_plans_patient_id'))
    )

    op.create_table('alert_deliveries',
    sa.Column('alert_id', sa.Uuid(), nullable=False),
    sa.Column('recipient_user_id', sa.Uuid(), nullable=True),
    sa.Column('recipient_address', sa.String(length=254), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('outbox_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_alert_deliveries_alert_id_alerts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], name=op.f('fk_alert_deliveries_recipient_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_deliveries'))
    )
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_deliveries_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_deliveries_outbox_id'), ['outbox_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alert_deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_alert_deliveries_alert_id'))

    op.drop_table('alert_deliveries')
    op.drop_table('safety_plans')
    op.drop_table('reminders')
    with op.batch_alter_table('monitor_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitor_state_next_check_at'))

    op.drop_table('monitor_state')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('uq_alerts_active_rule', sqlite_where=sa.text("status != 'resolved'"), postgresql_where=sa.text("status != 'resolved'"))
        batch_op.drop_index('ix_alerts_status_due')
        batch_op.drop_index('ix_alerts_patient_status')

    op.drop_table('alerts')
