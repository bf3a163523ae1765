"""What identifies a company across records: its country (ISO codes and the vendor's sales
regions), its registrable web domain, and whether an e-mail domain is a mailbox provider's."""

import re
from functools import lru_cache
from urllib.parse import urlsplit

import pycountry
import tldextract

# Mailbox providers: a contact at gmail.com says nothing about which company it is.
FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr",
    "hotmail.de", "hotmail.it", "hotmail.es", "live.com", "live.co.uk", "live.fr", "msn.com",
    "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "yahoo.es", "yahoo.it", "yahoo.co.jp",
    "yahoo.com.br", "yahoo.co.in", "ymail.com", "rocketmail.com", "aol.com", "icloud.com",
    "me.com", "mac.com", "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.de", "gmx.net",
    "web.de", "t-online.de", "mail.com", "yandex.com", "yandex.ru", "mail.ru", "zoho.com",
    "fastmail.com", "hey.com", "qq.com", "163.com", "126.com", "naver.com", "orange.fr",
    "free.fr", "libero.it", "rediffmail.com", "uol.com.br", "bol.com.br",
})

# Regions as the vendor's sales teams split the world; any country not listed is EMEA.
_NA = {"US", "CA"}
_LATAM = {"MX", "GT", "BZ", "SV", "HN", "NI", "CR", "PA", "CU", "DO", "HT", "JM", "PR", "TT",
          "BS", "BB", "CO", "VE", "EC", "PE", "BO", "BR", "PY", "UY", "AR", "CL", "GY", "SR"}
_APAC = {"AU", "NZ", "JP", "KR", "CN", "HK", "TW", "MO", "SG", "MY", "TH", "VN", "PH", "ID",
         "IN", "PK", "BD", "LK", "NP", "MM", "KH", "LA", "BN", "MN", "FJ", "PG"}


def region_for(country: str) -> str:
    country = country.upper()
    if country in _NA:
        return "NA"
    if country in _LATAM:
        return "LATAM"
    if country in _APAC:
        return "APAC"
    return "EMEA"


def country_code(value: str) -> str | None:
    """An ISO 3166 alpha-2 code for a code or an English country name, or None."""
    value = (value or "").strip()
    if not value:
        return None
    found = pycountry.countries.get(alpha_2=value.upper()) if len(value) == 2 else None
    if found is None:
        try:
            found = pycountry.countries.lookup(value)
        except LookupError:
            return None
    return found.alpha_2


def country_choices() -> list[tuple[str, str]]:
    """(ISO code, English name) for a country select box, by name."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])


# ---------------------------------------------------------------- keys


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # No URLs: use the public-suffix snapshot shipped with tldextract, never the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


MAX_HOST = 253  # the longest host name DNS holds (and the domain columns' length)


def host_of(value: str) -> str | None:
    """The lower-case host name in a website, URL, bare domain or e-mail address; None when
    there is none or it is not a name DNS could hold."""
    value = (value or "").strip().lower()
    if not value:
        return None
    if "@" in value and "/" not in value:
        value = value.rsplit("@", 1)[1]
    if "//" not in value:
        value = "http://" + value
    try:
        host = urlsplit(value).hostname
    except ValueError:
        return None
    if not host or "." not in host or not re.fullmatch(r"[a-z0-9.-]+", host):
        return None
    host = host.strip(".")
    if len(host) > MAX_HOST or any(not 1 <= len(label) <= 63 for label in host.split(".")):
        return None  # not a name DNS can hold (253 characters, labels of 1 to 63)
    return host


def registrable_domain(value: str) -> str | None:
    """acme.co.uk for https://www.sales.acme.co.uk/x. Hosts under a suffix the public list
    does not know (acme.example, acme.internal) keep their full name without "www."."""
    host = host_of(value)
    if host is None:
        return None
    parts = _extractor()(host)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}"
    return host.removeprefix("www.")


def is_free_mail(domain: str | None) -> bool:
    return bool(domain) and domain in FREE_MAIL_DOMAINS


def company_domain(website: str | None, email: str | None = None) -> str | None:
    """The domain that identifies the company: the website's, else the contact e-mail's;
    None when it is a free-mail provider (gmail.com matches everyone, so it matches no one)."""
    for source in (website, email):
        domain = registrable_domain(source or "")
        if domain:
            return None if is_free_mail(domain) else domain
    return None
