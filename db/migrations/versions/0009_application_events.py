"""application events, keyed locks

The applicant's timeline gets its own table, as deals and tier changes have theirs, instead of
being read from the audit log. Existing applications keep their history: each audit event of
an application becomes a timeline entry with the words the reviewers saw before.

The keyed_locks table: on SQLite a write to it takes the database's write lock for a service
that serializes a read-then-write (db.locks); PostgreSQL uses advisory locks instead.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""
import json

from alembic import op
import sqlalchemy as sa
import db.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# What the timeline said of each audited action (core.recruitment as of this revision).
_TEXT = {
    "submit": lambda a: f"Submitted by {a.get('contact_name')}.",
    "start_review": lambda a: "Review started.",
    "request_info": lambda a: f"More information requested: {a.get('info_request')}",
    "answer": lambda a: f"The applicant answered: {a.get('info_response')}",
    "reject": lambda a: f"Rejected. Internal reason: {a.get('rejection_reason')}",
    "approve": lambda a: (f"Approved: partner #{a.get('partner_id')} created, "
                          f"{a.get('tier')} tier, user {a.get('username')}."),
}


def upgrade() -> None:
    op.create_table('application_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_application_events_actor_user_id_users')),
    sa.ForeignKeyConstraint(['application_id'], ['partner_applications.id'], name=op.f('fk_application_events_application_id_partner_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_events'))
    )
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_events_application_id'), ['application_id'], unique=False)
    _copy_history()
    op.create_table('keyed_locks',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_keyed_locks'))
    )


def _copy_history() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT a.entity_id, a.at, a.actor_user_id, a.actor_role, a.actor_label, a.action, "
        "a.after, u.display_name FROM audit_events a LEFT JOIN users u ON u.id = a.actor_user_id "
        "WHERE a.entity = 'partner_application' AND a.action LIKE 'application.%' "
        "ORDER BY a.at, a.id").columns(at=db.types.UTCDateTime(timezone=True),
                                               after=sa.JSON)).all()
    events = []
    for r in rows:
        after = r.after if isinstance(r.after, dict) else json.loads(r.after or "{}")
        after = after or {}
        kind = r.action.removeprefix("application.")
        describe = _TEXT.get(kind)
        who = ("Applicant" if r.actor_user_id is None and r.actor_role == "anonymous"
               else r.display_name or r.actor_label)
        events.append({"application_id": int(r.entity_id), "at": r.at,
                       "actor_user_id": r.actor_user_id, "actor_label": (who or "")[:120],
                       "kind": kind[:30], "text": describe(after) if describe else r.action})
    if events:
        table = sa.table("application_events", sa.column("application_id"),
                         sa.column("at", db.types.UTCDateTime(timezone=True)),
                         sa.column("actor_user_id"), sa.column("actor_label"),
                         sa.column("kind"), sa.column("text"))
        op.bulk_insert(table, events)


def downgrade() -> None:
    op.drop_table('keyed_locks')
    with op.batch_alter_table('application_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_events_application_id'))
    op.drop_table('application_events')
