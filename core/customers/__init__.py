"""End customers and matching: one record per real company, and how two writings of a
company's name are found to be the same.

    identity  country codes and sales regions, registrable web domains, mailbox providers
    names     the normalized name (legal forms, accents, punctuation gone)
    matching  the fuzzy matcher: keys, stored forms and scores with reasons in words
    records   end-customer records, their exact filing keys and the key index

Filing is exact on purpose: a record is "the vendor's view of one company"; a fuzzy score
only puts claims side by side for the desk, which may then merge two records."""

from core.customers.identity import (
    FREE_MAIL_DOMAINS,
    company_domain,
    country_choices,
    country_code,
    host_of,
    is_free_mail,
    region_for,
    registrable_domain,
)
from core.customers.names import normalize_name
from core.customers.records import (
    CUSTOMER_FIELDS,
    EndCustomerOut,
    add_keys,
    file_name,
    find_or_create,
    search_customers,
)

__all__ = [
    "CUSTOMER_FIELDS", "FREE_MAIL_DOMAINS", "EndCustomerOut", "add_keys", "company_domain",
    "country_choices", "country_code", "file_name", "find_or_create", "host_of",
    "is_free_mail", "normalize_name", "region_for", "registrable_domain", "search_customers",
]
