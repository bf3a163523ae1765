"""The page registry: every page once, with the core action it needs. Home.py builds the menu
from it, the AppTest role matrix is generated from it, and it turns the route names that core
speaks of (in notifications, say) into the page files Streamlit links to. Pure data: no
Streamlit import.

Who may open a page is `core.permissions.can(actor, spec.action)`: the roles come from
`core.permissions.RULES`, written there once. A page whose action allows `Role.ANONYMOUS` is
open to visitors who have not signed in."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from core.accounts import SignedIn
from core.actor import USER_ROLES, Actor, Role
from core.notifications import split_link
from core.permissions import RULES, can

R = Role


def agreement_accepted(user: SignedIn) -> bool:
    """Until its partner accepts the current agreement, a partner user reaches only the
    agreement and its own profile (vendors always have agreement_current)."""
    return user.agreement_current


@dataclass(frozen=True)
class PageSpec:
    # The route name: the page file's stem, which is also the page's url path ("/my_deals").
    route: str
    title: str
    icon: str
    section: str
    # The core action (a key of core.permissions.RULES) a user must be allowed to open it.
    action: str
    # An extra condition on the signed-in user; None for the pages open before it holds.
    condition: Callable[[SignedIn], bool] | None = agreement_accepted
    # Reached by a link (the sign-in form's, a mailed one), not listed in the menu.
    hidden: bool = False

    @property
    def file(self) -> str:
        return f"pages/{self.route}.py"

    @property
    def roles(self) -> frozenset[Role]:
        """The signed-in roles that may open it (before its condition)."""
        return RULES[self.action] & USER_ROLES

    @property
    def anonymous(self) -> bool:
        return Role.ANONYMOUS in RULES[self.action]


PAGES: tuple[PageSpec, ...] = (
    PageSpec("home", "Home", ":material/home:", "", "home.view"),
    PageSpec("become_partner", "Become a partner", ":material/handshake:", "",
             "application.submit"),
    PageSpec("application_status", "Application status", ":material/search:", "",
             "application.status"),
    PageSpec("certificate_check", "Check a certificate", ":material/verified:", "",
             "certificate.check"),
    PageSpec("register_deal", "Register a deal", ":material/add_business:", "Deals",
             "deal.register"),
    PageSpec("my_deals", "My deals", ":material/work:", "Deals", "deal.list_own"),
    PageSpec("deal_desk", "Deal desk", ":material/gavel:", "Deals", "deal.desk"),
    PageSpec("end_customers", "End customers", ":material/apartment:", "Deals", "customer.view"),
    PageSpec("direct_opportunities", "Direct opportunities", ":material/upload_file:", "Deals",
             "deal.import_direct"),
    PageSpec("won_deals", "Won deals", ":material/paid:", "Deals", "deal.export_won"),
    PageSpec("applications", "Applications", ":material/person_add:", "Channel",
             "application.review"),
    PageSpec("partners", "Partners", ":material/groups:", "Channel", "partner.directory"),
    PageSpec("partner_360", "Partner 360", ":material/person_search:", "Channel", "partner.360"),
    PageSpec("onboarding", "Onboarding", ":material/checklist:", "Channel", "onboarding.report"),
    PageSpec("tiers", "Tiers", ":material/workspace_premium:", "Channel", "tier.proposals"),
    PageSpec("scorecard", "Scorecard", ":material/monitoring:", "Performance",
             "scorecard.view"),
    PageSpec("partner_performance", "Partner performance", ":material/leaderboard:",
             "Performance", "health.view"),
    PageSpec("revenue_dashboard", "Revenue dashboard", ":material/bar_chart:", "Performance",
             "dashboard.view"),
    # An analyst's page in one file: README, "Add a page in one file".
    PageSpec("won_by_type", "Won by partner type", ":material/pie_chart:", "Performance",
             "dashboard.view"),
    PageSpec("leads_inbox", "My leads", ":material/inbox:", "Leads", "lead.work"),
    PageSpec("leads", "Leads", ":material/call_received:", "Leads", "lead.manage"),
    PageSpec("lead_import", "Import leads", ":material/upload_file:", "Leads", "lead.manage"),
    PageSpec("lead_report", "Lead report", ":material/query_stats:", "Leads", "lead.report"),
    PageSpec("funds", "Funds", ":material/savings:", "Funds", "fund.request"),
    PageSpec("fund_desk", "Funds overview", ":material/account_balance:", "Funds",
             "fund.overview"),
    PageSpec("fund_programs", "Fund programs", ":material/campaign:", "Funds", "fund.programs"),
    PageSpec("fund_ledger", "Fund ledger", ":material/receipt_long:", "Funds", "fund.ledger"),
    PageSpec("pos_upload", "Send POS data", ":material/upload:", "POS", "pos.upload"),
    PageSpec("pos_exceptions", "POS exceptions", ":material/rule:", "POS", "pos.view"),
    PageSpec("pos_lines", "POS lines", ":material/receipt:", "POS", "pos.view"),
    PageSpec("pos_reporting", "POS reporting", ":material/event_available:", "POS",
             "pos.view"),
    PageSpec("incentive_statements", "Incentive statements", ":material/request_page:",
             "Incentives", "incentive.view"),
    PageSpec("incentive_programs", "Incentive programs", ":material/redeem:", "Incentives",
             "incentive.whatif"),
    PageSpec("my_spiffs", "My SPIFFs", ":material/emoji_events:", "Incentives",
             "incentive.own_spiffs"),
    PageSpec("asset_library", "Asset library", ":material/folder_open:", "Portal",
             "portal.view"),
    PageSpec("announcements", "Announcements", ":material/campaign:", "Portal",
             "portal.view"),
    PageSpec("requests", "Requests", ":material/support_agent:", "Portal",
             "portal.requests_view"),
    PageSpec("business_plan", "Business plan", ":material/flag:", "Portal",
             "portal.plan_view"),
    PageSpec("training", "Training", ":material/school:", "Training", "training.learn"),
    PageSpec("courses", "Courses", ":material/menu_book:", "Training", "training.author"),
    PageSpec("training_report", "Training report", ":material/workspace_premium:", "Training",
             "training.author"),
    PageSpec("agreement", "Partner agreement", ":material/contract:", "Account",
             "agreement.view_own", condition=None),
    PageSpec("company_profile", "Company profile", ":material/domain:", "Account",
             "partner.own_profile"),
    PageSpec("my_tier", "Our tier", ":material/military_tech:", "Account", "tier.view_own"),
    PageSpec("notifications", "Notifications", ":material/notifications:", "Account",
             "notification.view"),
    PageSpec("profile", "Profile", ":material/person:", "Account", "profile.edit",
             condition=None),
    PageSpec("users", "Users", ":material/manage_accounts:", "Administration", "user.manage"),
    PageSpec("audit_log", "Audit log", ":material/history:", "Administration", "audit.view"),
    PageSpec("product_catalog", "Product catalog", ":material/inventory_2:", "Administration",
             "catalog.manage"),
    PageSpec("products", "Products", ":material/inventory:", "Administration",
             "product.manage"),
    PageSpec("currency_rates", "Currency rates", ":material/currency_exchange:",
             "Administration", "rates.manage"),
    PageSpec("jobs", "Background jobs", ":material/schedule:", "Administration", "job.view"),
    PageSpec("integrations", "Integrations", ":material/hub:", "Administration",
             "integration.manage"),
    PageSpec("crm_exports", "CRM exports", ":material/cloud_download:", "Administration",
             "crm.export"),
    PageSpec("lead_routing", "Lead routing", ":material/tune:", "Administration",
             "lead.settings"),
    # One record each, opened by ?id=N from a table row, a notification or a shared URL.
    PageSpec("deal", "Deal registration", ":material/description:", "Deals", "deal.view",
             hidden=True),
    PageSpec("application", "Partner application", ":material/assignment_ind:", "Channel",
             "application.review", hidden=True),
    PageSpec("end_customer", "End customer", ":material/apartment:", "Deals", "customer.view",
             hidden=True),
    PageSpec("course", "Course", ":material/menu_book:", "Training", "training.learn",
             hidden=True),
    PageSpec("lead", "Lead", ":material/contact_page:", "Leads", "lead.view", hidden=True),
    PageSpec("fund_request", "Fund request", ":material/request_quote:", "Funds", "fund.view",
             hidden=True),
    PageSpec("incentive_statement", "Incentive statement", ":material/request_page:",
             "Incentives", "incentive.view", hidden=True),
    # Last: the first page a user may open is the one the app opens on.
    PageSpec("forgot_password", "Forgot password", ":material/lock_reset:", "",
             "account.request_reset", hidden=True),
    PageSpec("set_password", "Choose a password", ":material/password:", "",
             "account.set_password", condition=None, hidden=True),
    # The only page of a sign-in that still owes its second factor (and of no other).
    PageSpec("second_factor", "Two-factor sign-in", ":material/security:", "",
             "account.second_factor", condition=None, hidden=True),
)

_BY_ROUTE = {spec.route: spec for spec in PAGES}
# While its password is a temporary one, a user reaches only this page.
PROFILE = "profile"
SECOND_FACTOR = "second_factor"


def route_of(name: str) -> str:
    """A route name from a route name ("my_deals") or a page file, legacy stored links
    ("pages/my_deals.py") and a page's own __file__ included."""
    name = name.replace("\\", "/")
    return PurePosixPath(name).stem if name.endswith(".py") else name


def spec_for(name: str) -> PageSpec:
    """The page of a route name or page file; KeyError when there is none."""
    return _BY_ROUTE[route_of(name)]


def page_file(name: str) -> str:
    """The file `st.page_link` and `st.switch_page` take, for a route name or a legacy
    "pages/x.py" link; KeyError for a page the registry does not know."""
    return spec_for(name).file


def allowed(spec: PageSpec, user: SignedIn | None) -> bool:
    actor = user.actor if user else Actor.anonymous()
    if not can(actor, spec.action):
        return False
    if user is None:
        return True
    if user.second_factor or spec.route == SECOND_FACTOR:
        return bool(user.second_factor) and spec.route == SECOND_FACTOR
    if user.must_change_password and spec.route != PROFILE:
        return False
    return spec.condition is None or spec.condition(user)


def pages_for(user: SignedIn | None) -> list[PageSpec]:
    return [p for p in PAGES if allowed(p, user)]


def menu_for(user: SignedIn | None) -> list[PageSpec]:
    """The pages listed in the user's menu: those it may open, less the hidden ones."""
    return [p for p in pages_for(user) if not p.hidden]


def link_for(user: SignedIn | None, name: str | None) -> str | None:
    """The page file to link to for a route name (or legacy page file), or None when there
    is no link to give: no name, a page the registry does not know, or one this user may
    not open (a link to it would only raise)."""
    if not name:
        return None
    try:
        spec = spec_for(name)
    except KeyError:
        return None
    return spec.file if allowed(spec, user) else None


def target_for(user: SignedIn | None, link: str | None) -> tuple[str, dict[str, str]] | None:
    """(page file, query) to open for a stored link ("deal?id=42", a route name or a legacy
    page file), or None when this user may not open its page."""
    found = split_link(link)
    if found is None or (file := link_for(user, found[0])) is None:
        return None
    return file, found[1]


def signed_out_route(requested: str | None) -> str | None:
    """The page a signed-out visitor asked for by URL that sign-in may open: a page the
    registry knows that is not open to visitors (those are in their menu already)."""
    try:
        spec = spec_for(requested or "")
    except KeyError:
        return None
    return None if spec.anonymous or spec.route == "home" else spec.route


# ---------------------------------------------------------------- Home's next actions


@dataclass(frozen=True)
class NextAction:
    route: str
    label: str
    # Whom it is suggested to, among those who may open the page (None: all of them). Who
    # *may* open a page is the page's action; a suggestion only narrows that, to the work a
    # role is here for (see DESIGN's roles table).
    audience: frozenset[Role] | None = None


def _for(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


# In the order Home lists them; a user gets at most one per page, the first that fits.
NEXT_ACTIONS: tuple[NextAction, ...] = (
    NextAction("register_deal", "Register a deal"),
    NextAction("my_deals", "Follow your team's deals", _for(R.PARTNER_ADMIN)),
    NextAction("my_deals", "Follow your deals"),
    NextAction("deal_desk", "Work the deal desk queue"),
    NextAction("users", "Manage your team's accounts", _for(R.PARTNER_ADMIN)),
    NextAction("users", "Manage users and roles"),
    NextAction("audit_log", "Review the audit log"),
    NextAction("tiers", "Keep the tier rules", _for(R.ADMIN)),
    NextAction("tiers", "Decide the proposed tier changes"),
    NextAction("applications", "Review partner applications", _for(R.CHANNEL_MANAGER)),
    NextAction("onboarding", "See who is stuck in onboarding", _for(R.CHANNEL_MANAGER)),
    NextAction("direct_opportunities", "Import direct opportunities", _for(R.CHANNEL_MANAGER)),
    NextAction("won_deals", "Export won deals for a period", _for(R.FINANCE)),
    NextAction("won_deals", "See won deals", _for(R.EXECUTIVE)),
    NextAction("partners", "Browse partners", _for(R.ADMIN)),
    NextAction("partners", "Review your partners", _for(R.CHANNEL_MANAGER)),
    NextAction("partners", "See which partners to reach", _for(R.MARKETING_OPS)),
    NextAction("partners", "Look up a partner", _for(R.FINANCE)),
    NextAction("partners", "See the partner base", _for(R.EXECUTIVE)),
    NextAction("partners", "Explore partner data", _for(R.ANALYST)),
    NextAction("funds", "Request funds for a marketing activity", _for(R.PARTNER_ADMIN)),
    NextAction("fund_desk", "Decide fund requests", _for(R.MARKETING_OPS)),
    NextAction("fund_desk", "Approve and pay fund claims", _for(R.FINANCE)),
    NextAction("incentive_statements", "Calculate, approve and pay incentive statements",
               _for(R.FINANCE)),
    NextAction("incentive_programs", "Replay a rebate or SPIFF change before publishing it",
               _for(R.CHANNEL_MANAGER)),
    NextAction("incentive_statements", "Download your incentive statements",
               _for(R.PARTNER_ADMIN)),
    NextAction("my_tier", "See what the next tier needs", _for(R.PARTNER_ADMIN)),
    NextAction("company_profile", "Keep your company profile complete"),
    NextAction("profile", "Update your profile", _for(R.PARTNER_USER)),
)


def next_actions(user: SignedIn | None) -> list[tuple[str, str]]:
    """(page file, label) of the next actions Home suggests to this user: only pages the
    user may open, at most one per page."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for action in NEXT_ACTIONS:
        if action.route in seen or user is None:
            continue
        if action.audience is not None and user.actor.role not in action.audience:
            continue
        if (file := link_for(user, action.route)) is not None:
            seen.add(action.route)
            out.append((file, action.label))
    return out
