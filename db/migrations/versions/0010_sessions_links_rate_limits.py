"""server-side sessions, one-time account links, rate-limit hits, import ids, digests,
product line names unique whatever their case

Existing rows are kept: applications already submitted count as told to the channel
managers (they were notified one by one), and product lines whose names differ only in case
get a number after the later ones' names so that the new unique index can be built.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import db.types


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BigIntKey = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('user_sessions',
    sa.Column('id', BigIntKey, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=30), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('account_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_account_links_created_by_user_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_links_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_links_token_hash'))
    )
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_links_user_id'), ['user_id'], unique=False)

    op.create_table('rate_limit_hits',
    sa.Column('id', BigIntKey, nullable=False),
    sa.Column('bucket', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=254), nullable=False),
    sa.Column('at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_limit_hits'))
    )
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.create_index('ix_rate_limit_hits_bucket_key_at', ['bucket', 'key', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rate_limit_hits_at'), ['at'], unique=False)

    with op.batch_alter_table('direct_opportunities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_direct_opportunities_import_id'), ['import_id'], unique=False)

    with op.batch_alter_table('partner_applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digested_at', db.types.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE partner_applications SET digested_at = submitted_at")

    _number_case_duplicates()
    op.create_index('uq_product_lines_lower_name', 'product_lines', [sa.text('lower(name)')], unique=True)


def _number_case_duplicates() -> None:
    """"Race Line" and "race line": the first keeps its name, the next becomes "race line (2)"."""
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, name FROM product_lines ORDER BY id")).all()
    taken = {r.name.lower() for r in rows}
    seen: set[str] = set()
    for r in rows:
        key = r.name.lower()
        if key not in seen:
            seen.add(key)
            continue
        n = 2
        while f"{r.name[:90]} ({n})".lower() in taken:
            n += 1
        new = f"{r.name[:90]} ({n})"
        taken.add(new.lower())
        seen.add(new.lower())
        bind.execute(sa.text("UPDATE product_lines SET name = :n WHERE id = :i"),
                     {"n": new, "i": r.id})


def downgrade() -> None:
    op.drop_index('uq_product_lines_lower_name', table_name='product_lines')
    with op.batch_alter_table('partner_applications', schema=None) as batch_op:
        batch_op.drop_column('digested_at')
    with op.batch_alter_table('direct_opportunities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_direct_opportunities_import_id'))
        batch_op.drop_column('import_id')
    with op.batch_alter_table('rate_limit_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_hits_at'))
        batch_op.drop_index('ix_rate_limit_hits_bucket_key_at')
    op.drop_table('rate_limit_hits')
    with op.batch_alter_table('account_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_links_user_id'))
    op.drop_table('account_links')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
