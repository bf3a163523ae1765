"""`python -m bench.training [--database-url URL] [--repeat N]`: the training views at whatever
scale the database holds (the reference scale's training, 20,000 partner users x 30 courses of
progress, comes from `python -m seed --scale`): the channel manager's certifications expiring
within 30, 60 and 90 days, and a partner admin's team view, each beside the bare query doing
the same work. Never passes or fails on time."""

import argparse
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bench.common import timed
from core.accounts.records import actor_of
from core.memory import settle_memory
from core.settings import get_settings
from core.training import expiring, team_progress
from db.migrate import upgrade
from db.models import Certification, ModuleProgress, User
from db.session import make_engine
from db.types import utcnow

BARE_EXPIRING = (
    "SELECT c.id, u.display_name, p.id, p.name, t.name, c.expires_at FROM certifications c "
    "JOIN users u ON u.id = c.user_id JOIN partners p ON p.id = c.partner_id "
    "JOIN certification_tracks t ON t.id = c.track_id "
    "WHERE c.expires_at > :now AND c.expires_at <= :until AND c.revoked_at IS NULL "
    "ORDER BY c.expires_at, c.id LIMIT 500")
BARE_TEAM = (
    "SELECT mp.user_id, cm.course_id, COUNT(*) FROM module_progress mp "
    "JOIN course_modules cm ON cm.id = mp.module_id "
    "WHERE mp.user_id IN (SELECT id FROM users WHERE partner_id = :partner) "
    "GROUP BY mp.user_id, cm.course_id")


def bench_training(db: Session, repeat: int = 5) -> None:
    now = utcnow()
    reads = db.scalar(select(func.count()).select_from(ModuleProgress))
    certs = db.scalar(select(func.count()).select_from(Certification))
    print(f"training: {reads:,} module reads, {certs:,} certifications")
    manager = db.scalar(select(User).where(User.role == "channel_manager").order_by(User.id))
    admin = db.scalar(select(User).where(User.role == "partner_admin").order_by(User.id))
    if manager is None or admin is None:
        print("  (no channel manager or partner admin: nothing to time)")
        return
    desk, team = actor_of(manager), actor_of(admin)
    for days in (30, 60, 90):
        print(f"certifications expiring within {days} days (the channel manager's view)")
        found = timed("core.training.expiring", lambda d=days: expiring(db, desk, d, now=now),
                      repeat)
        timed("bare SQL", lambda d=days: db.execute(text(BARE_EXPIRING), {
            "now": now, "until": now + timedelta(days=d)}).all(), repeat)
        del found
    rows = len(team_progress(db, team))
    print(f"a partner admin's team view ({rows} learner-course rows)")
    timed("core.training.team_progress", lambda: team_progress(db, team), repeat)
    timed("bare SQL (modules read only)", lambda: db.execute(
        text(BARE_TEAM), {"partner": admin.partner_id}).all(), repeat)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.training")
    parser.add_argument("--database-url", default=None,
                        help="default: PRM_DATABASE_URL (the app's database)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    args = parser.parse_args(argv)
    url = args.database_url or get_settings().database_url
    upgrade(url)
    engine = make_engine(url)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    settle_memory()
    try:
        with Session(engine) as db:
            bench_training(db, args.repeat)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
