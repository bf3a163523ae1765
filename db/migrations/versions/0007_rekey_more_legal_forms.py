"""rekey more legal forms

Data only. Company names now shed legal forms cleanco leaves on (Abp, N.A., Tbk, PJSC,
S.A.B. de C.V., AB (publ), S/A, a bank's "National Association"): rows already written with
such a name get the normalized name, the matcher's stored form and the key-index entries
the services write today, so old and new spellings of one company meet.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# A loose pre-filter on the lowered name: only these rows are normalized again.
_TAIL = re.compile(r"(?:abp|na|n\.a|tbk|jsc|c\.?v|publ|s\s*/\s*a|national association)"
                   r"\W*$")

# (table, name column, normalized-name column, stored-form column, end-customer column)
_TABLES = (
    ("end_customers", "name", "normalized_name", None, "id"),
    ("deal_registrations", "customer_name", "customer_key", "customer_name_form",
     "end_customer_id"),
    ("direct_opportunities", "account_name", "customer_key", "account_name_form",
     "end_customer_id"),
    ("partner_applications", "company_name", "normalized_name", None, None),
)


def upgrade() -> None:
    from core.customers.matching import name_form, name_key, retrieval_keys
    from core.customers.names import normalize_name

    bind = op.get_bind()
    entries = set()
    for table, name_col, norm_col, form_col, customer_col in _TABLES:
        customer = customer_col or "NULL"
        rows = [r for r in bind.execute(sa.text(
            f"SELECT id, {name_col} AS name, {customer} AS customer FROM {table}"))
            if _TAIL.search(r.name.lower())]
        if not rows:
            continue
        sets = f"{norm_col} = :norm" + (f", {form_col} = :form" if form_col else "")
        bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), [
            {"id": r.id, "norm": normalize_name(r.name), "form": name_form(name_key(r.name))}
            for r in rows])
        entries |= {(k, r.customer) for r in rows if r.customer is not None
                    for k in retrieval_keys(name_key(r.name))}
    if entries:
        bind.execute(sa.text("INSERT INTO end_customer_keys (key, end_customer_id) "
                             "VALUES (:key, :cid) ON CONFLICT DO NOTHING"),
                     [{"key": k, "cid": c} for k, c in sorted(entries)])


def downgrade() -> None:
    # The older forms were a weaker reading of the same names; nothing to undo.
    pass
