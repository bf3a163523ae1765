"""leads in the scorecard facts: offers made, accepted, ended and lapsed, minutes to answer,
leads converted and disqualified, per partner and month

Adds the columns to the month facts and the period totals (0 for every existing row; no lead
existed before 0015's tables, which start empty), and widens the month facts' covering index.
Nothing is removed.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

INDEX = "ix_partner_month_facts_month_measures"
BEFORE = ("registrations", "pipeline", "approved", "rejected", "won", "won_amount", "won_days",
          "lost", "courses_completed")
LEAD_MEASURES = ("lead_offers", "lead_accepted", "lead_ended", "lead_lapsed",
                 "lead_answer_minutes", "lead_converted", "lead_disqualified")


def upgrade() -> None:
    with op.batch_alter_table('partner_month_facts', schema=None) as batch_op:
        for name in LEAD_MEASURES:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default='0'))
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ['month', 'partner_id', *BEFORE, *LEAD_MEASURES],
                              unique=False)
    with op.batch_alter_table('partner_period_totals', schema=None) as batch_op:
        for name in LEAD_MEASURES:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('partner_period_totals', schema=None) as batch_op:
        for name in LEAD_MEASURES:
            batch_op.drop_column(name)
    with op.batch_alter_table('partner_month_facts', schema=None) as batch_op:
        batch_op.drop_index(INDEX)
        batch_op.create_index(INDEX, ['month', 'partner_id', *BEFORE], unique=False)
        for name in LEAD_MEASURES:
            batch_op.drop_column(name)
