"""safety plan written together: the plan's version, and every version kept

Revision ID: d15s
Revises: d19a
Create Date: 2026-12-02 08:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db
import app.security.crypto

revision = 'd15s'
down_revision = 'd19a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('safety_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    op.create_table('safety_plan_versions',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Uuid(), nullable=True),
    sa.Column('author_role', sa.String(length=16), nullable=False),
    sa.Column('author_name_enc', app.security.crypto.EncryptedBytes(), nullable=True),
    sa.Column('content_enc', app.security.crypto.EncryptedBytes(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_safety_plan_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_safety_plan_versions_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_plan_versions')),
    sa.UniqueConstraint('patient_id', 'number', name='uq_safety_plan_versions_patient_number')
    )


def downgrade() -> None:
    op.drop_table('safety_plan_versions')
    with op.batch_alter_table('safety_plans', schema=None) as batch_op:
        batch_op.drop_column('version')
