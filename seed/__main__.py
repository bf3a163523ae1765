"""`python -m seed [--if-empty]`: demo data. `python -m seed --scale`: benchmark data."""

import argparse

from core.settings import get_settings
from db.migrate import upgrade
from db.session import make_engine, unit_of_work
from db.types import utcnow
from seed.activity import seed_sign_ins
from seed.crm import seed_crm
from seed.deals import seed_deals
from seed.demo import is_empty, seed_demo
from seed.funds import seed_funds
from seed.incentives import seed_incentives
from seed.leads import seed_leads
from seed.portal import seed_portal
from seed.pos import seed_pos
from seed.scale import add_size_arguments, seed_scale, sizes_from
from seed.training import seed_training


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m seed")
    parser.add_argument("--if-empty", action="store_true",
                        help="seed only a database without users")
    parser.add_argument("--scale", action="store_true",
                        help="bulk benchmark data (DESIGN.md reference scale) instead of demo")
    add_size_arguments(parser)
    args = parser.parse_args()
    settings = get_settings()
    url = settings.database_url
    upgrade(url)
    if not settings.demo_allowed:  # the scale data's users share the demo password too
        print("not the default SQLite database and PRM_DEMO is not set: no demo data "
              "(its passwords are published). Create the first admin with: python -m "
              "core.accounts create-admin --username NAME --email ADDRESS")
        return
    engine = make_engine(url)
    with unit_of_work(engine) as db:
        if not is_empty(db):
            if args.if_empty:
                print("database already has data; seed skipped")
                return
            raise SystemExit("database already has data; seed an empty database")
        if args.scale:
            seed_scale(db, sizes_from(args))
        else:
            seed_demo(db)
            now = utcnow()
            seed_deals(db, now=now)
            seed_sign_ins(db, now=now)
            seed_training(db, now=now)
            seed_leads(db, now=now)
            seed_funds(db, now=now)
            seed_pos(db, now=now)
            seed_incentives(db, now=now)
            seed_crm(db, now=now)
            seed_portal(db, now=now)
            print("demo data loaded")


if __name__ == "__main__":
    main()
