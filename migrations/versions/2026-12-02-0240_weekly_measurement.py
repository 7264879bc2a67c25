"""weekly measurement: imported check-ins are marked; the end of treatment (end-of-treatment
check-in and follow-ups 4 and 12 weeks later)

Revision ID: c13a
Revises: c12a
Create Date: 2026-12-02 02:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db

revision = 'c13a'
down_revision = 'c12a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_at', app.db.UTCDateTime(timezone=True), nullable=True))

    op.create_table('treatment_ends',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('ended_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_treatment_ends_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_ends')),
    sa.UniqueConstraint('patient_id', name='uq_treatment_ends_patient_id')
    )


def downgrade() -> None:
    op.drop_table('treatment_ends')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_column('imported_at')
