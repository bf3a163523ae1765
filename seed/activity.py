"""Demo sign-ins: partner users sign in now and then over the last months, so that scorecards
have active users. Written as a sign-in writes them (the audit event and UserSignedIn, which
the scorecard facts follow), without the password check a real one does (bcrypt at the demo's
cost would take minutes). Deterministic."""

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, events
from core.accounts import UserSignedIn
from core.accounts.records import actor_of
from db.models import Partner, User

SEED = 1514
DAYS = 200


def seed_sign_ins(db: Session, *, now: datetime) -> int:
    """A few sign-ins a month for most active partners' users; some users stopped a while ago
    (so health has something to fall on). Returns how many."""
    rng = random.Random(SEED)
    users = db.scalars(select(User).join(Partner, Partner.id == User.partner_id)
                       .where(User.is_active, Partner.status == "active")
                       .order_by(User.id)).all()
    count = 0
    for user in users:
        quiet_since = rng.choice([0, 0, 0, 30, 90])  # days before now it stopped signing in
        moments = sorted(now - timedelta(days=rng.uniform(quiet_since, DAYS),
                                         minutes=rng.randint(0, 600))
                         for _ in range(rng.randint(0, 12)))
        for at in moments:
            actor = actor_of(user)
            audit.record(db, actor, "auth.login", "user", user.id, now=at)
            events.publish(db, UserSignedIn(actor=actor, at=at, user_id=user.id,
                                            partner_id=user.partner_id))
            count += 1
    db.flush()
    return count
