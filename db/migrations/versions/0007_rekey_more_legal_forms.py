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


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# A loose pre-filter on the lowered name: only these rows are normalized again.
_TAIL = re.compile(r"(?:abp|na|n\.a|tbk|jsc|c\.?v|publ|s\s*/\s*a|national association)"
                   r"\W*$")


def upgrade() -> None:
    from db.rekey import rekey

    rekey(op.get_bind(), lambda name: bool(_TAIL.search(name)))


def downgrade() -> None:
    # The older forms were a weaker reading of the same names; nothing to undo.
    pass
