"""Registering a deal: validation, end customers, first come first served, scoping, auto-approval
and two submissions at the same moment. The helpers here are shared by the other deal tests."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import AuditFilter, list_events
from core.deals import (
    DealFilter,
    DealStatus,
    desk_detail,
    export_deals_csv,
    get_deal,
    import_direct_opportunities,
    list_deals,
    register_deal,
)
from core.deals import conflicts as conflicts_module
from core.errors import NotFound, PermissionDenied, field_errors
from core.notifications import list_notifications
from db.models import AuditEvent, DealRegistration, EndCustomer, Partner, ProductLine
from db.session import unit_of_work
from tests.conftest import NOW, actor_for

# Demo partners (seed/demo.py): p01, p02 Registered; p15 Silver; p27 Gold; p36 Platinum.
# p01's channel manager is "channel2", p02's is "channel".


def line_ids(db: Session) -> list[int]:
    return list(db.scalars(select(ProductLine.id).order_by(ProductLine.id)))


def form(db: Session, **over) -> dict:
    """The register form as a page submits it."""
    values = dict(
        company="Acme Corporation Inc.", website="https://www.acme.com", country="US",
        state="California", contact_name="Dana Buyer", contact_email="dana@acme.com",
        contact_title="CIO", product_line_ids=line_ids(db)[:2], estimated_value="50000",
        expected_close_date=(NOW + timedelta(days=90)).date(), stage="proposal",
        description="200 seats of the core platform",
    )
    values.update(over)
    return values


def register(db: Session, username: str, *, now=NOW, **over):
    deal = register_deal(db, actor_for(db, username), form(db, **over), now=now)
    db.commit()
    return deal


def count(db: Session, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def subjects(db: Session, username: str) -> list[str]:
    return [n.subject for n in list_notifications(db, actor_for(db, username))]


def partner_id(db: Session, index: int) -> int:
    return actor_for(db, f"p{index:02d}.admin").partner_id


# ---------------------------------------------------------------- register and validate


def test_a_clear_registration_is_submitted_and_its_channel_manager_told(seeded_db):
    deal = register(seeded_db, "p01.rep1")
    assert deal.status == DealStatus.SUBMITTED and deal.status_label == "Submitted"
    assert deal.customer_name == "Acme Corporation Inc." and deal.customer_country == "US"
    assert deal.estimated_value == Decimal("50000.00")
    assert deal.product_lines == ("Core Platform", "Analytics")
    assert deal.protection_ends_at is None and deal.days_left is None
    assert {"update", "withdraw", "note"} <= deal.actions and "won" not in deal.actions
    assert any("New deal registration" in s for s in subjects(seeded_db, "channel2"))
    assert not subjects(seeded_db, "channel")  # not p01's channel manager
    events, _ = list_events(seeded_db, actor_for(seeded_db, "admin"),
                            AuditFilter(action="deal.register"))
    assert [(e.entity_id, e.after["status"]) for e in events] == [(str(deal.id), "submitted")]


def test_every_bad_field_gets_its_own_message_and_nothing_is_saved(seeded_db):
    bad = form(seeded_db, company="  ", contact_email="dana(at)acme", estimated_value="0",
               expected_close_date=(NOW - timedelta(days=1)).date(), product_line_ids=[],
               stage="", country="Atlantis", contact_name="")
    with pytest.raises(ValidationError) as exc:
        register_deal(seeded_db, actor_for(seeded_db, "p01.rep1"), bad, now=NOW)
    errors = field_errors(exc.value)
    assert errors["company"] == "Enter the end customer's company name."
    assert errors["contact_name"] == "Enter the customer contact's name."
    assert errors["contact_email"].startswith("Not a valid e-mail address")
    assert errors["estimated_value"] == "The estimated value must be greater than 0."
    assert errors["expected_close_date"] == "The expected close date must be in the future."
    assert errors["product_line_ids"] == "Choose at least one product line."
    assert errors["stage"] == "Choose the sales stage."
    assert errors["country"] == "Choose the customer's country from the list."
    seeded_db.rollback()
    assert count(seeded_db, DealRegistration) == count(seeded_db, EndCustomer) == 0
    assert seeded_db.scalar(select(func.count()).select_from(AuditEvent)
                            .where(AuditEvent.action.like("deal.%"))) == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("expected_close_date", "2028-06-01", "within 18 months (on or before 2028-05-26)"),
    ("expected_close_date", "next week", "as YYYY-MM-DD"),
    ("estimated_value", "-5", "greater than 0"),
    ("estimated_value", "12.345", "at most two decimal places"),
    ("estimated_value", "a lot", "as a number"),
    ("website", "not a website", "e.g. acme.com"),
    ("stage", "won-ish", "from the list"),
])
def test_one_bad_field(seeded_db, field, value, message):
    with pytest.raises(ValidationError) as exc:
        register_deal(seeded_db, actor_for(seeded_db, "p01.rep1"),
                      form(seeded_db, **{field: value}), now=NOW)
    errors = field_errors(exc.value)
    assert list(errors) == [field] and message in errors[field]


def test_the_close_date_window_follows_the_injected_clock(seeded_db):
    later = NOW + timedelta(days=400)
    close = (later + timedelta(days=500)).date()  # 17 months after `later`
    deal = register(seeded_db, "p01.rep1", now=later, expected_close_date=close)
    assert deal.expected_close_date == close


def test_a_deactivated_product_line_cannot_be_registered(seeded_db):
    line = seeded_db.get(ProductLine, line_ids(seeded_db)[0])
    line.active = False
    seeded_db.commit()
    with pytest.raises(ValidationError) as exc:
        register_deal(seeded_db, actor_for(seeded_db, "p01.rep1"),
                      form(seeded_db, product_line_ids=[line.id]), now=NOW)
    assert "no longer offered" in field_errors(exc.value)["product_line_ids"]


def test_vendor_roles_do_not_register_deals(seeded_db):
    for username in ("channel", "admin", "finance"):
        with pytest.raises(PermissionDenied):
            register_deal(seeded_db, actor_for(seeded_db, username), form(seeded_db), now=NOW)


def test_a_suspended_partner_cannot_register(seeded_db):
    seeded_db.get(Partner, partner_id(seeded_db, 1)).status = "suspended"
    seeded_db.commit()
    with pytest.raises(PermissionDenied, match="suspended"):
        register(seeded_db, "p01.rep1")


# ---------------------------------------------------------------- end customers


def test_registrations_of_one_company_share_one_end_customer_record(seeded_db):
    first = register(seeded_db, "p01.rep1")
    register(seeded_db, "p02.rep1", company="ACME, Inc", website="")  # e-mail acme.com
    register(seeded_db, "p15.rep1", company="Acmé Corp.", website="",
             contact_email="buyer@gmail.com")  # same name in the US
    register(seeded_db, "p27.rep1", company="Acme Corp", website="acme.de", country="DE",
             contact_email="einkauf@acme.de")  # same name, another country
    customers = seeded_db.scalars(select(EndCustomer).order_by(EndCustomer.id)).all()
    assert [(c.normalized_name, c.domain, c.country) for c in customers] == [
        ("acme", "acme.com", "US"), ("acme", "acme.de", "DE")]
    ids = seeded_db.scalars(select(DealRegistration.end_customer_id)
                            .order_by(DealRegistration.id)).all()
    assert ids == [customers[0].id] * 3 + [customers[1].id]
    assert seeded_db.get(DealRegistration, first.id).customer_domain == "acme.com"


def test_free_mail_domains_are_never_a_match(seeded_db):
    one = register(seeded_db, "p01.rep1", company="Blue Harbor Dental", website="",
                   contact_email="owner.bh@gmail.com")
    two = register(seeded_db, "p02.rep1", company="Red Canyon Bakery", website="gmail.com",
                   contact_email="orders.rc@gmail.com")
    three = register(seeded_db, "p15.rep1", company="Green Field Farms", website="",
                     contact_email="gf@outlook.com")
    assert [d.status for d in (one, two, three)] == [DealStatus.SUBMITTED] * 3
    domains = seeded_db.scalars(select(DealRegistration.customer_domain)).all()
    assert domains == [None, None, None]
    assert count(seeded_db, EndCustomer) == 3


# ---------------------------------------------------------------- first come, first served


def test_a_later_registration_of_the_same_domain_goes_to_the_desk_as_under_review(seeded_db):
    first = register(seeded_db, "p01.rep1")
    second = register(seeded_db, "p02.rep1", company="Acme Holdings", now=NOW + timedelta(hours=1),
                      contact_email="it@acme.com")
    assert first.status == DealStatus.SUBMITTED
    assert second.status == DealStatus.UNDER_REVIEW and second.status_label == "Under review"
    assert not hasattr(second, "conflict")

    # What the second partner can see says nothing about the first partner or its deal.
    p01_name = seeded_db.get(Partner, partner_id(seeded_db, 1)).name
    seen = get_deal(seeded_db, actor_for(seeded_db, "p02.rep1"), second.id, now=NOW)
    texts = " ".join(e.text for e in seen.timeline)
    assert [e.text for e in seen.timeline] == ["Submitted.",
                                               "Under review. The deal desk is reviewing it."]
    assert p01_name not in texts and f"#{first.id}" not in texts and "registered" not in texts
    assert not any(e.internal for e in seen.timeline)
    assert not any(p01_name in s for s in subjects(seeded_db, "p02.rep1"))
    with pytest.raises(NotFound):
        get_deal(seeded_db, actor_for(seeded_db, "p02.rep1"), first.id)

    # The desk sees both side by side, with the verdict, its reasons and who came first.
    desk = actor_for(seeded_db, "channel")
    later = desk_detail(seeded_db, desk, second.id, now=NOW)
    assert not later.first_come
    assert later.match_verdict == "conflict" and later.match_score == 100
    assert [(m.kind, m.id, m.who, m.verdict) for m in later.matches] == [
        ("registration", first.id, p01_name, "conflict")]
    assert later.matches[0].reasons[:3] == (
        "same domain acme.com", "same name once generic words are set aside", "same country US")
    assert desk_detail(seeded_db, desk, first.id, now=NOW).first_come
    internal = [e.text for e in later.timeline if e.internal]
    assert len(internal) == 1 and p01_name in internal[0]


def test_same_name_in_the_same_country_conflicts_in_another_country_is_possible(seeded_db):
    """By name alone: the same country conflicts; another country is possible, with a little
    less weight in another sales region."""
    register(seeded_db, "p01.rep1", website="", contact_email="a@gmail.com")
    same = register(seeded_db, "p02.rep1", company="ACME Inc.", website="",
                    contact_email="b@yahoo.com")
    nearby = register(seeded_db, "p15.rep1", company="ACME Inc.", website="", country="CA",
                      contact_email="c@hotmail.com")
    overseas = register(seeded_db, "p16.rep1", company="ACME Inc.", website="", country="FR",
                        contact_email="d@hotmail.com")
    assert same.status == nearby.status == overseas.status == DealStatus.UNDER_REVIEW
    desk = actor_for(seeded_db, "channel")
    here = desk_detail(seeded_db, desk, same.id)
    assert here.match_verdict == "conflict"
    assert [m.reasons[:2] for m in here.matches if m.country == "US"] == [
        ("same name once legal suffixes are removed", "same country US")]
    abroad = desk_detail(seeded_db, desk, nearby.id)
    assert (abroad.match_verdict, abroad.match_score) == ("possible", 85)
    assert {m.verdict for m in abroad.matches} == {"possible"}
    assert all("different countries CA / US, same region NA" in m.reasons
               for m in abroad.matches if m.country == "US")
    farther = desk_detail(seeded_db, desk, overseas.id)
    assert {(m.verdict, m.score) for m in farther.matches if m.country == "US"} == {
        ("possible", 80)}


def test_closed_registrations_do_not_block_a_new_one(seeded_db):
    from core.deals import withdraw_deal

    first = register(seeded_db, "p01.rep1")
    withdraw_deal(seeded_db, actor_for(seeded_db, "p01.rep1"), first.id, now=NOW)
    seeded_db.commit()
    assert register(seeded_db, "p02.rep1").status == DealStatus.SUBMITTED


def test_a_registration_meeting_a_direct_opportunity_goes_to_the_desk(seeded_db):
    csv = (b"External ID,Account Name,Website,Country,Opportunity Name,Amount,Close Date,"
           b"Owner Email\nCRM-1,Acme Corp,acme.com,US,Acme renewal,120000,2027-03-31,"
           b"rep@vendor.example\n")
    import_direct_opportunities(seeded_db, actor_for(seeded_db, "channel"), csv, now=NOW)
    seeded_db.commit()
    deal = register(seeded_db, "p27.rep1")  # Gold: would be auto-approved if clear
    assert deal.status == DealStatus.UNDER_REVIEW
    matches = desk_detail(seeded_db, actor_for(seeded_db, "channel"), deal.id).matches
    assert [(m.kind, m.who, m.verdict, m.reasons[0]) for m in matches] == [
        ("direct", "Direct sales (rep@vendor.example)", "conflict", "same domain acme.com")]


# ---------------------------------------------------------------- tiers


def test_gold_and_platinum_clear_registrations_are_approved_with_their_tier_days(seeded_db):
    gold = register(seeded_db, "p27.rep1")
    platinum = register(seeded_db, "p36.rep1", company="Globex", website="globex.com",
                        contact_email="hank@globex.com")
    silver = register(seeded_db, "p15.rep1", company="Initech", website="initech.com",
                      contact_email="bill@initech.com")
    assert (gold.status, gold.protection_days, gold.protection_ends_at, gold.days_left) == (
        DealStatus.APPROVED, 120, NOW + timedelta(days=120), 120)
    assert (platinum.status, platinum.protection_days) == (DealStatus.APPROVED, 180)
    assert silver.status == DealStatus.SUBMITTED
    assert any("approved" in s for s in subjects(seeded_db, "p27.rep1"))
    timeline = get_deal(seeded_db, actor_for(seeded_db, "p27.rep1"), gold.id, now=NOW).timeline
    assert timeline[-1].text.startswith("Approved. Automatically, as a Gold tier benefit: "
                                        "protected for 120 days, until 2027-03-26.")
    assert timeline[-1].actor == "System"


def test_tier_benefits_are_read_from_the_tiers_table(seeded_db):
    silver = seeded_db.get(Partner, partner_id(seeded_db, 15)).tier
    silver.auto_approve_clear_deals, silver.deal_protection_days = True, 45
    seeded_db.commit()
    deal = register(seeded_db, "p15.rep1")
    assert (deal.status, deal.protection_days) == (DealStatus.APPROVED, 45)


# ---------------------------------------------------------------- scoping


def test_partner_users_see_their_own_deals_partner_admins_their_partners(seeded_db):
    mine = register(seeded_db, "p01.rep1")
    colleague = register(seeded_db, "p01.rep2", company="Globex", website="globex.com",
                         contact_email="hank@globex.com")
    other = register(seeded_db, "p02.rep1", company="Initech", website="initech.com",
                     contact_email="bill@initech.com")

    def ids(username, **filt):
        deals, total = list_deals(seeded_db, actor_for(seeded_db, username), DealFilter(**filt),
                                  now=NOW)
        assert total == len(deals)
        return sorted(d.id for d in deals)

    assert ids("p01.rep1") == [mine.id]
    assert ids("p01.rep2") == [colleague.id]
    assert ids("p01.admin") == sorted([mine.id, colleague.id])
    assert ids("p02.admin") == [other.id]
    assert ids("p02.admin", partner_id=partner_id(seeded_db, 1)) == [other.id]  # ignored
    assert ids("channel") == sorted([mine.id, colleague.id, other.id])
    assert ids("p01.admin", search="globex") == [colleague.id]

    for username in ("p01.rep2", "p02.admin", "p02.rep1"):
        with pytest.raises(NotFound):
            get_deal(seeded_db, actor_for(seeded_db, username), mine.id)
    assert get_deal(seeded_db, actor_for(seeded_db, "p01.admin"), mine.id).deal.id == mine.id

    csv = export_deals_csv(seeded_db, actor_for(seeded_db, "p01.rep2"), now=NOW).decode("utf-8-sig")
    assert "Globex" in csv and "Acme" not in csv and "Initech" not in csv
    with pytest.raises(PermissionDenied):
        export_deals_csv(seeded_db, actor_for(seeded_db, "finance"))


def test_a_partner_gets_only_its_own_deals_whatever_filter_it_passes(seeded_db):
    mine = register(seeded_db, "p01.rep1")
    register(seeded_db, "p02.rep1", company="Initech", website="initech.com",
             contact_email="bill@initech.com")
    p02_rep = actor_for(seeded_db, "p02.rep1")

    def ids(username, **filt):
        return [d.id for d in list_deals(seeded_db, actor_for(seeded_db, username),
                                         DealFilter(**filt), now=NOW)[0]]

    # Another partner's owner, status, customer name and partner: none of its deals.
    for filt in (dict(owner_user_id=p02_rep.user_id), dict(status="submitted"),
                 dict(search="initech"), dict(partner_id=p02_rep.partner_id, search="initech"),
                 dict(partner_id=p02_rep.partner_id, status="submitted")):
        assert set(ids("p01.admin", **filt)) <= {mine.id}, filt
        assert set(ids("p01.rep1", **filt)) <= {mine.id}, filt
    assert ids("p01.admin", search="initech") == []
    assert ids("p01.admin", status="submitted") == [mine.id]
    assert len(ids("channel", status="submitted")) == 2


# ---------------------------------------------------------------- at the same moment


@pytest.mark.parametrize("submitters", [3])
def test_simultaneous_submissions_for_one_customer_leave_exactly_one_clear(seeded, monkeypatch,
                                                                          submitters):
    """Each submission runs in its own thread and transaction, released together by a barrier.
    The conflict check is slowed down so that, unserialized, every one would find the others
    not yet written and all would be clear."""
    with Session(seeded) as db:
        actors = [actor_for(db, f"p{i:02d}.rep1") for i in (1, 2, 15)][:submitters]
        data = form(db)
    real = conflicts_module.check

    def slow(*args, **kwargs):
        found = real(*args, **kwargs)
        threading.Event().wait(0.2)
        return found

    monkeypatch.setattr(conflicts_module, "check", slow)
    barrier = threading.Barrier(submitters)
    results, errors = [], []

    def submit(actor):
        try:
            barrier.wait()
            with unit_of_work(seeded, immediate=True) as db:
                results.append(register_deal(db, actor, data, now=NOW))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    statuses = sorted(r.status.value for r in results)
    assert statuses == ["submitted"] + ["under_review"] * (submitters - 1)
    with Session(seeded) as db:
        assert count(db, EndCustomer) == 1
        assert db.scalar(select(func.count()).select_from(DealRegistration)
                         .where(DealRegistration.match_verdict == "conflict")) == submitters - 1
