"""One permission function over (actor, action, object). Pages never decide access."""

from typing import Any

from sqlalchemy import Select, false

from core.actor import PARTNER_ROLES, VENDOR_ROLES, Actor, Role
from core.errors import PermissionDenied

R = Role
ALL_USERS = VENDOR_ROLES | PARTNER_ROLES

# action -> roles that may perform it. Partner roles are further limited to their own
# partner's objects by `can` below.
RULES: dict[str, frozenset[Role]] = {
    # Home: everybody, signed in or not (a visitor finds the sign-in form and the application).
    "home.view": ALL_USERS | frozenset({R.ANONYMOUS}),
    "partner.list": ALL_USERS,
    # Approving an application creates the partner and its first user (its partner admin).
    "partner.create": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "partner.view": ALL_USERS,
    "tier.view": ALL_USERS,
    # The partner directory and partner 360 are the vendor's view across partners; a partner's
    # users' contact details there only for the people who manage partners.
    "partner.directory": VENDOR_ROLES,
    "partner.360": VENDOR_ROLES,
    "partner.contacts": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "audit.view": frozenset({R.ADMIN}),
    "user.view": frozenset({R.ADMIN, R.PARTNER_ADMIN}),
    "user.manage": frozenset({R.ADMIN, R.PARTNER_ADMIN}),
    "profile.edit": ALL_USERS,
    # One's own second factor (core.accounts.second_factor offers it to vendor staff only);
    # an admin resets another user's (a lost phone).
    "account.second_factor": ALL_USERS,
    "user.second_factor_reset": frozenset({R.ADMIN}),
    # Opening a user's window to link a single sign-on identity, or removing its links.
    "user.sso_link": frozenset({R.ADMIN}),
    # "Forgot password" is for visitors; the link it mails opens for whoever holds it.
    "account.request_reset": frozenset({R.ANONYMOUS}),
    "account.set_password": ALL_USERS | frozenset({R.ANONYMOUS}),
    "notification.view": ALL_USERS,
    "job.view": frozenset({R.ADMIN}),
    "job.run": frozenset({R.ADMIN}),
    # Recruitment: strangers apply and follow their application; the channel team decides.
    "application.submit": frozenset({R.ANONYMOUS}),
    "application.status": frozenset({R.ANONYMOUS}),
    "application.review": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    # Onboarding. Partner roles reach only their own partner (see `can`).
    "partner.edit_profile": frozenset({R.ADMIN, R.CHANNEL_MANAGER, R.PARTNER_ADMIN}),
    "agreement.view": ALL_USERS,
    "agreement.accept": frozenset({R.PARTNER_ADMIN}),
    "agreement.publish": frozenset({R.ADMIN}),
    "onboarding.view": frozenset({R.ADMIN, R.CHANNEL_MANAGER, R.PARTNER_ADMIN}),
    "onboarding.manage": frozenset({R.ADMIN}),
    "onboarding.report": frozenset({R.ADMIN, R.CHANNEL_MANAGER, R.EXECUTIVE}),
    # A partner's own side of onboarding: its users read the agreement their company accepts
    # (only the partner admin accepts it), the partner admin keeps the company's profile and
    # works through its getting-started checklist.
    "agreement.view_own": PARTNER_ROLES,
    "partner.own_profile": frozenset({R.PARTNER_ADMIN}),
    "onboarding.own_checklist": frozenset({R.PARTNER_ADMIN}),
    # Deal registration. Partner roles reach only their own partner's deals (and a
    # partner_user only the ones it owns: core.deals checks that on top).
    "catalog.view": ALL_USERS,
    "catalog.manage": frozenset({R.ADMIN}),
    "customer.view": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "customer.merge": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "deal.register": frozenset({R.PARTNER_ADMIN, R.PARTNER_USER}),
    # A partner's users follow their own registrations (My deals).
    "deal.list_own": PARTNER_ROLES,
    "deal.view": PARTNER_ROLES | frozenset({R.ADMIN, R.CHANNEL_MANAGER, R.EXECUTIVE, R.ANALYST}),
    "deal.update": PARTNER_ROLES,
    "deal.reassign": frozenset({R.PARTNER_ADMIN}),
    "deal.note": PARTNER_ROLES | frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "deal.export": PARTNER_ROLES | frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "deal.desk": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "deal.final_amount": frozenset({R.CHANNEL_MANAGER}),
    "deal.import_direct": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "deal.export_won": frozenset({R.ADMIN, R.CHANNEL_MANAGER, R.FINANCE, R.EXECUTIVE}),
    # Tiers: the admin keeps the rules; the channel team runs the evaluation and decides its
    # proposals. Progress and history: partner roles only their own partner's (see `can`).
    "tier.rules_edit": frozenset({R.ADMIN}),
    "tier.evaluate": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "tier.proposals": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "tier.decide": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "tier.progress": ALL_USERS,
    "tier.history": ALL_USERS,
    # A partner's users see their own tier, its benefits and what the next one needs.
    "tier.view_own": PARTNER_ROLES,
    # Scorecards: the vendor's roles any partner's, a partner's users only their own (`can`).
    "scorecard.view": ALL_USERS,
    # Health scores rest on every partner's figures (the benchmarks): the vendor's only.
    "health.view": VENDOR_ROLES,
    "health.weights": frozenset({R.ADMIN}),
    # The revenue dashboard (read only): the vendor's roles.
    "dashboard.view": VENDOR_ROLES,
    # Training: the channel and marketing teams write courses and tracks; partners' users
    # learn; a partner admin sees its team's progress, the vendor every partner's.
    "training.author": frozenset({R.ADMIN, R.MARKETING_OPS, R.CHANNEL_MANAGER}),
    "training.learn": PARTNER_ROLES,
    "training.progress": ALL_USERS,
    "training.team": VENDOR_ROLES | frozenset({R.PARTNER_ADMIN}),
    # Anyone checks a certificate's code: the page shows holder, track and validity only.
    "certificate.check": ALL_USERS | frozenset({R.ANONYMOUS}),
    # Leads: marketing and the channel team bring them in and route them; a channel manager
    # also assigns by hand; the admin sets the routing weights. Partners' users work the
    # leads offered to their partner (a partner_user those offered or handed to it: core.leads
    # checks that on top); the partner admin hands one to a teammate.
    "lead.view": ALL_USERS,  # what of which lead: core.leads.records
    "lead.manage": frozenset({R.ADMIN, R.MARKETING_OPS, R.CHANNEL_MANAGER}),
    "lead.assign": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "lead.settings": frozenset({R.ADMIN}),
    "lead.report": VENDOR_ROLES,
    "lead.work": PARTNER_ROLES,
    "lead.hand_over": frozenset({R.PARTNER_ADMIN}),
    "lead.erase": frozenset({R.ADMIN, R.MARKETING_OPS}),
    # Funds (MDF and co-op): the admin and marketing keep programs and allocations and decide
    # requests; finance decides claims, pays them and exports the ledger. The partner admin
    # requests and claims for its company. Balances and activities: every vendor role, a
    # partner admin its own (`can`); proof files only the fund roles and the owning partner.
    "fund.view": VENDOR_ROLES | frozenset({R.PARTNER_ADMIN}),
    # Portal: everyone signed in reads the library and the announcements meant for them;
    # marketing keeps them.
    "portal.view": ALL_USERS,
    "portal.content": frozenset({R.ADMIN, R.MARKETING_OPS}),
    # Requests: partner users open them; the admin and the channel managers answer.
    "portal.request": frozenset({R.PARTNER_ADMIN, R.PARTNER_USER}),
    "portal.answer": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "portal.requests_view": frozenset({R.PARTNER_ADMIN, R.PARTNER_USER, R.ADMIN,
                                       R.CHANNEL_MANAGER}),
    # Joint business plans: the channel team and the partner's admin agree them; everyone
    # of the vendor and the partner's own users read them.
    "portal.plan_view": VENDOR_ROLES | frozenset({R.PARTNER_ADMIN, R.PARTNER_USER}),
    "portal.plan_edit": frozenset({R.ADMIN, R.CHANNEL_MANAGER, R.PARTNER_ADMIN}),
    "portal.plan_review": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "fund.overview": VENDOR_ROLES,
    "fund.programs": frozenset({R.ADMIN, R.MARKETING_OPS}),
    "fund.request": frozenset({R.PARTNER_ADMIN}),
    "fund.review_request": frozenset({R.ADMIN, R.MARKETING_OPS}),
    "fund.review_claim": frozenset({R.ADMIN, R.FINANCE}),
    "fund.pay": frozenset({R.FINANCE}),
    "fund.files": frozenset({R.ADMIN, R.MARKETING_OPS, R.FINANCE, R.PARTNER_ADMIN}),
    "fund.ledger": frozenset({R.ADMIN, R.FINANCE}),
    # POS: a partner admin sends its own sell-through (a distributor's names its resellers);
    # vendor ops (admin, finance) send for any partner and work the exceptions; the admin
    # keeps the products, the admin and finance the currency rates. Lines: every vendor
    # role, a partner admin its own (`can`).
    "pos.upload": frozenset({R.ADMIN, R.FINANCE, R.PARTNER_ADMIN}),
    "pos.view": VENDOR_ROLES | frozenset({R.PARTNER_ADMIN}),
    "pos.exceptions": frozenset({R.ADMIN, R.FINANCE}),
    "product.manage": frozenset({R.ADMIN}),
    "rates.manage": frozenset({R.ADMIN, R.FINANCE}),
    # Incentives: the admin and the channel team keep rebate and SPIFF programs (and replay a
    # change with the what-if before publishing it); finance and the admin run the
    # calculation, finance approves statements and records payments. Statements: every
    # vendor role, a partner admin its own partner's (`can`).
    "incentive.view": VENDOR_ROLES | frozenset({R.PARTNER_ADMIN}),
    "incentive.programs": frozenset({R.ADMIN, R.CHANNEL_MANAGER}),
    "incentive.whatif": frozenset({R.ADMIN, R.CHANNEL_MANAGER, R.FINANCE, R.EXECUTIVE,
                                   R.ANALYST}),
    "incentive.calculate": frozenset({R.ADMIN, R.FINANCE}),
    "incentive.approve": frozenset({R.FINANCE}),
    "incentive.pay": frozenset({R.FINANCE}),
    "incentive.ledger": frozenset({R.ADMIN, R.FINANCE}),
    # A sales rep follows the SPIFFs the POS lines naming it earned (core.incentives checks
    # the rep's own e-mail on top).
    "incentive.own_spiffs": frozenset({R.PARTNER_USER}),
    # CRM integration: the admin keeps webhook subscriptions and reads their delivery log.
    "integration.manage": frozenset({R.ADMIN}),
    # CSV files in Salesforce's or HubSpot's field names for a CRM without an integration:
    # the vendor's channel and marketing teams (each file needs its records' own read
    # permission too: core.crm.crm_exports).
    "crm.export": frozenset({R.ADMIN, R.CHANNEL_MANAGER, R.MARKETING_OPS}),
}


def can(actor: Actor, action: str, obj: Any = None) -> bool:
    if actor.role == Role.SYSTEM:
        return True
    if actor.role not in RULES.get(action, frozenset()):
        return False
    if actor.role in PARTNER_ROLES and obj is not None:
        return _partner_id_of(obj) == actor.partner_id
    return True


def require(actor: Actor, action: str, obj: Any = None) -> None:
    if not can(actor, action, obj):
        raise PermissionDenied()


def _partner_id_of(obj: Any) -> int | None:
    # A Partner row is its own partner; every other scoped row carries partner_id.
    if type(obj).__name__ == "Partner":
        return obj.id
    return getattr(obj, "partner_id", None)


def scope(actor: Actor, query: Select, model: Any) -> Select:
    """`query` narrowed to the rows of `model` the actor may read: for a partner role only its
    own partner's (a Partner row is its own partner; every other scoped model carries
    partner_id), whatever else the query asks; for vendor roles and the system every row; for
    anyone else none. Reads scope here, in core, never in pages."""
    if actor.role in PARTNER_ROLES:
        column = model.id if model.__name__ == "Partner" else model.partner_id
        return query.where(column == actor.partner_id)
    if actor.role in VENDOR_ROLES or actor.role == Role.SYSTEM:
        return query
    return query.where(false())
