"""deal registration

End customers, the product catalog (with a starting set of product lines), deal registrations
with their timeline, and direct opportunities. New tables only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa
import db.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('end_customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('normalized_name', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_end_customers'))
    )
    with op.batch_alter_table('end_customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_end_customers_domain'), ['domain'], unique=False)
        batch_op.create_index('ix_end_customers_normalized_name_country', ['normalized_name', 'country'], unique=False)

    product_lines = op.create_table('product_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_lines')),
    sa.UniqueConstraint('name', name=op.f('uq_product_lines_name'))
    )
    # A starting catalog, so that a new installation can register deals at once; the admin
    # renames or deactivates lines on the catalog page.
    op.bulk_insert(product_lines, [
        dict(name=name, active=True) for name in (
            'Core Platform', 'Analytics', 'Security Suite', 'Cloud Backup',
            'Integration Hub', 'Professional Services', 'Premium Support',
        )
    ])
    op.create_table('direct_opportunities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('end_customer_id', sa.Integer(), nullable=False),
    sa.Column('account_name', sa.String(length=200), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('domain', sa.String(length=253), nullable=True),
    sa.Column('customer_key', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('amount', db.types.Money(), nullable=False),
    sa.Column('close_date', sa.Date(), nullable=False),
    sa.Column('owner_email', sa.String(length=254), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('imported_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['end_customer_id'], ['end_customers.id'], name=op.f('fk_direct_opportunities_end_customer_id_end_customers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_direct_opportunities')),
    sa.UniqueConstraint('external_id', name=op.f('uq_direct_opportunities_external_id'))
    )
    with op.batch_alter_table('direct_opportunities', schema=None) as batch_op:
        batch_op.create_index('ix_direct_opportunities_customer_key_country', ['customer_key', 'country'], unique=False)
        batch_op.create_index(batch_op.f('ix_direct_opportunities_domain'), ['domain'], unique=False)
        batch_op.create_index(batch_op.f('ix_direct_opportunities_end_customer_id'), ['end_customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_direct_opportunities_status'), ['status'], unique=False)

    op.create_table('deal_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('registered_by_user_id', sa.Integer(), nullable=False),
    sa.Column('owner_user_id', sa.Integer(), nullable=False),
    sa.Column('end_customer_id', sa.Integer(), nullable=False),
    sa.Column('customer_name', sa.String(length=200), nullable=False),
    sa.Column('customer_website', sa.String(length=300), nullable=True),
    sa.Column('customer_domain', sa.String(length=253), nullable=True),
    sa.Column('customer_key', sa.String(length=200), nullable=False),
    sa.Column('customer_country', sa.String(length=2), nullable=False),
    sa.Column('customer_state', sa.String(length=100), nullable=True),
    sa.Column('region', sa.String(length=10), nullable=True),
    sa.Column('contact_name', sa.String(length=120), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_title', sa.String(length=120), nullable=True),
    sa.Column('product_line_ids', sa.JSON(), nullable=False),
    sa.Column('estimated_value', db.types.Money(), nullable=False),
    sa.Column('final_amount', db.types.Money(), nullable=True),
    sa.Column('expected_close_date', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('conflict', sa.Boolean(), nullable=False),
    sa.Column('submitted_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('protection_days', sa.Integer(), nullable=True),
    sa.Column('protection_ends_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('extension_status', sa.String(length=10), nullable=True),
    sa.Column('extension_requested_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lost_reason', sa.String(length=500), nullable=True),
    sa.Column('rejection_reason', sa.String(length=1000), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_deal_registrations_decided_by_user_id_users')),
    sa.ForeignKeyConstraint(['end_customer_id'], ['end_customers.id'], name=op.f('fk_deal_registrations_end_customer_id_end_customers')),
    sa.ForeignKeyConstraint(['merged_into_id'], ['deal_registrations.id'], name=op.f('fk_deal_registrations_merged_into_id_deal_registrations')),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name=op.f('fk_deal_registrations_owner_user_id_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_deal_registrations_partner_id_partners')),
    sa.ForeignKeyConstraint(['registered_by_user_id'], ['users.id'], name=op.f('fk_deal_registrations_registered_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_registrations'))
    )
    with op.batch_alter_table('deal_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_registrations_customer_domain'), ['customer_domain'], unique=False)
        batch_op.create_index('ix_deal_registrations_customer_key_customer_country', ['customer_key', 'customer_country'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_end_customer_id'), ['end_customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_owner_user_id'), ['owner_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index('ix_deal_registrations_partner_id_status_closed_on', ['partner_id', 'status', 'closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_region'), ['region'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_status'), ['status'], unique=False)
        batch_op.create_index('ix_deal_registrations_status_protection_ends_at', ['status', 'protection_ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deal_registrations_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('deal_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=False),
    sa.Column('at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('visible_to_partner', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_deal_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['deal_id'], ['deal_registrations.id'], name=op.f('fk_deal_events_deal_id_deal_registrations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deal_events'))
    )
    with op.batch_alter_table('deal_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_events_deal_id'), ['deal_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deal_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_events_deal_id'))

    op.drop_table('deal_events')
    with op.batch_alter_table('deal_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deal_registrations_submitted_at'))
        batch_op.drop_index('ix_deal_registrations_status_protection_ends_at')
        batch_op.drop_index(batch_op.f('ix_deal_registrations_status'))
        batch_op.drop_index(batch_op.f('ix_deal_registrations_region'))
        batch_op.drop_index('ix_deal_registrations_partner_id_status_closed_on')
        batch_op.drop_index(batch_op.f('ix_deal_registrations_partner_id'))
        batch_op.drop_index(batch_op.f('ix_deal_registrations_owner_user_id'))
        batch_op.drop_index(batch_op.f('ix_deal_registrations_end_customer_id'))
        batch_op.drop_index('ix_deal_registrations_customer_key_customer_country')
        batch_op.drop_index(batch_op.f('ix_deal_registrations_customer_domain'))

    op.drop_table('deal_registrations')
    with op.batch_alter_table('direct_opportunities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_direct_opportunities_status'))
        batch_op.drop_index(batch_op.f('ix_direct_opportunities_end_customer_id'))
        batch_op.drop_index(batch_op.f('ix_direct_opportunities_domain'))
        batch_op.drop_index('ix_direct_opportunities_customer_key_country')

    op.drop_table('direct_opportunities')
    op.drop_table('product_lines')
    with op.batch_alter_table('end_customers', schema=None) as batch_op:
        batch_op.drop_index('ix_end_customers_normalized_name_country')
        batch_op.drop_index(batch_op.f('ix_end_customers_domain'))

    op.drop_table('end_customers')
