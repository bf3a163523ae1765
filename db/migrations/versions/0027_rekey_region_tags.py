"""rekey region tags and more legal forms

Data only. The matcher now drops a region tag after a name ("Acme - EMEA"), reads legal
forms written out in full (Aktiengesellschaft) as generic words and "Soc." as Society;
normalized names shed a Mexican "S. de R.L. (de C.V.)" and an Indian "Pvt." left before
"Limited". Rows already written with such a name get the normalized name, the matcher's
stored form and the key-index entries the services write today, so "Acme - EMEA" and "Acme"
find each other. Old entries stay: they only add candidates, which the scoring judges.

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-29
"""
import re

from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# A loose pre-filter on the lowered name: only these rows are keyed again.
_WORDS = re.compile(r"\b(?:emea|apac|americas|latam|dach|nordics|benelux|anz|"
                    r"aktiengesellschaft|gesellschaft|soc|pvt|r\.?\s*l|na|eu)\b")


def upgrade() -> None:
    from db.rekey import rekey

    rekey(op.get_bind(), lambda name: bool(_WORDS.search(name)))


def downgrade() -> None:
    # The older keys were a weaker reading of the same names; nothing to undo.
    pass
