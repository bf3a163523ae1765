"""Demo portal: a small library (PDFs the seed makes, among them a Gold co-branding template
with its area, and a link), two announcements (one pinned for EMEA), a few requests in each
state, and one business plan per active demo partner, its goals sized by tier, whose
progress comes from the demo's deals, training, funds and POS data. Deterministic."""

from contextlib import suppress
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts.records import actor_of
from core.errors import NotFound
from core.portal.announcements import mark_read, publish_announcement
from core.portal.assets import create_asset, download
from core.portal.cobrand import set_area
from core.portal.plans import agree, save_plan
from core.portal.requests import open_request, reply
from db.models import Partner, Tier, User
from seed.funds import proof_pdf

# Tier -> (won revenue a quarter, registrations a quarter, certifications a quarter)
GOALS = {"Registered": (10_000, 2, 0), "Silver": (40_000, 4, 1), "Gold": (90_000, 6, 1),
         "Platinum": (200_000, 10, 2)}


def seed_portal(db: Session, *, now: datetime) -> None:
    users = {u.username: actor_of(u) for u in db.scalars(select(User).where(User.is_active))}
    marketing, channel = users["marketing"], users["channel"]
    tiers = dict(db.execute(select(Tier.name, Tier.id)).tuples().all())
    _library(db, marketing, tiers, users, now - timedelta(days=20))
    _announcements(db, marketing, users, now - timedelta(days=3))
    _requests(db, users, channel, now)
    _plans(db, users, channel, now)


def _library(db, marketing, tiers, users, at) -> None:
    template = create_asset(db, marketing, {
        "title": "Gold partner brochure (co-brand it)", "folder": "Sales/Brochures",
        "tags": "brochure, co-branding",
        "description": "Our platform in four pages: put your logo and contact details on "
                       "the cover.",
        "audience": {"tier_ids": [tiers["Gold"]]}},
        ("gold-brochure.pdf", proof_pdf("Gold partner brochure",
                                        ["The platform your customers run on.",
                                         "Your logo and contact details go below."])), now=at)
    set_area(db, marketing, template.id, 1, [72, 120, 360, 90], now=at)
    overview = create_asset(db, marketing, {
        "title": "Product overview", "folder": "Sales", "tags": "overview, datasheet",
        "description": "Two pages for a first meeting."},
        ("product-overview.pdf", proof_pdf("Product overview", ["Core Platform",
                                                                 "Analytics add-on"])), now=at)
    create_asset(db, marketing, {
        "title": "Platinum pricing deck", "folder": "Sales/Pricing", "tags": "pricing",
        "audience": {"tier_ids": [tiers["Platinum"]]}},
        ("platinum-pricing.pdf", proof_pdf("Platinum pricing", ["Confidential"])), now=at)
    create_asset(db, marketing, {
        "title": "Partner webinar: selling the analytics add-on", "folder": "Events",
        "tags": "webinar, video", "url": "https://vendor.example/webinars/analytics"}, now=at)
    for username in ("p01.admin", "p02.admin", "p03.rep1"):
        if username in users:
            download(db, users[username], overview.id, now=at + timedelta(days=1))


def _announcements(db, marketing, users, at) -> None:
    summit = publish_announcement(db, marketing, {
        "title": "EMEA partner summit in Lisbon",
        "body": "Join us on **14 March** for the EMEA partner summit: roadmap, pricing and "
                "a co-selling workshop. [Register here](https://vendor.example/summit).",
        "audience": {"regions": ["EMEA"]}, "pinned": True,
        "ends_on": (at + timedelta(days=60)).date()}, now=at)
    publish_announcement(db, marketing, {
        "title": "New price list from January",
        "body": "The price list for next year is in the asset library under Sales/Pricing."},
        now=at)
    readers = [u for name, u in sorted(users.items()) if name.endswith(".admin")][:8]
    for n, reader in enumerate(readers):
        with suppress(NotFound):  # a partner outside EMEA does not get to read it
            mark_read(db, reader, summit.id, now=at + timedelta(hours=n + 1))


def _requests(db, users, channel, now) -> None:
    asks = [("p01.admin", "pricing", "Quote for 500 seats",
             "Can we get a volume price for 500 seats for a bank?", None, None),
            ("p02.admin", "marketing", "Co-branded event flyer",
             "We run a breakfast seminar next month: can marketing help with a flyer?",
             "Yes: use the Gold brochure in the library; we can fund the venue too.", False),
            ("p04.admin", "technical", "Sandbox access",
             "Our engineers need a sandbox for a proof of concept.",
             "Done: the sandbox invitations went out this morning.", True)]
    for n, (username, category, subject, body, answer, done) in enumerate(asks):
        if username not in users:
            continue
        opened = now - timedelta(days=3 - n, hours=20)
        r = open_request(db, users[username], {"category": category, "subject": subject,
                                               "body": body}, now=opened)
        if answer:
            reply(db, channel, r.id, {"body": answer}, resolve=done,
                  now=opened + timedelta(hours=6))


def _plans(db, users, channel, now) -> None:
    admins = {u.partner_id: u for u in users.values() if u.role == "partner_admin"}
    partners = db.execute(select(Partner.id, Tier.name).join(Tier, Tier.id == Partner.tier_id)
                          .where(Partner.status == "active").order_by(Partner.id)).all()
    for n, (partner_id, tier) in enumerate(partners):
        revenue, registrations, certifications = GOALS.get(tier, GOALS["Registered"])
        goals = [{"measure": "won_revenue", "label": "Won revenue",
                  "targets": [str(revenue)] * 4},
                 {"measure": "registrations", "label": "Deal registrations",
                  "targets": [registrations] * 4}]
        if certifications:
            goals.append({"measure": "certifications", "label": "New certifications",
                          "targets": [certifications] * 4})
        plan = save_plan(db, channel, partner_id, now.year, goals, now=now)
        if n % 3 != 2:  # two in three agreed by both sides; the rest wait for the partner
            agree(db, channel, plan.id, now=now)
            if partner_id in admins:
                agree(db, admins[partner_id], plan.id, now=now)
