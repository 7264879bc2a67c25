"""alerts: an index on (status, created_at, id), the inbox's "longest waiting first" order

Revision ID: d18a
Revises: d15c
Create Date: 2026-12-03 10:00:00

The inbox's Open list reads the routine alerts oldest first and stops at its page (app/alerts/
views.py `_open_page`) instead of sorting every open alert. No tier in it (security.md item 7:
no index on a field with few values); status is the alert's workflow state, already indexed.
"""
from __future__ import annotations

from alembic import op

revision = 'd18a'
down_revision = 'd15c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_alerts_status_created', 'alerts', ['status', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_alerts_status_created', table_name='alerts')
