"""The partner directory at the reference scale: the first page with no filter, with a tier and
region filter, with a territory filter, with a search and with an onboarding-step filter, and
the whole CSV export, the first four beside bare SQL doing the same work (count, page, the
page's regions, onboarding progress, deal figures); and one partner's 360.

`python -m bench.directory` times the database in PRM_DATABASE_URL as it is (seed it first
with `python -m seed --scale`); `python -m bench` runs it after its own timings."""

from collections.abc import Sequence

from sqlalchemy import Date, bindparam, func, select, text
from sqlalchemy.orm import Session

from bench.common import timed
from core.actor import Actor
from core.deals.revenue import won_window
from core.deals.status import OPEN
from core.directory import DirectoryFilter, export_directory_csv, search_directory
from core.partner360 import partner_360
from core.settings import get_settings
from db.models import DealRegistration, OnboardingStep, Partner
from db.session import make_engine, unit_of_work

PAGE = 50
SEARCH = "partner 012"
_FROM = ("FROM partners p JOIN tiers t ON t.id = p.tier_id "
         "LEFT JOIN users u ON u.id = p.channel_manager_id")
_OPEN = ", ".join(f"'{s.value}'" for s in OPEN)


def bench_directory(db: Session) -> None:
    actor = Actor.system("bench")
    partners = db.scalar(select(func.count()).select_from(Partner)) or 0
    step = db.scalar(select(OnboardingStep.id).where(OnboardingStep.active)
                     .order_by(OnboardingStep.position, OnboardingStep.id).limit(1))
    print(f"partner directory ({partners:,} partners, {PAGE} a page)")
    cases = [
        ("first page, no filter", DirectoryFilter(), "1 = 1", {}),
        ("tier Gold + region EMEA", DirectoryFilter(tier="Gold", region="EMEA"),
         "t.name = :tier AND EXISTS (SELECT 1 FROM partner_regions r "
         "WHERE r.partner_id = p.id AND r.region = :region)",
         {"tier": "Gold", "region": "EMEA"}),
        ("territory in DE", DirectoryFilter(territory="DE"),
         "EXISTS (SELECT 1 FROM partner_territories pt "
         "WHERE pt.partner_id = p.id AND pt.country = :country)",
         {"country": "DE"}),
        (f"search {SEARCH!r}", DirectoryFilter(search=SEARCH),
         "(lower(p.name) LIKE :needle OR lower(p.website) LIKE :needle)",
         {"needle": f"%{SEARCH}%"}),
    ]
    for label, filt, where, params in cases:
        timed(f"core.directory ({label})",
              lambda filt=filt: search_directory(db, actor, filt, limit=PAGE))
        timed("bare SQL", lambda where=where, params=params: _bare_page(db, where, params))
    if step is not None:
        timed("core.directory (waiting at the first step)",
              lambda: search_directory(db, actor, DirectoryFilter(onboarding=step), limit=PAGE))
    timed("core.directory CSV export (every partner)",
          lambda: export_directory_csv(db, actor), repeat=3)
    busiest = db.scalar(select(DealRegistration.partner_id)
                        .group_by(DealRegistration.partner_id)
                        .order_by(func.count().desc()).limit(1))
    if busiest is not None:
        print("partner 360 (the partner with the most registrations)")
        timed("core.partner360.partner_360", lambda: partner_360(db, actor, busiest))


def _bare_page(db: Session, where: str, params: dict) -> None:
    """What the directory does, by hand: the total, the page, then the page's onboarding
    progress and deal figures."""
    db.execute(text(f"SELECT count(*) {_FROM} WHERE {where}"), params).scalar()
    rows = db.execute(text(
        f"SELECT p.id, p.name, t.name, p.partner_type, p.country, p.status, "
        f"u.display_name, p.created_at {_FROM} WHERE {where} ORDER BY p.name, p.id "
        f"LIMIT {PAGE}"), params).all()
    ids = [r[0] for r in rows]
    if ids:
        _bare_figures(db, ids)


def _bare_figures(db: Session, ids: Sequence[int]) -> None:
    id_list = ", ".join(str(int(i)) for i in ids)
    db.execute(text(f"SELECT partner_id, region FROM partner_regions WHERE partner_id IN "
                    f"({id_list}) ORDER BY partner_id, position")).all()
    db.execute(text(
        "SELECT p.id, (SELECT count(*) FROM onboarding_progress op JOIN onboarding_steps s "
        "ON s.id = op.step_id WHERE op.partner_id = p.id AND s.active) "
        f"FROM partners p WHERE p.id IN ({id_list})")).all()
    after, today = won_window()
    db.execute(text(
        f"SELECT partner_id, count(*) FROM deal_registrations WHERE partner_id IN ({id_list}) "
        f"AND status IN ({_OPEN}) GROUP BY partner_id")).all()
    db.execute(text(
        "SELECT partner_id, sum(final_amount) FROM deal_registrations "
        f"WHERE partner_id IN ({id_list}) AND status = 'won' AND closed_on > :after "
        "AND closed_on <= :today GROUP BY partner_id").bindparams(
            bindparam("after", type_=Date), bindparam("today", type_=Date)),
        {"after": after, "today": today}).all()


def main() -> None:
    engine = make_engine(get_settings().database_url)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    with unit_of_work(engine) as db:
        bench_directory(db)


if __name__ == "__main__":
    main()
