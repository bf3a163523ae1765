"""The page registry against core.permissions: every page's roles are the roles its core action
allows, route names resolve to page files (stored legacy links too), and Home's next actions
only name pages their user may open. Pure: no database, no Streamlit run."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from core.accounts import SignedIn
from core.actor import PARTNER_ROLES, USER_ROLES, VENDOR_ROLES, Actor, Role
from core.permissions import RULES, can
from ui.registry import (
    NEXT_ACTIONS,
    PAGES,
    SECOND_FACTOR,
    allowed,
    link_for,
    menu_for,
    next_actions,
    page_file,
    pages_for,
    route_of,
    spec_for,
)

R = Role
ANONYMOUS = "anonymous"


def signed_in(role: Role, *, agreement_current: bool = True,
              must_change_password: bool = False) -> SignedIn:
    actor = Actor(role=role, user_id=1, partner_id=7 if role in PARTNER_ROLES else None,
                  label=str(role))
    return SignedIn(actor=actor, username=str(role), display_name=str(role), time_zone="UTC",
                    must_change_password=must_change_password,
                    signed_in_at=datetime.now(UTC), agreement_current=agreement_current)


def who_may_open(spec) -> set:
    return {r for r in USER_ROLES if allowed(spec, signed_in(r))} | (
        {ANONYMOUS} if allowed(spec, None) else set())


def test_every_registry_page_is_open_to_exactly_the_roles_its_action_allows():
    for spec in PAGES:
        assert spec.action in RULES, spec.route
        if spec.route == SECOND_FACTOR:  # open only to a sign-in that owes it (below)
            continue
        rule = {ANONYMOUS if r == R.ANONYMOUS else r for r in RULES[spec.action]}
        assert who_may_open(spec) == rule, spec.route
        assert spec.roles == RULES[spec.action] - {R.ANONYMOUS}, spec.route
        assert spec.anonymous == (R.ANONYMOUS in RULES[spec.action]), spec.route
        for role in USER_ROLES:
            assert allowed(spec, signed_in(role)) == can(signed_in(role).actor, spec.action)


DESK = {R.ADMIN, R.CHANNEL_MANAGER}
# Who opened each page before the registry named actions: moving to actions changed no one's.
ROLES_BEFORE = {
    "home": set(USER_ROLES) | {ANONYMOUS},
    "become_partner": {ANONYMOUS},
    "application_status": {ANONYMOUS},
    # Hardening: "Forgot password" for visitors; the mailed link opens for whoever holds it.
    "forgot_password": {ANONYMOUS},
    "set_password": set(USER_ROLES) | {ANONYMOUS},
    "register_deal": set(PARTNER_ROLES),
    "my_deals": set(PARTNER_ROLES),
    "deal_desk": DESK,
    "end_customers": DESK,
    "direct_opportunities": DESK,
    "won_deals": DESK | {R.FINANCE, R.EXECUTIVE},
    "applications": DESK,
    "partners": set(VENDOR_ROLES),
    "partner_360": set(VENDOR_ROLES),
    "onboarding": DESK | {R.EXECUTIVE},
    "tiers": DESK,
    "agreement": set(PARTNER_ROLES),
    "company_profile": {R.PARTNER_ADMIN},
    "my_tier": set(PARTNER_ROLES),
    "notifications": set(USER_ROLES),
    "profile": set(USER_ROLES),
    "users": {R.ADMIN, R.PARTNER_ADMIN},
    "audit_log": {R.ADMIN},
    "product_catalog": {R.ADMIN},
    "jobs": {R.ADMIN},
    # Issue #14: one page per record, for whoever may see that record (core scopes which).
    "deal": set(PARTNER_ROLES) | DESK | {R.EXECUTIVE, R.ANALYST},
    "application": DESK,
    "end_customer": DESK,
    # Issue #15: every signed-in role; a partner's users see only their own (core).
    "scorecard": set(USER_ROLES),
    "partner_performance": set(VENDOR_ROLES),
    "revenue_dashboard": set(VENDOR_ROLES),
    "won_by_type": set(VENDOR_ROLES),
    # Issue #16: partners' users learn; the channel and marketing teams write courses and
    # read across partners; anyone checks a certificate's code.
    "training": set(PARTNER_ROLES),
    "course": set(PARTNER_ROLES),
    "courses": {R.ADMIN, R.MARKETING_OPS, R.CHANNEL_MANAGER},
    "training_report": {R.ADMIN, R.MARKETING_OPS, R.CHANNEL_MANAGER},
    "certificate_check": set(USER_ROLES) | {ANONYMOUS},
    # Issue #17: marketing and the channel team bring leads in and route them, the admin sets
    # the weights, the vendor reads the report; partners' users work their offers; a lead's
    # page opens for everyone signed in (core says which leads, and what of them).
    "leads": {R.ADMIN, R.MARKETING_OPS, R.CHANNEL_MANAGER},
    "lead_import": {R.ADMIN, R.MARKETING_OPS, R.CHANNEL_MANAGER},
    "lead_routing": {R.ADMIN},
    "lead_report": set(VENDOR_ROLES),
    "leads_inbox": set(PARTNER_ROLES),
    "lead": set(USER_ROLES),
    # Issue #18: a partner admin requests and claims funds; the vendor's roles read every
    # partner's balances; the admin and marketing keep programs; finance and the admin keep
    # the ledger; a request's page opens for its partner admin and every vendor role.
    "funds": {R.PARTNER_ADMIN},
    "fund_desk": set(VENDOR_ROLES),
    "fund_programs": {R.ADMIN, R.MARKETING_OPS},
    "fund_ledger": {R.ADMIN, R.FINANCE},
    "fund_request": set(VENDOR_ROLES) | {R.PARTNER_ADMIN},
    # Issue #19: a partner admin sends its own POS data and reads its lines and exceptions;
    # vendor ops (admin, finance) send for any partner and keep the rates; the admin the
    # products.
    "pos_upload": {R.ADMIN, R.FINANCE, R.PARTNER_ADMIN},
    "pos_exceptions": set(VENDOR_ROLES) | {R.PARTNER_ADMIN},
    "pos_lines": set(VENDOR_ROLES) | {R.PARTNER_ADMIN},
    "pos_reporting": set(VENDOR_ROLES) | {R.PARTNER_ADMIN},
    "products": {R.ADMIN},
    "currency_rates": {R.ADMIN, R.FINANCE},
    # Issue #19's incentives: statements for every vendor role and a partner admin (its own);
    # programs for those who keep them and those who replay a change (finance, leadership,
    # analysts).
    "incentive_statements": set(VENDOR_ROLES) | {R.PARTNER_ADMIN},
    "incentive_statement": set(VENDOR_ROLES) | {R.PARTNER_ADMIN},
    "incentive_programs": {R.ADMIN, R.CHANNEL_MANAGER, R.FINANCE, R.EXECUTIVE, R.ANALYST},
    "my_spiffs": {R.PARTNER_USER},
    # Issue #20: the admin keeps webhook receivers and reads their delivery log.
    "integrations": {R.ADMIN},
    # CSV files for a CRM without an integration: the channel and marketing teams.
    "crm_exports": {R.ADMIN, R.CHANNEL_MANAGER, R.MARKETING_OPS},
    # The portal (#21): everyone signed in reads the library and the announcements.
    "asset_library": set(USER_ROLES),
    "announcements": set(USER_ROLES),
    "requests": {"partner_admin", "partner_user", "admin", "channel_manager"},
    "business_plan": set(USER_ROLES),
}


def test_each_page_keeps_the_roles_it_had():
    assert {spec.route: who_may_open(spec) for spec in PAGES} == ROLES_BEFORE | {
        SECOND_FACTOR: set()}  # a complete sign-in never sees the two-factor page


def test_a_sign_in_owing_its_second_factor_reaches_only_the_two_factor_page():
    for role in USER_ROLES:
        for owed in ("verify", "enrol"):
            user = replace(signed_in(role), second_factor=owed)
            assert [p.route for p in pages_for(user)] == [SECOND_FACTOR]
            assert link_for(user, "deal_desk") is None and link_for(user, "profile") is None


def test_a_temporary_password_reaches_only_the_profile_and_a_pending_agreement_the_account():
    for role in USER_ROLES:
        assert [p.route for p in pages_for(signed_in(role, must_change_password=True))] == [
            "profile"]
    for role in PARTNER_ROLES:
        assert [p.route for p in menu_for(signed_in(role, agreement_current=False))] == [
            "agreement", "profile"]


def test_routes_are_the_file_stems_and_resolve_from_names_and_legacy_paths():
    for spec in PAGES:
        assert spec.file == f"pages/{spec.route}.py"
        assert page_file(spec.route) == page_file(spec.file) == spec.file
        assert spec_for(f"/srv/prm/pages/{spec.route}.py") is spec  # a page's own __file__
    assert route_of("pages\\my_deals.py") == "my_deals"
    with pytest.raises(KeyError):
        page_file("no_such_page")
    with pytest.raises(KeyError):
        page_file("pages/no_such_page.py")


def test_a_link_is_given_only_for_a_page_its_user_may_open():
    rep, channel = signed_in(R.PARTNER_USER), signed_in(R.CHANNEL_MANAGER)
    assert link_for(rep, "my_deals") == link_for(rep, "pages/my_deals.py") == "pages/my_deals.py"
    assert link_for(channel, "my_deals") is None
    assert link_for(channel, "deal_desk") == "pages/deal_desk.py"
    assert link_for(rep, "pages/retired_page.py") is None
    assert link_for(rep, None) is None and link_for(rep, "") is None
    assert link_for(None, "become_partner") == "pages/become_partner.py"
    assert link_for(signed_in(R.PARTNER_USER, agreement_current=False), "my_deals") is None


# Home's next actions as they were when a dict keyed by role listed them in the page.
NEXT_BEFORE = {
    R.ADMIN: [("deal_desk", "Work the deal desk queue"),
              ("users", "Manage users and roles"),
              ("audit_log", "Review the audit log"),
              ("tiers", "Keep the tier rules"),
              ("partners", "Browse partners")],
    R.CHANNEL_MANAGER: [("deal_desk", "Work the deal desk queue"),
                        ("tiers", "Decide the proposed tier changes"),
                        ("applications", "Review partner applications"),
                        ("onboarding", "See who is stuck in onboarding"),
                        ("direct_opportunities", "Import direct opportunities"),
                        ("partners", "Review your partners"),
                        ("incentive_programs",
                         "Replay a rebate or SPIFF change before publishing it")],
    R.MARKETING_OPS: [("partners", "See which partners to reach"),
                      ("fund_desk", "Decide fund requests")],
    R.FINANCE: [("won_deals", "Export won deals for a period"),
                ("partners", "Look up a partner"),
                ("fund_desk", "Approve and pay fund claims"),
                ("incentive_statements", "Calculate, approve and pay incentive statements")],
    R.EXECUTIVE: [("won_deals", "See won deals"),
                  ("partners", "See the partner base")],
    R.ANALYST: [("partners", "Explore partner data")],
    R.PARTNER_ADMIN: [("register_deal", "Register a deal"),
                      ("my_deals", "Follow your team's deals"),
                      ("users", "Manage your team's accounts"),
                      ("funds", "Request funds for a marketing activity"),
                      ("incentive_statements", "Download your incentive statements"),
                      ("my_tier", "See what the next tier needs"),
                      ("company_profile", "Keep your company profile complete")],
    R.PARTNER_USER: [("register_deal", "Register a deal"),
                     ("my_deals", "Follow your deals"),
                     ("profile", "Update your profile")],
}


def test_home_suggests_each_role_the_same_next_actions_as_before():
    for role, expected in NEXT_BEFORE.items():
        assert next_actions(signed_in(role)) == [(page_file(r), label) for r, label in expected]
    assert next_actions(None) == []


def test_a_next_action_is_only_suggested_to_whom_may_open_its_page():
    for action in NEXT_ACTIONS:
        spec = spec_for(action.route)
        assert action.audience is None or action.audience <= spec.roles, action
    for role in USER_ROLES:
        assert next_actions(signed_in(role, must_change_password=True)) in (
            [], [("pages/profile.py", "Update your profile")])


def test_a_signed_out_visitor_is_sent_on_only_to_pages_that_need_a_sign_in():
    """Issue #14: the address a visitor asked for is kept through sign-in, when it is a page
    of the app that sign-in opens (not a visitor's page, not an unknown one)."""
    from ui.registry import signed_out_route

    assert signed_out_route("deal") == "deal"
    assert signed_out_route("deal_desk") == "deal_desk"
    for requested in ("home", "become_partner", "application_status", "nowhere", "", None):
        assert signed_out_route(requested) is None


def test_a_stored_link_opens_its_record_for_those_who_may_open_the_page():
    from ui.registry import target_for

    assert target_for(signed_in(R.CHANNEL_MANAGER), "deal?id=42") == ("pages/deal.py",
                                                                      {"id": "42"})
    assert target_for(signed_in(R.PARTNER_USER), "pages/my_deals.py") == (
        "pages/my_deals.py", {})
    assert target_for(signed_in(R.PARTNER_USER), "application?id=3") is None
    assert target_for(signed_in(R.FINANCE), None) is None
