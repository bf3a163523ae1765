"""Re-keying rows whose company names the matcher now reads otherwise (data migrations 0007
and 0027): the normalized name, the matcher's stored form and the key-index entries the
services write today. Old index entries stay: they only add candidates, which the scoring
judges."""

from collections.abc import Callable

import sqlalchemy as sa

# (table, name column, normalized-name column, stored-form column, end-customer column), as
# the schema had them at 0007: migrations replay this list, so it does not grow with the
# schema; a later table gets a list of its own.
TABLES_AT_0007 = (
    ("end_customers", "name", "normalized_name", None, "id"),
    ("deal_registrations", "customer_name", "customer_key", "customer_name_form",
     "end_customer_id"),
    ("direct_opportunities", "account_name", "customer_key", "account_name_form",
     "end_customer_id"),
    ("partner_applications", "company_name", "normalized_name", None, None),
)


def rekey(bind, wanted: Callable[[str], bool], tables=TABLES_AT_0007) -> None:
    """Every row whose lowered name `wanted` picks (a loose pre-filter) is keyed again; not
    a customer merged into another (a merge moved its keys to the record it was kept as)."""
    from core.customers.matching import name_form, name_key, retrieval_keys
    from core.customers.names import normalize_name

    entries = set()
    for table, name_col, norm_col, form_col, customer_col in tables:
        customer = customer_col or "NULL"
        kept = " WHERE merged_into_id IS NULL" if table == "end_customers" else ""
        rows = [r for r in bind.execute(sa.text(
            f"SELECT id, {name_col} AS name, {customer} AS customer FROM {table}{kept}"))
            if wanted(r.name.lower())]
        if not rows:
            continue
        keys = [name_key(r.name) for r in rows]  # read once: the cache is smaller than a table
        sets = f"{norm_col} = :norm" + (f", {form_col} = :form" if form_col else "")
        bind.execute(sa.text(f"UPDATE {table} SET {sets} WHERE id = :id"), [
            {"id": r.id, "norm": normalize_name(r.name), "form": name_form(key)}
            for r, key in zip(rows, keys, strict=True)])
        entries |= {(k, r.customer) for r, key in zip(rows, keys, strict=True)
                    if r.customer is not None for k in retrieval_keys(key)}
    if entries:
        bind.execute(sa.text("INSERT INTO end_customer_keys (key, end_customer_id) "
                             "VALUES (:key, :cid) ON CONFLICT DO NOTHING"),
                     [{"key": k, "cid": c} for k, c in sorted(entries)])
