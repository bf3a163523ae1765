"""partner shapes, updated_at, indexes

What a partner covers becomes rows of its own tables instead of JSON lists: regions and
industries (copied from each partner's JSON lists, in their order, then the JSON columns are
dropped), and, new, product lines (of the catalog) and territories (country, optional state,
optional postal-code prefix; a 64-bit key). Partners get parent_partner_id (a reseller's
distributor). Partners and end customers get updated_at, backfilled from the latest audited
change of the row, else its creation; it is indexed on them and on deal registrations and
direct opportunities, for a CRM that polls "changed since". Dashboards get an index on deal
registrations by (status, closed_on) that carries the final amount (INCLUDE on PostgreSQL,
a third key column on SQLite); the audit log gets (entity, entity_id) and (partner_id, at),
which replace its single-column indexes on entity and partner_id.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import db.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Longest code each new table holds; the copy refuses (and names the partner) rather than
# cutting a longer one.
REGION_LENGTH = 10
INDUSTRY_LENGTH = 60


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == 'postgresql'

    # The audit log first: the updated_at backfill below looks rows' events up by entity.
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_entity'))
        batch_op.drop_index(batch_op.f('ix_audit_events_partner_id'))
        batch_op.create_index('ix_audit_events_entity_entity_id', ['entity', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_events_partner_id_at', ['partner_id', 'at'], unique=False)

    op.create_table('partner_regions',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=REGION_LENGTH), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_regions_partner_id_partners')),
    sa.PrimaryKeyConstraint('partner_id', 'region', name=op.f('pk_partner_regions'))
    )
    with op.batch_alter_table('partner_regions', schema=None) as batch_op:
        batch_op.create_index('ix_partner_regions_region_partner_id', ['region', 'partner_id'], unique=False)

    op.create_table('partner_industries',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('industry', sa.String(length=INDUSTRY_LENGTH), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_industries_partner_id_partners')),
    sa.PrimaryKeyConstraint('partner_id', 'industry', name=op.f('pk_partner_industries'))
    )
    with op.batch_alter_table('partner_industries', schema=None) as batch_op:
        batch_op.create_index('ix_partner_industries_industry_partner_id', ['industry', 'partner_id'], unique=False)

    op.create_table('partner_product_lines',
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('product_line_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_product_lines_partner_id_partners')),
    sa.ForeignKeyConstraint(['product_line_id'], ['product_lines.id'], name=op.f('fk_partner_product_lines_product_line_id_product_lines')),
    sa.PrimaryKeyConstraint('partner_id', 'product_line_id', name=op.f('pk_partner_product_lines'))
    )
    with op.batch_alter_table('partner_product_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_product_lines_product_line_id'), ['product_line_id'], unique=False)

    op.create_table('partner_territories',
    sa.Column('id', db.types.BigIntKey, nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('postal_prefix', sa.String(length=10), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_partner_territories_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_territories'))
    )
    with op.batch_alter_table('partner_territories', schema=None) as batch_op:
        batch_op.create_index('ix_partner_territories_country_state', ['country', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_partner_territories_partner_id'), ['partner_id'], unique=False)

    _copy_partner_lists(bind)

    # updated_at: added empty (a plain ALTER on both databases), filled, then required.
    op.add_column('partners', sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=True))
    op.add_column('end_customers', sa.Column('updated_at', db.types.UTCDateTime(timezone=True), nullable=True))
    _backfill_updated_at(bind, 'partners', 'partner')
    _backfill_updated_at(bind, 'end_customers', 'end_customer')

    # One rebuild of partners on SQLite (PostgreSQL alters in place).
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=db.types.UTCDateTime(timezone=True), nullable=False)
        batch_op.add_column(sa.Column('parent_partner_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_partners_parent_partner_id_partners'), 'partners', ['parent_partner_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_partners_parent_partner_id'), ['parent_partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partners_updated_at'), ['updated_at'], unique=False)
        batch_op.drop_column('regions')
        batch_op.drop_column('industries')

    with op.batch_alter_table('end_customers', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=db.types.UTCDateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f('ix_end_customers_updated_at'), ['updated_at'], unique=False)

    # Registrations and direct opportunities had updated_at already: indexes only.
    with op.batch_alter_table('deal_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deal_registrations_updated_at'), ['updated_at'], unique=False)
        if pg:
            batch_op.create_index('ix_deal_registrations_status_closed_on', ['status', 'closed_on'], unique=False, postgresql_include=['final_amount'])
        else:
            batch_op.create_index('ix_deal_registrations_status_closed_on_final_amount', ['status', 'closed_on', 'final_amount'], unique=False)

    with op.batch_alter_table('direct_opportunities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_direct_opportunities_updated_at'), ['updated_at'], unique=False)

    _analyze(bind, pg)


def _analyze(bind, pg: bool) -> None:
    """Planner statistics for the tables filled or rebuilt here (the directory's region
    filter reads partner_regions by region only once they are known). On SQLite only where
    the database keeps statistics at all: its rebuilt tables lost theirs."""
    tables = ['partners', 'partner_regions', 'partner_industries', 'end_customers']
    if not pg and not bind.execute(sa.text(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first():
        return
    for table in tables:
        bind.execute(sa.text(f"ANALYZE {table}"))


def _codes(value, partner_id: int, what: str, longest: int) -> list[str]:
    """A JSON list as the app wrote it, read defensively: text trimmed, blanks and repeats
    left out (the first one keeps its place)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for item in value:
        code = str(item).strip()
        if not code or code in out:
            continue
        if len(code) > longest:
            raise RuntimeError(f"partner #{partner_id} has the {what} {code!r}, longer than "
                               f"{longest} characters: shorten it, then upgrade again")
        out.append(code)
    return out


def _copy_partner_lists(bind) -> None:
    """Each partner's JSON lists of regions and industries into rows, in the same order."""
    partners = sa.table('partners', sa.column('id', sa.Integer),
                        sa.column('regions', sa.JSON), sa.column('industries', sa.JSON))
    regions = sa.table('partner_regions', sa.column('partner_id', sa.Integer),
                       sa.column('region', sa.String), sa.column('position', sa.Integer))
    industries = sa.table('partner_industries', sa.column('partner_id', sa.Integer),
                          sa.column('industry', sa.String), sa.column('position', sa.Integer))
    region_rows, industry_rows = [], []
    for pid, region_list, industry_list in bind.execute(
            sa.select(partners.c.id, partners.c.regions, partners.c.industries)
            .order_by(partners.c.id)):
        region_rows += [dict(partner_id=pid, region=code, position=n) for n, code in
                        enumerate(_codes(region_list, pid, 'region', REGION_LENGTH))]
        industry_rows += [dict(partner_id=pid, industry=name, position=n) for n, name in
                          enumerate(_codes(industry_list, pid, 'industry', INDUSTRY_LENGTH))]
    for table, rows in ((regions, region_rows), (industries, industry_rows)):
        for start in range(0, len(rows), 5000):
            bind.execute(sa.insert(table), rows[start:start + 5000])


def _backfill_updated_at(bind, table: str, entity: str) -> None:
    """The time of the row's latest audited change when there is one after its creation
    (a profile edit, a tier change, a merge), else its creation time."""
    bind.execute(sa.text(f"UPDATE {table} SET updated_at = created_at"))
    latest = (f"SELECT max(a.at) FROM audit_events a WHERE a.entity = '{entity}' "
              f"AND a.entity_id = CAST({table}.id AS VARCHAR(40))")
    bind.execute(sa.text(f"UPDATE {table} SET updated_at = ({latest}) "
                         f"WHERE ({latest}) > created_at"))


def downgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == 'postgresql'
    with op.batch_alter_table('direct_opportunities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_direct_opportunities_updated_at'))

    with op.batch_alter_table('deal_registrations', schema=None) as batch_op:
        if pg:
            batch_op.drop_index('ix_deal_registrations_status_closed_on')
        else:
            batch_op.drop_index('ix_deal_registrations_status_closed_on_final_amount')
        batch_op.drop_index(batch_op.f('ix_deal_registrations_updated_at'))

    with op.batch_alter_table('end_customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_end_customers_updated_at'))
        batch_op.drop_column('updated_at')

    # The JSON lists come back from the rows (product lines and territories have no place
    # in the older schema and are dropped with their tables).
    op.add_column('partners', sa.Column('regions', sa.JSON(), nullable=True))
    op.add_column('partners', sa.Column('industries', sa.JSON(), nullable=True))
    _lists_from_rows(bind)
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.alter_column('regions', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('industries', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_partners_updated_at'))
        batch_op.drop_index(batch_op.f('ix_partners_parent_partner_id'))
        batch_op.drop_constraint(batch_op.f('fk_partners_parent_partner_id_partners'), type_='foreignkey')
        batch_op.drop_column('parent_partner_id')
        batch_op.drop_column('updated_at')

    with op.batch_alter_table('partner_territories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_territories_partner_id'))
        batch_op.drop_index('ix_partner_territories_country_state')
    op.drop_table('partner_territories')
    with op.batch_alter_table('partner_product_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_product_lines_product_line_id'))
    op.drop_table('partner_product_lines')
    with op.batch_alter_table('partner_industries', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_industries_industry_partner_id')
    op.drop_table('partner_industries')
    with op.batch_alter_table('partner_regions', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_regions_region_partner_id')
    op.drop_table('partner_regions')

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_partner_id_at')
        batch_op.drop_index('ix_audit_events_entity_entity_id')
        batch_op.create_index(batch_op.f('ix_audit_events_partner_id'), ['partner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_entity'), ['entity'], unique=False)


def _lists_from_rows(bind) -> None:
    partners = sa.table('partners', sa.column('id', sa.Integer),
                        sa.column('regions', sa.JSON), sa.column('industries', sa.JSON))
    lists: dict[int, dict[str, list[str]]] = {
        pid: {'regions': [], 'industries': []}
        for pid in bind.execute(sa.select(partners.c.id)).scalars()}
    for table, column, key in (('partner_regions', 'region', 'regions'),
                               ('partner_industries', 'industry', 'industries')):
        for pid, code in bind.execute(sa.text(
                f"SELECT partner_id, {column} FROM {table} ORDER BY partner_id, position")):
            lists[pid][key].append(code)
    if lists:
        bind.execute(sa.update(partners).where(partners.c.id == sa.bindparam('pid'))
                     .values(regions=sa.bindparam('r', type_=sa.JSON),
                             industries=sa.bindparam('i', type_=sa.JSON)),
                     [dict(pid=pid, r=v['regions'], i=v['industries'])
                      for pid, v in lists.items()])
