"""Accounts: sign-in with lockout kept in the database, server-side sessions, one-time
links to choose a password, profiles, user management and the first admin."""

from core.accounts.bootstrap import create_admin, has_admin
from core.accounts.links import (
    FORGOT_ANSWER,
    LINK_INVALID,
    LINK_MINUTES,
    IssuedLink,
    LinkHolder,
    issue_link,
    link_holder,
    request_password_reset,
    set_password_with_link,
)
from core.accounts.profile import (
    ProfileIn,
    change_own_password,
    get_profile,
    time_zones,
    update_profile,
)
from core.accounts.records import USER_FIELDS, UserCreated, UserOut, UserSignedIn
from core.accounts.sessions import (
    cookie_value,
    end_all_sessions,
    live_session_count,
    token_from_cookie,
    touch_due,
    touch_session,
)
from core.accounts.signin import (
    BAD_CREDENTIALS,
    SignedIn,
    SignInRefused,
    resume_session,
    sign_in,
    sign_out,
)
from core.accounts.usernames import USERNAME_RULE, check_username, derived_username
from core.accounts.users import (
    NewUserIn,
    UserFilter,
    change_role,
    create_partner_admin,
    create_user,
    grantable_roles,
    list_users,
    reset_password,
    set_active,
    unlock,
)

__all__ = [
    "BAD_CREDENTIALS", "FORGOT_ANSWER", "LINK_INVALID", "LINK_MINUTES", "USERNAME_RULE",
    "USER_FIELDS", "IssuedLink", "LinkHolder", "NewUserIn", "ProfileIn", "SignInRefused",
    "SignedIn", "UserCreated", "UserFilter", "UserOut", "UserSignedIn", "change_own_password",
    "change_role",
    "check_username", "cookie_value", "create_admin", "create_partner_admin", "create_user",
    "derived_username", "end_all_sessions", "get_profile", "grantable_roles", "has_admin",
    "issue_link", "link_holder", "list_users", "live_session_count", "request_password_reset",
    "reset_password", "resume_session", "set_active", "set_password_with_link", "sign_in",
    "sign_out", "time_zones", "token_from_cookie", "touch_due", "touch_session", "unlock",
    "update_profile",
]
