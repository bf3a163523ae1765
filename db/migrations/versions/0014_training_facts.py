"""training in the scorecard facts: courses completed per partner and month

Adds `courses_completed` to the month facts and the period totals (0 for every existing row),
fills the month facts from the course completions already recorded, and marks the kept
periods "building", so that readers sum the month facts until the "analytics-facts" job (or
`python -m core.analytics rebuild`) has kept them again. Nothing is removed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28
"""
from collections import Counter
from datetime import date
from decimal import Decimal

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

MEASURES = ("registrations", "pipeline", "approved", "rejected", "won", "won_amount",
            "won_days", "lost")
INDEX = "ix_partner_month_facts_month_measures"


def upgrade() -> None:
    with op.batch_alter_table('partner_month_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('courses_completed', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ['month', 'partner_id', *MEASURES, 'courses_completed'],
                              unique=False)
    with op.batch_alter_table('partner_period_totals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('courses_completed', sa.Integer(), nullable=False,
                                      server_default='0'))
    _fill_from_completions()
    op.execute("UPDATE analytics_periods SET state = 'building'")


def _fill_from_completions() -> None:
    completions = sa.table('course_completions', sa.column('partner_id', sa.Integer),
                           sa.column('completed_at', db.types.UTCDateTime))
    facts = sa.table('partner_month_facts', sa.column('partner_id', sa.Integer),
                     sa.column('month', sa.Date),
                     *(sa.column(m, db.types.Money if m in ("pipeline", "won_amount")
                                 else sa.Integer) for m in MEASURES),
                     sa.column('courses_completed', sa.Integer))
    bind = op.get_bind()
    counts = Counter((partner_id, date(at.year, at.month, 1)) for partner_id, at in bind.execute(
        sa.select(completions.c.partner_id, completions.c.completed_at)
        .where(completions.c.partner_id.is_not(None))))
    for (partner_id, month), count in sorted(counts.items()):
        moved = bind.execute(sa.update(facts).where(
            facts.c.partner_id == partner_id, facts.c.month == month)
            .values(courses_completed=count)).rowcount
        if not moved:
            zeros = {m: Decimal(0) if m in ("pipeline", "won_amount") else 0 for m in MEASURES}
            bind.execute(sa.insert(facts).values(partner_id=partner_id, month=month,
                                                 courses_completed=count, **zeros))


def downgrade() -> None:
    with op.batch_alter_table('partner_period_totals', schema=None) as batch_op:
        batch_op.drop_column('courses_completed')
    with op.batch_alter_table('partner_month_facts', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ['month', 'partner_id', *MEASURES], unique=False)
        batch_op.drop_column('courses_completed')
