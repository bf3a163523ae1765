"""The page registry: every page once, with who may open it. Home.py builds the menu from it
and the AppTest role matrix is generated from it. Pure data: no Streamlit import."""

from collections.abc import Callable
from dataclasses import dataclass, field

from core.accounts import SignedIn
from core.actor import PARTNER_ROLES, USER_ROLES, VENDOR_ROLES, Role

ANY_USER = frozenset(USER_ROLES)
DESK_ROLES = frozenset({Role.ADMIN, Role.CHANNEL_MANAGER})


def agreement_accepted(user: SignedIn) -> bool:
    """Until its partner accepts the current agreement, a partner user reaches only the
    agreement and its own profile (vendors always have agreement_current)."""
    return user.agreement_current


@dataclass(frozen=True)
class PageSpec:
    file: str
    title: str
    icon: str
    section: str
    roles: frozenset[Role] = field(default_factory=frozenset)
    anonymous: bool = False
    # An extra condition on the signed-in user; None for the pages open before it holds.
    condition: Callable[[SignedIn], bool] | None = agreement_accepted
    url_path: str | None = None


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "Home", ":material/home:", "", ANY_USER, anonymous=True,
             url_path="home"),
    PageSpec("pages/become_partner.py", "Become a partner", ":material/handshake:", "",
             anonymous=True),
    PageSpec("pages/application_status.py", "Application status", ":material/search:", "",
             anonymous=True),
    PageSpec("pages/register_deal.py", "Register a deal", ":material/add_business:", "Deals",
             PARTNER_ROLES),
    PageSpec("pages/my_deals.py", "My deals", ":material/work:", "Deals", PARTNER_ROLES),
    PageSpec("pages/deal_desk.py", "Deal desk", ":material/gavel:", "Deals", DESK_ROLES),
    PageSpec("pages/end_customers.py", "End customers", ":material/apartment:", "Deals",
             DESK_ROLES),
    PageSpec("pages/direct_opportunities.py", "Direct opportunities", ":material/upload_file:",
             "Deals", DESK_ROLES),
    PageSpec("pages/won_deals.py", "Won deals", ":material/paid:", "Deals",
             frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.FINANCE, Role.EXECUTIVE})),
    PageSpec("pages/applications.py", "Applications", ":material/person_add:", "Channel",
             DESK_ROLES),
    PageSpec("pages/partners.py", "Partners", ":material/groups:", "Channel", VENDOR_ROLES),
    PageSpec("pages/partner_360.py", "Partner 360", ":material/person_search:", "Channel",
             VENDOR_ROLES),
    PageSpec("pages/onboarding.py", "Onboarding", ":material/checklist:", "Channel",
             frozenset({Role.ADMIN, Role.CHANNEL_MANAGER, Role.EXECUTIVE})),
    PageSpec("pages/tiers.py", "Tiers", ":material/workspace_premium:", "Channel", DESK_ROLES),
    PageSpec("pages/agreement.py", "Partner agreement", ":material/contract:", "Account",
             PARTNER_ROLES, condition=None),
    PageSpec("pages/company_profile.py", "Company profile", ":material/domain:", "Account",
             frozenset({Role.PARTNER_ADMIN})),
    PageSpec("pages/my_tier.py", "Our tier", ":material/military_tech:", "Account",
             PARTNER_ROLES),
    PageSpec("pages/notifications.py", "Notifications", ":material/notifications:", "Account",
             ANY_USER),
    PageSpec("pages/profile.py", "Profile", ":material/person:", "Account", ANY_USER,
             condition=None),
    PageSpec("pages/users.py", "Users", ":material/manage_accounts:", "Administration",
             frozenset({Role.ADMIN, Role.PARTNER_ADMIN})),
    PageSpec("pages/audit_log.py", "Audit log", ":material/history:", "Administration",
             frozenset({Role.ADMIN})),
    PageSpec("pages/product_catalog.py", "Product catalog", ":material/inventory_2:",
             "Administration", frozenset({Role.ADMIN})),
    PageSpec("pages/jobs.py", "Background jobs", ":material/schedule:", "Administration",
             frozenset({Role.ADMIN})),
)

PROFILE_FILE = "pages/profile.py"


def spec_for(file: str) -> PageSpec:
    file = file.replace("\\", "/")
    for spec in PAGES:
        if file.endswith(spec.file):
            return spec
    raise KeyError(file)


def allowed(spec: PageSpec, user: SignedIn | None) -> bool:
    if user is None:
        return spec.anonymous
    if user.actor.role not in spec.roles:
        return False
    if user.must_change_password and spec.file != PROFILE_FILE:
        return False
    return spec.condition is None or spec.condition(user)


def pages_for(user: SignedIn | None) -> list[PageSpec]:
    return [p for p in PAGES if allowed(p, user)]

