"""caseload: one stored row per patient for the clinician's dashboard, filled for existing patients

Revision ID: d15c
Revises: d15p
Create Date: 2026-12-03 09:15:00

The upgrade fills the table from the tables it summarises (plain columns only: alert tiers,
statuses and rules, times, counts), with the same definitions as app/caseload/service.py
`compute` as of this revision, so an upgraded deployment shows a correct dashboard at once.
`icbt rebuild-caseload` recomputes the rows with the application's own code at any time.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import app.db

revision = 'd15c'
down_revision = 'd15p'
branch_labels = None
depends_on = None

ORDER = [sa.text('top_rank DESC'), sa.text('started DESC'), sa.text('last_activity_at DESC'), 'patient_id']


def upgrade() -> None:
    op.create_table('caseload_rows',
    sa.Column('patient_id', sa.Uuid(), nullable=False),
    sa.Column('top_rank', sa.SmallInteger(), nullable=False),
    sa.Column('open_emergency', sa.Integer(), nullable=False),
    sa.Column('open_urgent', sa.Integer(), nullable=False),
    sa.Column('open_routine', sa.Integer(), nullable=False),
    sa.Column('active_alerts', sa.Integer(), nullable=False),
    sa.Column('not_on_track', sa.Boolean(), nullable=False),
    sa.Column('disengaged', sa.Boolean(), nullable=False),
    sa.Column('checkin_overdue', sa.Boolean(), nullable=False),
    sa.Column('started', sa.Boolean(), nullable=False),
    sa.Column('last_activity_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_review_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('review_due_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('modules_completed', sa.Integer(), nullable=False),
    sa.Column('clinicians', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'], name=op.f('fk_caseload_rows_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('patient_id', name=op.f('pk_caseload_rows'))
    )
    op.create_index('ix_caseload_rows_order', 'caseload_rows', ORDER, unique=False)
    op.create_index('ix_caseload_rows_review_due', 'caseload_rows', ['review_due_at', 'patient_id'], unique=False)
    op.create_index('ix_caseload_rows_unassigned', 'caseload_rows', ORDER, unique=False,
                    sqlite_where=sa.text('clinicians = 0'), postgresql_where=sa.text('clinicians = 0'))
    _fill()


def downgrade() -> None:
    op.drop_index('ix_caseload_rows_unassigned', table_name='caseload_rows')
    op.drop_index('ix_caseload_rows_review_due', table_name='caseload_rows')
    op.drop_index('ix_caseload_rows_order', table_name='caseload_rows')
    op.drop_table('caseload_rows')


# ---------------------------------------------------------------- filling it for existing patients

T = app.db.UTCDateTime(timezone=True)
users = sa.table('users', sa.column('id', sa.Uuid()), sa.column('role', sa.String()),
                 sa.column('enrolled_at', T), sa.column('created_at', T))
alerts = sa.table('alerts', sa.column('patient_id', sa.Uuid()), sa.column('tier', sa.String()),
                  sa.column('status', sa.String()), sa.column('rule', sa.String()))
monitor = sa.table('monitor_state', sa.column('patient_id', sa.Uuid()), sa.column('last_activity_at', T))
guided = sa.table('guided_states', sa.column('patient_id', sa.Uuid()), sa.column('next_review_at', T),
                  sa.column('episode_status', sa.String()))
progress = sa.table('module_progress', sa.column('patient_id', sa.Uuid()), sa.column('completed_at', T))
assignments = sa.table('assignments', sa.column('patient_id', sa.Uuid()))
rows = sa.table('caseload_rows', sa.column('patient_id', sa.Uuid()),
                *(sa.column(c, sa.Integer()) for c in ('top_rank', 'open_emergency', 'open_urgent', 'open_routine',
                                                      'active_alerts', 'modules_completed', 'clinicians')),
                *(sa.column(c, sa.Boolean()) for c in ('not_on_track', 'disengaged', 'checkin_overdue', 'started')),
                sa.column('last_activity_at', T), sa.column('next_review_at', T), sa.column('review_due_at', T))
RANK = {'emergency': 3, 'urgent': 2, 'routine': 1}
ENDED = ('finished', 'dropped_out', 'stepped_up', 'discharged')
RULES = {'not_on_track': 'not_on_track', 'disengaged': 'disengaged', 'missed_checkin': 'checkin_overdue'}


def _fill() -> None:
    from app.config import get_settings

    conn = op.get_bind()
    step = timedelta(days=get_settings().review_interval_days)
    out = {}
    for pid, enrolled, created in conn.execute(
            sa.select(users.c.id, users.c.enrolled_at, users.c.created_at).where(users.c.role == 'patient')):
        at = (enrolled or created) + step
        out[pid] = {'patient_id': pid, 'top_rank': 0, 'open_emergency': 0, 'open_urgent': 0, 'open_routine': 0,
                    'active_alerts': 0, 'not_on_track': False, 'disengaged': False, 'checkin_overdue': False,
                    'started': False, 'last_activity_at': None, 'next_review_at': at, 'review_due_at': at,
                    'modules_completed': 0, 'clinicians': 0}
    for pid, tier, status, rule, n in conn.execute(
            sa.select(alerts.c.patient_id, alerts.c.tier, alerts.c.status, alerts.c.rule, sa.func.count())
            .where(alerts.c.status.in_(('open', 'acknowledged')))
            .group_by(alerts.c.patient_id, alerts.c.tier, alerts.c.status, alerts.c.rule)):
        r = out.get(pid)
        if r is None:
            continue
        r['active_alerts'] += n
        if rule in RULES:
            r[RULES[rule]] = True
        if status == 'open' and tier in RANK:
            r[f'open_{tier}'] += n
            r['top_rank'] = max(r['top_rank'], RANK[tier])
    for pid, last in conn.execute(sa.select(monitor.c.patient_id, monitor.c.last_activity_at)):
        if pid in out:
            out[pid]['last_activity_at'], out[pid]['started'] = last, last is not None
    for pid, next_at, status in conn.execute(
            sa.select(guided.c.patient_id, guided.c.next_review_at, guided.c.episode_status)):
        if pid in out:
            out[pid]['next_review_at'] = next_at
            out[pid]['review_due_at'] = None if status in ENDED else next_at
    for pid, n in conn.execute(sa.select(progress.c.patient_id, sa.func.count())
                               .where(progress.c.completed_at.is_not(None)).group_by(progress.c.patient_id)):
        if pid in out:
            out[pid]['modules_completed'] = n
    for pid, n in conn.execute(sa.select(assignments.c.patient_id, sa.func.count())
                               .group_by(assignments.c.patient_id)):
        if pid in out:
            out[pid]['clinicians'] = n
    values = list(out.values())
    for i in range(0, len(values), 1000):
        conn.execute(rows.insert(), values[i:i + 1000])
