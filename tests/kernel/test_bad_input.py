"""Bad input at every form service, on both databases: a clear message on the field
(RuleViolation, or pydantic's ValidationError through the kernel), never a database error,
and nothing written. Generated with hypothesis, plus one test per finding of issue #13."""

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import func, select

from core.accounts import (
    BAD_CREDENTIALS,
    FORGOT_ANSWER,
    NewUserIn,
    UserFilter,
    create_user,
    list_users,
    request_password_reset,
    sign_in,
)
from core.actor import Actor
from core.catalog import ProductLineIn, create_product_line
from core.deals import (
    DealFilter,
    add_note,
    approve_deal,
    import_direct_opportunities,
    list_deals,
    mark_lost,
    register_deal,
    reject_deal,
    request_more_info,
)
from core.deals.end_customers import list_end_customers, merge_end_customers
from core.directory import DirectoryFilter, search_directory
from core.errors import RuleViolation, field_errors
from core.onboarding.agreements import publish_agreement
from core.onboarding.steps import save_step
from core.partners import (
    PartnerFilter,
    list_partners,
    set_partner_territories,
    update_partner_profile,
)
from core.recruitment import (
    ApplicationFilter,
    ApplicationNotFound,
    application_queue,
    application_status,
)
from core.recruitment.public import submit_application
from core.tiers.rules import update_tier_rules
from db.models import (
    Agreement,
    AuditEvent,
    DealEvent,
    DealRegistration,
    DirectOpportunity,
    EndCustomer,
    OnboardingStep,
    PartnerApplication,
    PartnerTerritory,
    ProductLine,
    Tier,
    User,
)
from tests.conftest import NOW, actor_for

QUICK = settings(max_examples=30, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])

# ---------------------------------------------------------------- what bad input looks like

# Characters no text field stores: NUL, other controls, a lone surrogate, private use.
FORBIDDEN = st.sampled_from(["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x9f", "\ud800",
                             "\ue000", "\U000f0001"])
WRONG_TYPES = st.one_of(st.integers(), st.floats(), st.booleans(), st.binary(max_size=5),
                        st.lists(st.text(max_size=3), max_size=2),
                        st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))


def _with(char: str, head: str, tail: str) -> str:
    return head + char + tail


def bad_text(max_len: int, *, required: bool = True, types: bool = True):
    """Text with a forbidden character, too long, or empty once cleaned (when required);
    and values that are not text at all."""
    options = [st.builds(_with, FORBIDDEN, st.text(max_size=8), st.text(max_size=8)),
               st.integers(max_len + 1, max_len + 40).map(lambda n: "x" * n)]
    if required:
        options.append(st.sampled_from(["", "   ", "\u200b\u202e", "\ufeff \u2066"]))
    if types:
        options.append(WRONG_TYPES)
    return st.one_of(options)


def long_host(n: int) -> str:
    """A host name of n characters (labels of 60 under .example)."""
    labels, left = [], n - len(".example")
    while left > 0:
        size = min(60, left) if left - min(60, left) != 1 else 58
        labels.append("w" * size)
        left -= size + 1
    return ".".join(labels) + ".example"


BAD_WEBSITE = st.one_of(bad_text(300, required=False),
                        st.integers(254, 290).map(long_host),
                        st.sampled_from(["not a site", "http://", "acme", "a..com"]))
BAD_AMOUNT = st.one_of(
    st.sampled_from(["12,5", "1,2", "1,25", "12,50", "0", "-5", "abc", "1e5", "NaN", "inf",
                     "1.005", "99999999999", "", " ", "1,250 000"]),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not 0 < f < 1e9),
    st.booleans(), st.lists(st.integers(), max_size=2),
    st.builds(_with, FORBIDDEN, st.just("12"), st.just("5")))
OUT_OF_RANGE_DAY = st.one_of(st.dates(max_value=date(1899, 12, 31)),
                             st.dates(min_value=date(2101, 1, 1)))
BAD_DATE = st.one_of(OUT_OF_RANGE_DAY, OUT_OF_RANGE_DAY.map(date.isoformat),
                     st.sampled_from(["31/12/2027", "2027-02-30", "tomorrow", "", "2027-1-1"]),
                     st.integers(), st.floats())
BAD_WHOLE = st.one_of(st.sampled_from(["1,2", "12,5", "2.5", "abc", "", "-1", "1e3"]),
                      st.floats().filter(lambda f: f != int(f) if f == f and abs(f) < 1e300
                                         else True),
                      st.integers(max_value=-1), st.integers(min_value=10**7),
                      st.booleans(), st.lists(st.integers(), max_size=2))


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def refused(db, call: Callable[[], Any], *models) -> dict[str, str]:
    """Run `call` in a savepoint; it must refuse with a message on a field and write no row
    of `models` (nor any audit event)."""
    before = [count(db, m) for m in (*models, AuditEvent)]
    with pytest.raises((ValidationError, RuleViolation)) as exc, db.begin_nested():
        call()
    errors = field_errors(exc.value)
    assert errors and all(isinstance(m, str) and m.strip() for m in errors.values())
    assert not any("\x00" in m or "Traceback" in m for m in errors.values())
    assert [count(db, m) for m in (*models, AuditEvent)] == before
    return errors


def one_bad_field(fields: dict[str, Any]):
    """(field name, bad value) for one field of a form, drawn from its bad values."""
    return st.sampled_from(sorted(fields)).flatmap(
        lambda name: st.tuples(st.just(name), fields[name]))


# ---------------------------------------------------------------- deal registration


def deal_form(db, **over) -> dict:
    lines = list(db.scalars(select(ProductLine.id).order_by(ProductLine.id)))[:2]
    return dict(company="Acme Corporation Inc.", website="https://www.acme.com", country="US",
                state="California", contact_name="Dana Buyer", contact_email="dana@acme.com",
                contact_title="CIO", product_line_ids=lines, estimated_value="50000",
                expected_close_date=(NOW + timedelta(days=90)).date(), stage="proposal",
                description="200 seats") | over


DEAL_FIELDS = {
    "company": bad_text(200), "website": BAD_WEBSITE, "country": bad_text(60),
    "state": bad_text(100, required=False), "contact_name": bad_text(120),
    "contact_email": st.one_of(bad_text(254), st.sampled_from(["dana", "dana@", "@acme.com"])),
    "contact_title": bad_text(120, required=False),
    "product_line_ids": st.one_of(st.just([]), st.lists(st.sampled_from(
        [0, -1, 1.5, "x", True, None, 10**30, "١"]), min_size=1, max_size=2), st.text(max_size=3)),
    "estimated_value": BAD_AMOUNT, "expected_close_date": BAD_DATE,
    "stage": bad_text(30), "description": bad_text(4000, required=False),
}


def register(db, **over):
    return register_deal(db, actor_for(db, "p01.rep1"), deal_form(db, **over), now=NOW)


@QUICK
@given(bad=one_bad_field(DEAL_FIELDS))
@example(bad=("estimated_value", "12,5"))
def test_any_bad_field_of_a_registration_is_refused_on_the_field(seeded_db, bad):
    field, value = bad
    errors = refused(seeded_db, lambda: register(seeded_db, **{field: value}),
                     DealRegistration, EndCustomer)
    assert field in errors


def test_a_nul_byte_in_any_text_field_of_a_registration_is_refused(seeded_db):
    for field in ("company", "state", "contact_name", "contact_title", "description"):
        errors = refused(seeded_db, lambda f=field: register(seeded_db, **{f: "Acme\x00"}),
                         DealRegistration, EndCustomer)
        assert errors == {field: "Remove the control characters (such as a NUL byte) from "
                                 "this text."}


def test_invisible_and_private_use_characters_never_reach_a_stored_name(seeded_db):
    deal = register(seeded_db, company="\u202eAc\u200bme\u200d Corp\ufeff",
                    contact_name="Dana\u2066 Buyer", description="line one\r\nline two")
    row = seeded_db.get(DealRegistration, deal.id)
    assert (row.customer_name, row.contact_name) == ("Acme Corp", "Dana Buyer")
    assert row.description == "line one\nline two"
    errors = refused(seeded_db, lambda: register(seeded_db, company="Acme \ue000"),
                     DealRegistration)
    assert errors["company"].startswith("Remove the private-use characters")


def test_a_value_that_is_not_text_is_refused_not_stored_as_its_text(seeded_db):
    errors = refused(seeded_db, lambda: register(seeded_db, company=12345, contact_title=7),
                     DealRegistration, EndCustomer)
    assert errors == {"company": "Enter this as text.", "contact_title": "Enter this as text."}


def test_a_decimal_comma_is_refused_not_read_as_ten_times_the_value(seeded_db):
    errors = refused(seeded_db, lambda: register(seeded_db, estimated_value="12,5"),
                     DealRegistration)
    assert "decimal point" in errors["estimated_value"]
    assert register(seeded_db, estimated_value="1,250.00").estimated_value == Decimal("1250.00")


@pytest.mark.parametrize("name", ["北京" * 100, "Ä" * 200, "😀" * 200, "co " * 66 + "co"])
def test_a_long_non_latin_name_at_the_limit_is_stored_with_bounded_keys(seeded_db, name):
    assert len(name) == 200
    deal = register(seeded_db, company=name, website="")
    seeded_db.flush()
    row = seeded_db.get(DealRegistration, deal.id)
    customer = seeded_db.get(EndCustomer, row.end_customer_id)
    assert row.customer_name == name
    assert len(row.customer_key) <= 200 and len(customer.normalized_name) <= 200
    assert len(row.customer_name_form) <= 420


def test_a_website_whose_host_dns_cannot_hold_is_refused_on_the_field(seeded_db):
    site = "https://" + long_host(260)
    errors = refused(seeded_db, lambda: register(seeded_db, website=site), DealRegistration)
    assert errors == {"website": "Enter the company's website, e.g. acme.com."}


DEAL_TEXTS = {
    "reject": ("channel", "reason", lambda db, a, i, t: reject_deal(db, a, i, t, now=NOW)),
    "question": ("channel", "question",
                 lambda db, a, i, t: request_more_info(db, a, i, t, now=NOW)),
    "approve": ("channel", "note", lambda db, a, i, t: approve_deal(db, a, i, note=t, now=NOW)),
    "lost": ("p01.rep1", "reason", lambda db, a, i, t: mark_lost(db, a, i, t, now=NOW)),
    "note": ("p01.rep1", "text", lambda db, a, i, t: add_note(db, a, i, t, now=NOW)),
}


@QUICK
@given(which=st.sampled_from(sorted(DEAL_TEXTS)),
       text=bad_text(4000, required=False))
@example(which="reject", text="Duplicate\x00")
def test_reasons_questions_and_notes_on_a_deal_follow_the_text_rule(seeded_db, which, text):
    username, field, call = DEAL_TEXTS[which]
    deal = seeded_db.scalar(select(DealRegistration.id).where(
        DealRegistration.partner_id == actor_for(seeded_db, "p01.rep1").partner_id).limit(1))
    if deal is None:
        deal = register(seeded_db).id
    actor = actor_for(seeded_db, username)
    errors = refused(seeded_db, lambda: call(seeded_db, actor, deal, text), DealEvent)
    assert field in errors


# ---------------------------------------------------------------- partner application


def application(**over) -> dict:
    return dict(company_name="Widget Works", website="widgetworks.example", country="DE",
                regions=["EMEA"], partner_type="reseller", industries=["Manufacturing"],
                expected_annual_revenue="250,000", headcount="42", contact_name="Jane Doe",
                contact_email="jane@widgetworks.example", contact_phone="+49 30 1234567",
                terms_accepted=True) | over


APPLICATION_FIELDS = {
    "company_name": bad_text(200), "website": BAD_WEBSITE, "country": bad_text(60),
    "regions": st.one_of(st.just([]), st.lists(bad_text(10), min_size=1, max_size=2)),
    "partner_type": bad_text(40), "industries": st.lists(bad_text(40), min_size=1, max_size=2),
    "expected_annual_revenue": BAD_AMOUNT, "headcount": BAD_WHOLE,
    "contact_name": bad_text(120), "contact_email": bad_text(254),
    "contact_phone": st.one_of(bad_text(40), st.sampled_from(["12", "+1 555", "phone"])),
    "terms_accepted": st.sampled_from([False, None, "no", 0, ""]),
}


def apply(db, **over):
    # A session of its own each time: the per-session limit is not what is tested here.
    return submit_application(db, Actor.anonymous(uuid.uuid4().hex), application(**over),
                              now=NOW)


@QUICK
@given(bad=one_bad_field(APPLICATION_FIELDS))
@example(bad=("expected_annual_revenue", "12,5"))
def test_any_bad_field_of_an_application_is_refused_on_the_field(seeded_db, bad):
    field, value = bad
    errors = refused(seeded_db, lambda: apply(seeded_db, **{field: value}), PartnerApplication)
    assert field in errors


def test_an_application_refuses_nul_long_hosts_and_decimal_commas(seeded_db):
    errors = refused(seeded_db, lambda: apply(seeded_db, company_name="Widget\x00Works",
                                              contact_name="Jane\x00",
                                              website=long_host(254),
                                              expected_annual_revenue="12,5",
                                              headcount="1,2"), PartnerApplication)
    assert set(errors) == {"company_name", "contact_name", "website",
                           "expected_annual_revenue", "headcount"}


def test_an_application_with_a_long_non_latin_name_is_stored_with_a_bounded_key(seeded_db):
    apply(seeded_db, company_name="北京" * 100)
    row = seeded_db.scalar(select(PartnerApplication).where(
        PartnerApplication.company_name == "北京" * 100))
    assert row is not None and len(row.normalized_name) <= 200


# ---------------------------------------------------------------- direct-opportunity import

HEADER = "external_id,account_name,website,country,opportunity_name,amount,close_date,owner_email"
DIRECT_GOOD = {"external_id": "CRM-9", "account_name": "Acme Corp", "website": "acme.com",
               "country": "US", "opportunity_name": "Renewal", "amount": "120000",
               "close_date": "2027-03-31", "owner_email": "ae1@vendor.example"}
CSV_TEXT = st.builds(_with, FORBIDDEN.filter(lambda c: c not in "\x00"), st.text(
    alphabet=st.characters(exclude_characters='",\r\n'), max_size=6), st.just("x"))
DIRECT_FIELDS = {
    "external_id": st.one_of(CSV_TEXT, st.just("x" * 101)),
    "account_name": st.one_of(CSV_TEXT, st.just("y" * 201), st.just("\u200b")),
    "website": st.one_of(st.integers(254, 290).map(long_host), st.just("acme")),
    "country": st.one_of(CSV_TEXT, st.just("Atlantis")),
    "opportunity_name": st.one_of(CSV_TEXT, st.just("z" * 201)),
    "amount": st.sampled_from(["12,5", "1,2", "0", "-5", "abc", "1e5", "1.005", "NaN"]),
    "close_date": st.one_of(OUT_OF_RANGE_DAY.map(date.isoformat),
                            st.sampled_from(["31/12/2027", "2027-02-30", "soon"])),
    "owner_email": st.one_of(CSV_TEXT, st.just("not-an-email")),
}


def csv_row(values: dict[str, str]) -> bytes:
    cells = ['"' + values[c].replace('"', '""') + '"' for c in HEADER.split(",")]
    return (HEADER + "\n" + ",".join(cells) + "\n").encode("utf-8", "surrogatepass")


def import_refused(db, content: bytes) -> dict[str, str]:
    """The import reports each bad row on its field (or refuses the file) and writes nothing."""
    before = [count(db, DirectOpportunity), count(db, EndCustomer), count(db, AuditEvent)]
    with db.begin_nested():
        try:
            report = import_direct_opportunities(db, actor_for(db, "channel"), content, now=NOW)
        except RuleViolation as e:
            return {e.field or "": str(e)}
        assert not report.ok and (report.created, report.updated) == (0, 0)
    assert [count(db, DirectOpportunity), count(db, EndCustomer), count(db, AuditEvent)] == before
    return {e.field: e.message for e in report.errors}


@QUICK
@given(bad=one_bad_field(DIRECT_FIELDS))
@example(bad=("amount", "12,5"))
def test_any_bad_column_of_an_imported_row_is_reported_and_nothing_written(seeded_db, bad):
    field, value = bad
    errors = import_refused(seeded_db, csv_row(DIRECT_GOOD | {field: value}))
    wanted = "name" if field == "opportunity_name" else field
    assert wanted in errors or "file" in errors


def test_an_import_reports_nul_long_hosts_decimal_commas_and_far_dates(seeded_db):
    row = DIRECT_GOOD | {"account_name": "Acme\x00", "website": long_host(260),
                         "amount": "12,5", "close_date": "2200-01-01"}
    errors = import_refused(seeded_db, csv_row(row))
    assert set(errors) in ({"account_name", "website", "amount", "close_date"}, {"file"})
    errors = import_refused(seeded_db, csv_row(DIRECT_GOOD | {"close_date": "1850-06-30"}))
    assert errors == {"close_date": "Enter the close date between 1900 and 2100."}


def test_an_imported_long_non_latin_account_name_is_stored_with_bounded_keys(seeded_db):
    report = import_direct_opportunities(seeded_db, actor_for(seeded_db, "channel"),
                                         csv_row(DIRECT_GOOD | {"account_name": "北京" * 100}),
                                         now=NOW)
    assert report.ok
    seeded_db.flush()
    row = seeded_db.scalar(select(DirectOpportunity).where(
        DirectOpportunity.external_id == "CRM-9"))
    assert len(row.customer_key) <= 200 and len(row.account_name_form) <= 420


# ---------------------------------------------------------------- partner profile


PROFILE = dict(name="Northwind Traders", website="https://www.northwind.example", country="DE",
               regions=["EMEA"], partner_type="var", industries=["Retail"])
PROFILE_FIELDS = {
    "name": bad_text(200), "website": BAD_WEBSITE, "country": bad_text(60),
    "regions": st.one_of(st.just([]), st.lists(bad_text(10), min_size=1, max_size=2)),
    "partner_type": bad_text(30), "industries": st.lists(bad_text(40), min_size=1, max_size=2),
}
TERRITORY_FIELDS = {"country": bad_text(60), "state": bad_text(100, required=False),
                    "postal_prefix": st.one_of(bad_text(10, required=False),
                                               st.just("94 1-0"))}


@QUICK
@given(bad=one_bad_field(PROFILE_FIELDS))
def test_any_bad_field_of_a_partner_profile_is_refused_and_nothing_changes(seeded_db, bad):
    field, value = bad
    actor = actor_for(seeded_db, "p01.admin")
    errors = refused(seeded_db, lambda: update_partner_profile(
        seeded_db, actor, actor.partner_id, PROFILE | {field: value}, now=NOW))
    assert field in errors


@QUICK
@given(bad=one_bad_field(TERRITORY_FIELDS))
@example(bad=("country", 292))  # found by CI: pycountry reads "292" as Gibraltar
def test_any_bad_field_of_a_territory_is_refused_and_nothing_written(seeded_db, bad):
    field, value = bad
    actor = actor_for(seeded_db, "admin")
    partner_id = actor_for(seeded_db, "p01.admin").partner_id
    territory = {"country": "US", "state": "California", "postal_prefix": "941"}
    errors = refused(seeded_db, lambda: set_partner_territories(
        seeded_db, actor, partner_id, [territory | {field: value}], now=NOW), PartnerTerritory)
    assert errors


# ---------------------------------------------------------------- catalog, onboarding, tiers


@QUICK
@given(name=bad_text(100))
def test_a_bad_product_line_name_is_refused_and_nothing_written(seeded_db, name):
    admin = actor_for(seeded_db, "admin")
    errors = refused(seeded_db, lambda: create_product_line(
        seeded_db, admin, ProductLineIn.model_validate({"name": name}), now=NOW), ProductLine)
    assert "name" in errors


@QUICK
@given(bad=one_bad_field({"title": bad_text(200), "body_markdown": bad_text(200_000)}))
def test_a_bad_agreement_is_refused_and_nothing_published(seeded_db, bad):
    field, value = bad
    data = {"title": "Partner agreement", "body_markdown": "# Terms\n\nBe nice."} | {field: value}
    errors = refused(seeded_db, lambda: publish_agreement(
        seeded_db, actor_for(seeded_db, "admin"), data["title"], data["body_markdown"],
        now=NOW), Agreement)
    assert field in errors


@QUICK
@given(bad=one_bad_field({"title": bad_text(120), "event": bad_text(40),
                          "position": BAD_WHOLE}))
def test_a_bad_onboarding_step_is_refused_and_nothing_written(seeded_db, bad):
    field, value = bad
    data = {"title": "Watch the intro", "event": "course_completed", "position": 3}
    errors = refused(seeded_db, lambda: save_step(
        seeded_db, actor_for(seeded_db, "admin"), data | {field: value}, now=NOW),
        OnboardingStep)
    assert field in errors


# Zero is a deal amount refused but a tier's minimum allowed: not a bad value here.
BAD_MINIMUM = BAD_AMOUNT.filter(lambda v: v != "0" and not (isinstance(v, float) and v == 0))
TIER_FIELDS = {"min_won_revenue": st.one_of(BAD_MINIMUM, st.floats(0.01, 1e6)),
               "min_certified_users": BAD_WHOLE, "deal_protection_days": BAD_WHOLE,
               "lead_weight": BAD_WHOLE, "discount_percent": BAD_WHOLE,
               "auto_approve_clear_deals": st.sampled_from(["yes", 1, None, "true"]),
               "mdf_eligible": st.sampled_from(["no", 0, None])}


@QUICK
@given(bad=one_bad_field(TIER_FIELDS))
@example(bad=("min_won_revenue", "12,5"))
@example(bad=("min_won_revenue", "-5"))
def test_a_bad_tier_rule_is_refused_and_the_tier_unchanged(seeded_db, bad):
    field, value = bad
    tier = seeded_db.scalar(select(Tier).order_by(Tier.rank).limit(1))  # any value in order
    before = getattr(tier, field)
    errors = refused(seeded_db, lambda: update_tier_rules(
        seeded_db, actor_for(seeded_db, "admin"), tier.id, {field: value}, now=NOW))
    assert field in errors and getattr(tier, field) == before


# ---------------------------------------------------------------- users, end customers


@QUICK
@given(bad=one_bad_field({"display_name": bad_text(120), "email": bad_text(254)}))
def test_a_bad_name_or_email_of_a_new_user_is_refused_and_no_user_created(seeded_db, bad):
    field, value = bad
    data = {"username": "new.manager", "display_name": "New Manager",
            "email": "nm@vendor.example", "role": "channel_manager"} | {field: value}
    errors = refused(seeded_db, lambda: create_user(
        seeded_db, actor_for(seeded_db, "admin"), NewUserIn.model_validate(data), now=NOW),
        User)
    assert field in errors


SEARCHES = {
    "end customers": lambda db, text: list_end_customers(db, actor_for(db, "channel"), text),
    "deals": lambda db, text: list_deals(db, actor_for(db, "channel"), DealFilter(search=text)),
    "directory": lambda db, text: search_directory(db, actor_for(db, "channel"),
                                                   DirectoryFilter(search=text)),
    "users": lambda db, text: list_users(db, actor_for(db, "admin"), UserFilter(search=text)),
    "partners": lambda db, text: list_partners(db, actor_for(db, "channel"),
                                               PartnerFilter(search=text)),
    "applications": lambda db, text: application_queue(db, actor_for(db, "channel"),
                                                       ApplicationFilter(search=text)),
}


@QUICK
@given(which=st.sampled_from(sorted(SEARCHES)),
       search=st.one_of(st.builds(_with, FORBIDDEN, st.text(max_size=8), st.text(max_size=8)),
                        WRONG_TYPES))
@example(which="deals", search="Acme\x00")
@example(which="users", search="ad\x00min")
@example(which="partners", search="North\x00")
@example(which="applications", search="\x00")
def test_a_search_with_control_characters_or_not_text_gets_a_message(seeded_db, which,
                                                                       search):
    errors = refused(seeded_db, lambda: SEARCHES[which](seeded_db, search))
    assert "search" in errors


@pytest.mark.parametrize("wrong", ["1", "x", 2.5, None, [1]])
def test_merging_end_customers_by_anything_but_an_id_is_refused(seeded_db, wrong):
    register(seeded_db)
    kept = seeded_db.scalar(select(func.min(EndCustomer.id)))
    errors = refused(seeded_db, lambda: merge_end_customers(
        seeded_db, actor_for(seeded_db, "channel"), kept, wrong, now=NOW), EndCustomer)
    assert errors == {"merge_id": "Choose an end customer from the list."}


PUBLIC_LOOKUPS = {
    "sign-in": lambda db, text: sign_in(db, text, "some-password", now=NOW),
    "forgot password": lambda db, text: request_password_reset(db, text, now=NOW),
    "application status": lambda db, text: application_status(
        db, Actor.anonymous(), text, text),
}


@QUICK
@given(which=st.sampled_from(sorted(PUBLIC_LOOKUPS)),
       typed=st.one_of(st.builds(_with, FORBIDDEN, st.text(max_size=8), st.text(max_size=8)),
                       WRONG_TYPES, st.text(min_size=300, max_size=400)))
@example(which="sign-in", typed="ad\x00min")
@example(which="forgot password", typed="finance\x00")
@example(which="application status", typed="APP-\x00")
def test_what_a_stranger_types_into_sign_in_forgot_password_or_status_never_crashes(
        seeded_db, which, typed):
    """The forms anyone can reach: a NUL or a 400-character name finds nothing, with the
    usual answer, and never reaches PostgreSQL as a value it refuses."""
    try:
        answer = PUBLIC_LOOKUPS[which](seeded_db, typed)
    except ApplicationNotFound:
        answer = "not found"
    seeded_db.rollback()
    assert answer in ("not found", FORGOT_ANSWER) or answer.message == BAD_CREDENTIALS
