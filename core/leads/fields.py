"""A lead's fields checked and normalized, the same for the form and for every row of an
import: each field's rule, the company named from its domain, and the duplicate keys.

An import checks 100,000 rows; most of their values repeat (countries, industries, companies,
e-mail domains), and a check of an e-mail, a phone and a name costs about 140 us together. So
each rule runs once per distinct value (`_cached`), and a row is a handful of dict look-ups."""

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from core.customers.identity import is_free_mail, region_for, registrable_domain
from core.customers.matching import name_key
from core.funds.activities import activity_id
from core.validation.parsers import (
    clean_text,
    country,
    email_address,
    parse_phone,
    text_field,
    website,
)

# field -> (label, longest): the text fields and what they hold.
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "company": ("Company", 200), "first_name": ("First name", 80),
    "last_name": ("Last name", 80), "title": ("Title", 120), "state": ("State or region", 100),
    "postal_code": ("Postal code", 20), "city": ("City", 100), "industry": ("Industry", 60),
    "company_size": ("Company size", 30), "source": ("Source", 60),
    "campaign": ("Campaign", 120), "source_id": ("Source id", 100),
}
NOTES_MAX = 4000
FIELDS = ("company", "website", "first_name", "last_name", "email", "phone", "title",
          "country", "state", "postal_code", "city", "industry", "company_size", "product_line",
          "source", "campaign", "source_id", "fund_activity", "notes")
LABELS = {**{f: label for f, (label, _) in TEXT_FIELDS.items()}, "website": "Website or domain",
          "email": "E-mail", "phone": "Phone", "country": "Country",
          "product_line": "Product line of interest", "notes": "Notes",
          "fund_activity": "Fund activity"}
NEEDS_CONTACT = "Give the contact's e-mail or the company (a website or domain will do)."
UNKNOWN_COUNTRY = "Not a country we know: use its name or code, e.g. Germany or DE."

# Industries as CRMs name them (Salesforce's standard list, HubSpot's, LinkedIn's) -> the
# partners' vocabulary (core.partners.INDUSTRIES). Keys folded: lower case, letters only.
INDUSTRY_GROUPS = {
    "Healthcare": ("healthcare", "health care", "hospital health care", "hospitals",
                   "biotechnology", "pharmaceuticals", "medical devices", "medical practice",
                   "life sciences", "health wellness and fitness"),
    "Financial services": ("financial services", "finance", "banking", "insurance",
                           "investment banking", "investment management", "accounting",
                           "capital markets", "venture capital private equity"),
    "Manufacturing": ("manufacturing", "machinery", "chemicals", "apparel", "automotive",
                      "industrial automation", "engineering", "construction",
                      "electrical electronic manufacturing", "aerospace", "mining metals"),
    "Retail": ("retail", "consumer goods", "food beverage", "food beverages", "hospitality",
               "wholesale", "ecommerce", "e commerce", "consumer services", "apparel fashion"),
    "Public sector": ("public sector", "government", "government administration",
                      "not for profit", "nonprofit", "non profit", "nonprofit organization "
                      "management", "defense space", "military", "public safety"),
    "Education": ("education", "higher education", "education management", "e learning",
                  "primary secondary education"),
    "Technology": ("technology", "computer software", "software", "information technology",
                   "information technology and services", "internet", "telecommunications",
                   "communications", "electronics", "computer hardware", "it services",
                   "computer network security", "computer networking"),
    "Energy": ("energy", "utilities", "oil energy", "oil gas", "renewables environment",
               "renewable energy", "environmental", "environmental services"),
}
_INDUSTRY = {alias: group for group, aliases in INDUSTRY_GROUPS.items() for alias in aliases}
_LETTERS = re.compile(r"[^a-z]+")


def industry_key(industry: str | None) -> str | None:
    """The partners' industry a lead's industry falls under, or None when none fits."""
    if not industry:
        return None
    return _INDUSTRY.get(_LETTERS.sub(" ", industry.lower()).strip())


def company_from_domain(domain: str) -> str:
    """'acme-robotics.co.uk' -> 'Acme Robotics': the registrable name, words capitalized."""
    label = domain.split(".")[0]
    return " ".join(w.capitalize() for w in re.split(r"[-_]+", label) if w)[:200]


def company_key(company: str) -> str:
    """The company's normalized name (legal forms and case aside), for duplicate keys."""
    return name_key(company).text[:200] if company else ""


def person_key(first: str, last: str, company: str, country_code: str) -> str | None:
    """A person's name at a normalized company and country: the duplicate key of a lead with
    no e-mail. None without a name or a company."""
    name = " ".join(f"{first} {last}".lower().split())
    key = company_key(company)
    if not name or not key:
        return None
    return f"{name}|{key}|{country_code}"[:420]


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class _Failed:
    """A cached refusal (lru_cache keeps return values, not exceptions)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


def _cached(parse: Callable[..., Any]) -> Callable[..., Any]:
    @lru_cache(maxsize=200_000)
    def run(*args: Any) -> Any:
        try:
            return parse(*args)
        except ValueError as exc:
            return _Failed(str(exc))
    return run


def _text(value: str, field: str) -> str:
    label, longest = TEXT_FIELDS[field]
    return text_field(value, longest, too_long=f"{label} is longer than {longest} characters.")


_check_text = _cached(_text)
_check_notes = _cached(lambda v: text_field(v, NOTES_MAX, multiline=True,
                                            too_long=f"Notes are longer than {NOTES_MAX:,} "
                                                     "characters."))
_check_email = _cached(lambda v: email_address(v) if clean_text(v) else "")
_check_country = _cached(lambda v: country(v, unknown=UNKNOWN_COUNTRY,
                                           required="Give the lead's country."))
_check_website = _cached(lambda v: website(v, invalid="Not a website or domain, e.g. acme.com.",
                                           too_long="Website is longer than 300 characters."))
_check_phone = _cached(lambda v, c: parse_phone(v, c, invalid="Not a phone number: give it "
                                                "with its country code, e.g. +44 20 7946 0958.")
                       if clean_text(v) else "")
_domain = lru_cache(maxsize=200_000)(registrable_domain)
_company_key = lru_cache(maxsize=200_000)(company_key)
_industry_key = lru_cache(maxsize=1_000)(industry_key)


def check(raw: Mapping[str, Any], product_lines: Mapping[str, int],
          activities: Collection[int] = frozenset()) -> tuple[dict, list]:
    """(the lead's values, [FieldError]) for raw values by field (missing: empty);
    `product_lines` maps a lower-cased product line name to its id. Values carry the
    normalized fields, the region, the company's origin and the duplicate keys."""
    errors: list[FieldError] = []
    out: dict[str, Any] = {}

    def take(field: str, result: Any) -> Any:
        if isinstance(result, _Failed):
            errors.append(FieldError(field, result.message))
            return None
        return result

    for field in TEXT_FIELDS:
        out[field] = take(field, _check_text(_str(raw.get(field)), field)) or ""
    out["notes"] = take("notes", _check_notes(_str(raw.get("notes")))) or ""
    code = take("country", _check_country(_str(raw.get("country"))))
    out["country"] = code
    out["email"] = take("email", _check_email(_str(raw.get("email")))) or None
    out["phone"] = take("phone", _check_phone(_str(raw.get("phone")), code or "")) or None
    out["website"] = take("website", _check_website(_str(raw.get("website")))) or None
    out["product_line_id"] = None
    line = take("product_line", _cleaned(_str(raw.get("product_line"))))
    if line:
        out["product_line_id"] = product_lines.get(line.lower())
        if out["product_line_id"] is None:
            errors.append(FieldError("product_line", f"Not a product line of ours: {line[:60]}."))
    given = take("fund_activity", _cleaned(_str(raw.get("fund_activity"))))
    out["fund_request_id"] = activity_id(given) if given else None
    if given and out["fund_request_id"] not in activities:
        errors.append(FieldError("fund_activity", "Not a funded activity: give an approved "
                                 "fund request's number, e.g. 12."))
    if errors:
        return out, errors
    _company(out)
    if not out["email"] and not out["company"]:
        errors.append(FieldError("email", NEEDS_CONTACT))
        return out, errors
    out["region"] = region_for(code)
    out["industry_key"] = _industry_key(out["industry"] or None)
    out["company_key"] = _company_key(out["company"])
    out["email_key"] = out["email"].lower() if out["email"] else None
    out["person_key"] = person_key(out["first_name"], out["last_name"], out["company"], code)
    out["source_id"] = out["source_id"] or None
    for field in ("title", "state", "postal_code", "city", "industry", "company_size",
                  "source", "campaign"):
        out[field] = out[field] or None
    return out, errors


def _company(out: dict) -> None:
    """The domain from the website, else from a company e-mail; a company known only by its
    domain is named from it (marked, until someone corrects it)."""
    domain = _domain(out["website"]) if out["website"] else None
    if domain is None and out["email"]:
        mail_domain = out["email"].rsplit("@", 1)[-1].lower()
        domain = None if is_free_mail(mail_domain) else _domain(mail_domain)
    out["domain"] = domain
    out["company_from_domain"] = False
    if not out["company"] and domain:
        out["company"] = company_from_domain(domain)
        out["company_from_domain"] = True


def _cleaned(value: str) -> "str | _Failed":
    """Text with its spaces tidied, or why it cannot be (control or private-use
    characters)."""
    try:
        return clean_text(value)
    except ValueError as exc:
        return _Failed(str(exc))


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet's number cell: a postal code, a phone
    return value if isinstance(value, str) else str(value)
