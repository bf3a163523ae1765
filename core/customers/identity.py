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


# Names people and CRM exports use that ISO 3166 does not know: common, former and
# colloquial English names, and a few names in the country's own language. Keys folded
# (lower case, no dots).
COUNTRY_ALIASES = {
    "uk": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "united kingdom of great britain": "GB",
    "america": "US", "united states of america": "US", "us of a": "US",
    "russia": "RU", "holland": "NL", "the netherlands": "NL", "nederland": "NL",
    "burma": "MM", "swaziland": "SZ", "ivory coast": "CI", "cote divoire": "CI",
    "turkey": "TR", "turkiye": "TR", "macedonia": "MK", "republic of macedonia": "MK",
    "cape verde": "CV", "east timor": "TL", "brunei": "BN", "micronesia": "FM",
    "palestine": "PS", "vatican": "VA", "vatican city": "VA", "drc": "CD", "zaire": "CD",
    "democratic republic of congo": "CD", "republic of congo": "CG", "persia": "IR",
    "ceylon": "LK", "siam": "TH", "rhodesia": "ZW", "czechia": "CZ", "bohemia": "CZ",
    "korea": "KR", "north korea": "KP", "uae": "AE", "emirates": "AE", "ksa": "SA",
    "deutschland": "DE", "germany (federal republic)": "DE", "espana": "ES", "españa": "ES",
    "osterreich": "AT", "österreich": "AT", "schweiz": "CH", "suisse": "CH", "svizzera": "CH",
    "brasil": "BR", "mexico": "MX", "méxico": "MX", "sverige": "SE", "norge": "NO",
    "danmark": "DK", "suomi": "FI", "italia": "IT", "polska": "PL", "belgie": "BE",
    "belgië": "BE", "belgique": "BE", "eire": "IE", "éire": "IE", "nippon": "JP",
    "hong kong sar": "HK", "macau": "MO", "south vietnam": "VN", "laos pdr": "LA",
}


def country_code(value: str) -> str | None:
    """An ISO 3166 alpha-2 code for a code, an English country name (ISO's, or a common or
    former one: COUNTRY_ALIASES) or a few native names, or None."""
    value = (value or "").strip()
    if not value:
        return None
    undotted = value.replace(".", "").strip()  # "U.S.A.", "U.K."
    alias = COUNTRY_ALIASES.get(undotted.lower())
    if alias is not None:
        return alias
    for text in dict.fromkeys((value, undotted)):
        found = pycountry.countries.get(alpha_2=text.upper()) if len(text) == 2 else None
        if found is None:
            try:
                found = pycountry.countries.lookup(text)
            except LookupError:
                continue
        return found.alpha_2
    return None


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
