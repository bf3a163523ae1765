"""End-customer keys (normalized name, registrable domain, free mail), the record lookup, and
the product catalog."""

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from core.actor import Actor
from core.catalog import (
    ProductLineIn,
    create_product_line,
    list_product_lines,
    update_product_line,
)
from core.customers import (
    company_domain,
    country_choices,
    find_or_create,
    normalize_name,
    region_for,
    registrable_domain,
    search_customers,
)
from core.errors import PermissionDenied, RuleViolation, field_errors
from db.models import AuditEvent, EndCustomer
from tests.conftest import NOW, actor_for


@pytest.mark.parametrize(("name", "key"), [
    ("Acme Corporation Inc.", "acme"),
    ("ACME, Inc", "acme"),
    ("acme llc", "acme"),
    ("Acmé Corp.", "acme"),
    ("A.C.M.E. Ltd", "acme"),
    ("Société Générale S.A.", "societe generale"),
    ("Müller GmbH & Co. KG", "muller"),
    ("Bar Pty. Ltd.", "bar"),
    ("Smith & Jones LLC", "smith and jones"),
    ("  Blue-Harbor   Dental  ", "blue harbor dental"),
    ("GmbH", "gmbh"),  # a name that is only a suffix keeps itself
    ("Geoara Realty S. de R.L. de C.V.", "geoara realty"),
    ("Sankar and Bakshi Pvt. Limited", "sankar and bakshi"),
])
def test_normalized_names(name, key):
    assert normalize_name(name) == key


@pytest.mark.parametrize(("value", "domain"), [
    ("https://www.acme.co.uk/contact?x=1", "acme.co.uk"),
    ("ACME.com", "acme.com"),
    ("sales.eu.acme.com", "acme.com"),
    ("http://acme.com:8080", "acme.com"),
    ("dana@Acme.com", "acme.com"),
    ("www.acme.example", "acme.example"),  # not a public suffix: the host, without www
    ("not a website", None),
    ("localhost", None),
    ("", None),
])
def test_registrable_domains_offline(value, domain):
    assert registrable_domain(value) == domain


@pytest.mark.parametrize("address", ["x@gmail.com", "x@outlook.com", "x@yahoo.com",
                                     "x@hotmail.com", "x@mail.yahoo.co.jp", "x@icloud.com"])
def test_free_mail_is_never_a_company_domain(address):
    assert company_domain("", address) is None
    assert company_domain(address.split("@")[1], "x@acme.com") is None


def test_the_website_wins_over_the_contact_address():
    assert company_domain("acme.com", "dana@acme-holding.com") == "acme.com"
    assert company_domain("", "dana@acme-holding.com") == "acme-holding.com"


def test_country_choices_are_codes_with_names():
    choices = dict(country_choices())
    assert choices["DE"] == "Germany" and len(choices) > 200


def test_regions():
    assert [region_for(c) for c in ("US", "br", "JP", "DE", "ZA")] == [
        "NA", "LATAM", "APAC", "EMEA", "EMEA"]


def test_find_or_create_by_domain_then_name_within_the_country(db):
    system = Actor.system("test")
    a = find_or_create(db, system, name="Acme Corp", domain="acme.com", country="US", now=NOW)
    b = find_or_create(db, system, name="Acme Holdings", domain="acme.com", country="us",
                       now=NOW)
    c = find_or_create(db, system, name="ACME, Inc.", domain=None, country="US", now=NOW)
    d = find_or_create(db, system, name="Acme Corp", domain="acme.com", country="DE", now=NOW)
    e = find_or_create(db, system, name="Zenith", domain=None, country="US", now=NOW)
    f = find_or_create(db, system, name="Zenith LLC", domain="zenith.io", country="US", now=NOW)
    db.commit()
    assert a.id == b.id == c.id and d.id != a.id
    assert e.id == f.id and f.domain == "zenith.io"  # the domain is filled in when learnt
    rows = db.scalars(select(EndCustomer).order_by(EndCustomer.id)).all()
    assert [(r.name, r.normalized_name, r.domain, r.country) for r in rows] == [
        ("Acme Corp", "acme", "acme.com", "US"), ("Acme Corp", "acme", "acme.com", "DE"),
        ("Zenith", "zenith", "zenith.io", "US")]
    actions = db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["end_customer.create"] * 3 + ["end_customer.update"]


def test_customer_search_is_for_the_desk(seeded_db):
    find_or_create(seeded_db, Actor.system("t"), name="Acme Corp", domain="acme.com",
                   country="US", now=NOW)
    found = search_customers(seeded_db, actor_for(seeded_db, "channel"), "ACME inc")
    assert [c.domain for c in found] == ["acme.com"]
    assert [c.name for c in search_customers(seeded_db, actor_for(seeded_db, "admin"),
                                             "acme.com")] == ["Acme Corp"]
    with pytest.raises(PermissionDenied):
        search_customers(seeded_db, actor_for(seeded_db, "p01.admin"), "acme")


# ---------------------------------------------------------------- catalog


def test_the_migration_seeds_a_catalog_everyone_can_read(seeded_db):
    names = [p.name for p in list_product_lines(seeded_db, actor_for(seeded_db, "p01.rep1"))]
    assert "Core Platform" in names and len(names) >= 5


def test_only_the_admin_keeps_the_catalog(seeded_db):
    admin = actor_for(seeded_db, "admin")
    line = create_product_line(seeded_db, admin, ProductLineIn(name="  Edge   Gateway "),
                               now=NOW)
    assert line.name == "Edge Gateway" and line.active
    with pytest.raises(RuleViolation, match="already exists") as exc:
        create_product_line(seeded_db, admin, ProductLineIn(name="edge gateway"), now=NOW)
    assert exc.value.field == "name"
    off = update_product_line(seeded_db, admin, line.id,
                              ProductLineIn(name="Edge Gateway", active=False), now=NOW)
    assert not off.active
    rep = actor_for(seeded_db, "p01.rep1")
    assert "Edge Gateway" not in [p.name for p in list_product_lines(seeded_db, rep)]
    assert "Edge Gateway" in [p.name for p in list_product_lines(seeded_db, admin,
                                                                 include_inactive=True)]
    for username in ("channel", "p01.admin"):
        with pytest.raises(PermissionDenied):
            create_product_line(seeded_db, actor_for(seeded_db, username),
                                ProductLineIn(name="Other"), now=NOW)
    with pytest.raises(ValidationError) as exc:
        ProductLineIn(name="   ")
    assert field_errors(exc.value) == {"name": "Enter the product line's name."}
    actions = seeded_db.scalars(select(AuditEvent.action).where(
        AuditEvent.entity == "product_line").order_by(AuditEvent.id)).all()
    assert actions == ["product_line.create", "product_line.update"]
