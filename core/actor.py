"""Who is acting: a signed-in user, a background job, or an anonymous visitor."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    CHANNEL_MANAGER = "channel_manager"
    MARKETING_OPS = "marketing_ops"
    FINANCE = "finance"
    EXECUTIVE = "executive"
    ANALYST = "analyst"
    PARTNER_ADMIN = "partner_admin"
    PARTNER_USER = "partner_user"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


VENDOR_ROLES = frozenset(
    {Role.ADMIN, Role.CHANNEL_MANAGER, Role.MARKETING_OPS, Role.FINANCE, Role.EXECUTIVE,
     Role.ANALYST}
)
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN, Role.PARTNER_USER})
USER_ROLES = VENDOR_ROLES | PARTNER_ROLES

ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.CHANNEL_MANAGER: "Channel manager",
    Role.MARKETING_OPS: "Marketing operations",
    Role.FINANCE: "Finance",
    Role.EXECUTIVE: "Executive",
    Role.ANALYST: "Analyst",
    Role.PARTNER_ADMIN: "Partner administrator",
    Role.PARTNER_USER: "Partner sales rep",
}


@dataclass(frozen=True)
class Actor:
    role: Role
    user_id: int | None = None
    partner_id: int | None = None
    label: str = ""

    def __post_init__(self):
        if self.role in PARTNER_ROLES and self.partner_id is None:
            raise ValueError("a partner role needs a partner id")
        if self.role in VENDOR_ROLES and self.partner_id is not None:
            raise ValueError("a vendor role has no partner id")

    @classmethod
    def user(cls, user_id: int, role: str, partner_id: int | None, username: str) -> "Actor":
        return cls(role=Role(role), user_id=user_id, partner_id=partner_id, label=username)

    @classmethod
    def system(cls, job_name: str) -> "Actor":
        return cls(role=Role.SYSTEM, label=f"system:{job_name}")

    @classmethod
    def anonymous(cls, session_ref: str = "") -> "Actor":
        return cls(role=Role.ANONYMOUS, label=f"anonymous:{session_ref}")

    @property
    def is_partner(self) -> bool:
        return self.role in PARTNER_ROLES

    @property
    def is_vendor(self) -> bool:
        return self.role in VENDOR_ROLES

    @property
    def is_signed_in(self) -> bool:
        return self.user_id is not None
