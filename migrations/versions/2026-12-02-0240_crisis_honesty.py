"""crisis honesty (issue 12): what was done on acknowledging an alert, and patients' contact details

Revision ID: c12a
Revises: 0005
Create Date: 2026-12-02 02:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db
import app.security.crypto


revision = 'c12a'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alerts') as batch:
        batch.add_column(sa.Column('ack_action_enc', app.security.crypto.EncryptedBytes(), nullable=True))
        batch.add_column(sa.Column('resolve_action_enc', app.security.crypto.EncryptedBytes(), nullable=True))
    op.create_table('patient_contacts',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('content_enc', app.security.crypto.EncryptedBytes(), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_patient_contacts_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_contacts')),
    sa.UniqueConstraint('patient_id', name=op.f('uq_patient_contacts_patient_id'))
    )


def downgrade() -> None:
    op.drop_table('patient_contacts')
    with op.batch_alter_table('alerts') as batch:
        batch.drop_column('resolve_action_enc')
        batch.drop_column('ack_action_enc')
