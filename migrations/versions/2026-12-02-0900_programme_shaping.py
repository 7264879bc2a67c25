"""programme shaping: modules a clinician holds for one patient, and each patient's own release interval

Revision ID: d15p
Revises: d15s
Create Date: 2026-12-03 09:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db
import app.security.crypto

revision = 'd15p'
down_revision = 'd15s'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('module_holds',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('module_slug', sa.String(length=64), nullable=False),
    sa.Column('note_id', sa.Uuid(), nullable=False),
    sa.Column('message_enc', app.security.crypto.EncryptedBytes(), nullable=True),
    sa.Column('held_by', sa.Uuid(), nullable=True),
    sa.Column('held_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('released_by', sa.Uuid(), nullable=True),
    sa.Column('released_how', sa.String(length=16), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['held_by'], ['users.id'], name=op.f('fk_module_holds_held_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['note_id'], ['clinical_notes.id'], name=op.f('fk_module_holds_note_id_clinical_notes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_module_holds_patient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['released_by'], ['users.id'], name=op.f('fk_module_holds_released_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_holds'))
    )
    with op.batch_alter_table('module_holds', schema=None) as batch_op:
        batch_op.create_index('ix_module_holds_patient_module', ['patient_id', 'module_slug'], unique=False)

    op.create_table('module_interval_changes',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=True),
    sa.Column('changed_by', sa.Uuid(), nullable=True),
    sa.Column('changed_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by'], ['users.id'], name=op.f('fk_module_interval_changes_changed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_module_interval_changes_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_module_interval_changes')),
    sa.UniqueConstraint('patient_id', 'seq', name='uq_module_interval_changes_patient_seq')
    )


def downgrade() -> None:
    op.drop_table('module_interval_changes')
    with op.batch_alter_table('module_holds', schema=None) as batch_op:
        batch_op.drop_index('ix_module_holds_patient_module')
    op.drop_table('module_holds')
