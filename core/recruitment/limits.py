"""How many applications the public form accepts, whoever sends them (core.ratelimit):

- per client address (the key the page passes; empty: not limited), an hour;
- per contact e-mail address, a day: each application mails that address;
- per company e-mail domain, a day; a free-mail domain (gmail.com) is shared by strangers,
  so it is not limited as one company: its addresses are limited one by one only.

The numbers are settings (PRM_APPLY_LIMIT_PER_ADDRESS_PER_HOUR, ..._PER_EMAIL_PER_DAY,
..._PER_DOMAIN_PER_DAY; 0 turns one off). Only accepted applications count (see
core.ratelimit): invalid forms, duplicates and refusals write no hit."""

from datetime import timedelta

from core.customers import is_free_mail, registrable_domain
from core.ratelimit import Limit
from core.settings import get_settings

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

ADDRESS_BUCKET = "application-address"
EMAIL_BUCKET = "application-email"
DOMAIN_BUCKET = "application-domain"


def address_limit(client_address: str) -> Limit:
    return Limit(ADDRESS_BUCKET, client_address, get_settings().apply_limit_per_address_per_hour,
                 HOUR, "Too many applications from your network in the last hour. Please try "
                 "again in {wait}.")


def mailbox_key(email: str) -> str:
    """One key per mailbox: "victim+1@gmail.com" and "Victim+2@gmail.com" are one inbox."""
    local, _, domain = email.lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def email_limits(email: str) -> list[Limit]:
    """The limits on the contact e-mail address and on its company domain."""
    s = get_settings()
    limits = [Limit(EMAIL_BUCKET, mailbox_key(email), s.apply_limit_per_email_per_day, DAY,
                    "Too many applications with this e-mail address today. Please try again "
                    "in {wait}.", field="contact_email")]
    domain = registrable_domain(email.rpartition("@")[2])
    if domain and not is_free_mail(domain):
        limits.append(Limit(DOMAIN_BUCKET, domain, s.apply_limit_per_domain_per_day, DAY,
                            f"Too many applications from e-mail addresses at {domain} today. "
                            "Please try again in {wait}.", field="contact_email"))
    return limits
