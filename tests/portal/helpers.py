"""Demo partners picked by tier and region, as a targeting test needs them."""

from sqlalchemy import select

from core.customers.identity import region_for
from db.models import Partner, PartnerRegion, Tier, User
from tests.conftest import actor_for


def admin_where(db, tier: str, *, emea: bool):
    """The actor of the partner admin of an active partner of this tier, in EMEA (its
    country's region or one it serves) or wholly outside it."""
    _, username = partner_where(db, tier, emea=emea)
    return actor_for(db, username)


def partner_where(db, tier: str, *, emea: bool, managed: bool = False):
    """(partner, its admin's username) as admin_where picks them; `managed`: one with a
    channel manager."""
    rows = db.execute(select(Partner, User.username).join(Tier, Tier.id == Partner.tier_id)
                      .join(User, User.partner_id == Partner.id)
                      .where(Tier.name == tier, Partner.status == "active",
                             User.role == "partner_admin").order_by(Partner.id)).all()
    for partner, username in rows:
        served = set(db.scalars(select(PartnerRegion.region).where(
            PartnerRegion.partner_id == partner.id))) | {region_for(partner.country)}
        if ("EMEA" in served) == emea and (partner.channel_manager_id or not managed):
            return partner, username
    raise LookupError(f"no active {tier} partner {'in' if emea else 'outside'} EMEA")


def tier_id(db, name: str) -> int:
    return db.scalar(select(Tier.id).where(Tier.name == name))
