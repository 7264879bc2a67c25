"""privacy: consent records, e-mail changes awaiting confirmation, erasure requests

Revision ID: c17a
Revises: c16a
Create Date: 2026-12-02 02:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db
import app.security.crypto


revision = 'c17a'
down_revision = 'c16a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('consent_records',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('privacy_version', sa.String(length=32), nullable=False),
    sa.Column('terms_version', sa.String(length=32), nullable=False),
    sa.Column('at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_consent_records_user_id'), 'consent_records', ['user_id'], unique=False)
    op.create_table('email_changes',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('new_email_enc', app.security.crypto.EncryptedBytes(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_email_changes_user_id'), 'email_changes', ['user_id'], unique=False)
    op.create_table('erasure_requests',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('requested_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('erasure_requests')
    op.drop_index(op.f('ix_email_changes_user_id'), table_name='email_changes')
    op.drop_table('email_changes')
    op.drop_index(op.f('ix_consent_records_user_id'), table_name='consent_records')
    op.drop_table('consent_records')
