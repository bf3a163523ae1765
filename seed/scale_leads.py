"""Leads at scale, as a CRM exports them: `write_leads_csv(path, rows)` writes a CSV with a
Salesforce-style header (report labels the import's mapping guess knows), the file the leads
bench imports and then routes (`python -m seed.scale_leads FILE --rows N` writes one alone).

Deterministic for a seed (its own random stream and seeded Faker instances). What it holds:

- companies (one for four leads, a few of them with many leads), each with a domain, an
  industry from Salesforce's standard list (some blank, some outside the partners'
  vocabulary) and a head office; a quarter of the leads sit at another office of theirs;
- places drawn like the scale partners' (seed.scale): a region, then one of its countries
  (seed.demo.COUNTRIES), most leads in a state of seed.scale_deals.STATES where the partners'
  territories name states (some in other states), spelled as a name or an ISO code; OUTSIDE's
  countries (about 8% of companies) are in no scale partner's territory, only in a region
  partners serve; postal codes from the country's Faker locale;
- contacts: a company e-mail mostly, some free-mail, some none (the company is the contact
  then); about 3% of the rows repeat an earlier row's contact (another export of the same
  person: a duplicate), and about 1% carry a bad value (a country we do not know, a broken
  e-mail or phone, a product line not in the catalog): rejected;
- the product line of interest named from the catalog (`product_lines`, the scale data's
  active lines), or blank; lead sources and campaigns as marketing names them."""

import argparse
import csv
import random
import string
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import pycountry
from faker import Faker

from seed.demo import COUNTRIES
from seed.scale_deals import STATES

HEADER = ("Lead ID", "First Name", "Last Name", "Title", "Company", "Website", "Email",
          "Phone", "City", "State/Province", "Postal Code", "Country", "Industry",
          "No. of Employees", "Lead Source", "Campaign Name", "Product Interest",
          "Description")
# The catalog migration 0003 starts with (and the scale data keeps).
CATALOG = ("Core Platform", "Analytics", "Security Suite", "Cloud Backup", "Integration Hub",
           "Professional Services", "Premium Support")
# Countries no scale partner has a territory in (its partners' countries are COUNTRIES').
OUTSIDE = ("ES", "IT", "PL", "IE", "CH", "ZA", "NZ", "KR", "CL", "CO")
OUTSIDE_SHARE = 0.08
LOCALES = {"US": "en_US", "CA": "en_CA", "GB": "en_GB", "DE": "de_DE", "FR": "fr_FR",
           "NL": "nl_NL", "SE": "sv_SE", "AU": "en_AU", "JP": "ja_JP", "SG": "en_US",
           "IN": "en_IN", "BR": "pt_BR", "MX": "es_MX", "AR": "es_AR", "ES": "es_ES",
           "IT": "it_IT", "PL": "pl_PL", "IE": "en_IE", "CH": "de_CH", "ZA": "en_US",
           "NZ": "en_NZ", "KR": "en_US", "CL": "es_CL", "CO": "es_CO"}
COUNTRY_NAMES = {"US": ("United States", "USA"), "GB": ("United Kingdom", "UK"),
                 "DE": ("Germany", "Deutschland"), "KR": ("South Korea", "Korea, Republic of"),
                 "NL": ("Netherlands", "The Netherlands")}
TLDS = {"US": ".com", "CA": ".ca", "GB": ".co.uk", "DE": ".de", "FR": ".fr", "NL": ".nl",
        "SE": ".se", "AU": ".com.au", "JP": ".co.jp", "SG": ".com.sg", "IN": ".in",
        "BR": ".com.br", "MX": ".com.mx", "AR": ".com.ar", "ES": ".es", "IT": ".it",
        "PL": ".pl", "IE": ".ie", "CH": ".ch", "ZA": ".co.za", "NZ": ".co.nz", "KR": ".co.kr",
        "CL": ".cl", "CO": ".com.co"}
# A US lead outside the twenty states partners name (only country-wide partners cover it).
OTHER_US_STATES = ("Nevada", "Utah", "Kentucky", "Oklahoma", "Connecticut", "Iowa", "Kansas",
                   "Wisconsin", "Missouri", "Maryland", "Louisiana", "Alabama")
# Salesforce's standard Industry picklist.
INDUSTRIES = ("Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals",
              "Communications", "Construction", "Consulting", "Education", "Electronics",
              "Energy", "Engineering", "Entertainment", "Environmental", "Finance",
              "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance",
              "Machinery", "Manufacturing", "Media", "Not For Profit", "Other", "Recreation",
              "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
              "Utilities")
SOURCES = ("Web", "Webinar", "Trade Show", "Partner Referral", "Purchased List",
           "Advertisement", "Phone Inquiry", "Employee Referral", "Content Download", "Other")
CAMPAIGNS = ("2026 Q1 Webinar - Zero Trust", "2026 Q2 Trade Show - Hannover Messe",
             "2026 Q2 Cloud Backup Trial", "2026 Q3 Analytics Roadshow",
             "2026 Q3 Paid Search EMEA", "2026 Q3 Paid Search NA", "2026 Q4 Partner Summit",
             "Always-on Content Syndication", "Customer Referral Program", "")
TITLES = ("CIO", "CTO", "IT Director", "IT Manager", "Head of IT", "VP Engineering",
          "Security Manager", "CISO", "Procurement Manager", "Operations Director",
          "Systems Administrator", "Network Engineer", "Data Engineer", "Head of Data",
          "Finance Director", "CFO", "Office Manager", "Owner", "Managing Director",
          "Solutions Architect", "DevOps Lead", "")
NOTES = ("Asked for pricing", "Requested a demo", "Downloaded the whitepaper",
         "Wants a call next quarter", "Evaluating vendors", "Budget approved for this year",
         "Visited the booth", "Attended the webinar", "Current contract ends in six months")
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com", "gmx.de",
             "web.de", "yahoo.co.jp", "uol.com.br", "mail.ru")
LEGAL = {"inc", "llc", "ltd", "plc", "gmbh", "ag", "kg", "co", "and", "sa", "sl", "srl",
         "spa", "bv", "ab", "pty", "group", "the", "e", "y", "und", "et", "cie", "de", "la"}
BASE62 = string.digits + string.ascii_letters


@dataclass(frozen=True)
class Place:
    country: str
    state: str  # as partners' territories name it (seed.scale_deals.STATES), or ""
    city: str
    postal: str


@dataclass(frozen=True)
class Company:
    name: str
    domain: str
    industry: str
    employees: str
    office: Place


def write_leads_csv(path: Path | str, rows: int, *, seed: int = 29,
                    product_lines: Sequence[str] = CATALOG) -> Path:
    """`rows` lead rows under HEADER, UTF-8."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(lead_records(rows, seed=seed, product_lines=product_lines))
    return path


def lead_records(rows: int, *, seed: int = 29,
                 product_lines: Sequence[str] = CATALOG) -> Iterator[list[str]]:
    """The rows of the CSV, in HEADER's order."""
    return _Generator(seed, product_lines).rows(rows)


class _Generator:
    def __init__(self, seed: int, product_lines: Sequence[str]) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.lines = tuple(product_lines) or CATALOG
        self._pools: dict[str, dict[str, list[str]]] = {}
        self._postals: dict[tuple[str, str], list[str]] = {}
        self._codes: dict[str, dict[str, str]] = {}
        self._domains: set[str] = set()
        self._emails: set[str] = set()

    # ------------------------------------------------------------ pools (seeded Faker)

    def _pool(self, country: str) -> dict[str, list[str]]:
        """Names, cities and companies from the country's locale, drawn once."""
        if country not in self._pools:
            locale = LOCALES.get(country, "en_US")
            fake = Faker(locale)
            fake.seed_instance(f"{self.seed}:{country}")
            roman = locale == "ja_JP"
            latin = Faker("en_US") if roman else fake  # company names that slug to ASCII
            latin.seed_instance(f"{self.seed}:{country}:latin")
            self._pools[country] = {
                "first": [fake.first_romanized_name() if roman else fake.first_name()
                          for _ in range(300)],
                "last": [fake.last_romanized_name() if roman else fake.last_name()
                         for _ in range(600)],
                "city": [fake.city() for _ in range(150)],
                "company": [latin.company() for _ in range(400)],
            }
        return self._pools[country]

    def _postal(self, country: str, state: str) -> str:
        key = (country, state if country == "US" else "")
        if key not in self._postals:
            fake = Faker(LOCALES.get(country, "en_US"))
            fake.seed_instance(f"{self.seed}:{country}:{key[1]}:postal")
            abbr = self._code(country, state) if country == "US" and state else None
            if country == "SG":
                made = [f"{self.rng.randint(10, 82):02d}{self.rng.randint(0, 9999):04d}"
                        for _ in range(60)]
            elif abbr:
                made = [fake.zipcode_in_state(abbr) for _ in range(60)]
            else:
                made = [fake.postcode() for _ in range(200)]
            self._postals[key] = made
        return self.rng.choice(self._postals[key])

    def _code(self, country: str, state: str) -> str | None:
        """The state's ISO 3166-2 code without the country ("CA" for California), if known."""
        if country not in self._codes:
            self._codes[country] = {s.name.lower(): s.code.split("-", 1)[1]
                                    for s in pycountry.subdivisions.get(country_code=country)
                                    or ()}
        return self._codes[country].get(state.lower())

    # ------------------------------------------------------------ companies and places

    def _country(self) -> str:
        if self.rng.random() < OUTSIDE_SHARE:
            return self.rng.choice(OUTSIDE)
        return self.rng.choice(COUNTRIES[self.rng.choice(list(COUNTRIES))])

    def _place(self, country: str) -> Place:
        state = ""
        states = STATES.get(country)
        if states and self.rng.random() < 0.85:
            state = (self.rng.choice(OTHER_US_STATES)
                     if country == "US" and self.rng.random() < 0.1 else self.rng.choice(states))
        return Place(country, state, self.rng.choice(self._pool(country)["city"]),
                     self._postal(country, state))

    def _company(self) -> Company:
        country = self._country()
        name = self.rng.choice(self._pool(country)["company"])
        words = [w for w in _ascii(name).lower().replace("-", " ").replace(",", " ").split()
                 if w.isalnum() and w not in LEGAL]
        stem = "-".join(words[:2]) or "company"
        domain, n = f"{stem}{TLDS.get(country, '.com')}", 1
        while domain in self._domains:
            n += 1
            domain = f"{stem}{n}{TLDS.get(country, '.com')}"
        self._domains.add(domain)
        industry = self.rng.choice(INDUSTRIES) if self.rng.random() < 0.88 else ""
        employees = str(int(10 ** self.rng.uniform(0.7, 4.7)))
        return Company(name, domain, industry, employees, self._place(country))

    # ------------------------------------------------------------ rows

    def rows(self, count: int) -> Iterator[list[str]]:
        rng = self.rng
        companies = [self._company() for _ in range(max(count // 4, 10))]
        # A few companies with many leads, most with one to a handful.
        weights = [1.0 / (rank + 10) ** 0.8 for rank in range(len(companies))]
        picks = rng.choices(range(len(companies)), weights=weights, k=count)
        earlier: list[list[str]] = []  # rows with a contact e-mail, to repeat
        for n, pick in enumerate(picks):
            company = companies[pick]
            if earlier and rng.random() < 0.03:
                row = list(rng.choice(earlier))  # the same contact exported again
                row[0] = _lead_id(rng)
                row[14], row[15] = rng.choice(SOURCES), rng.choice(CAMPAIGNS)
                if rng.random() < 0.3:
                    row[6] = row[6].upper() if rng.random() < 0.5 else row[6].capitalize()
                yield row
                continue
            place = company.office if rng.random() < 0.75 else self._place(
                company.office.country)
            pool = self._pool(place.country)
            first, last = rng.choice(pool["first"]), rng.choice(pool["last"])
            row = [_lead_id(rng), first, last, rng.choice(TITLES), company.name,
                   self._website(company), self._email(first, last, company),
                   self._phone(place.country), place.city, self._state(place),
                   place.postal, self._country_text(place.country), company.industry,
                   company.employees, rng.choice(SOURCES), rng.choice(CAMPAIGNS),
                   self._line(), rng.choice(NOTES) if rng.random() < 0.4 else ""]
            self._spoil(row, n)
            if row[6] and "@" in row[6] and len(earlier) < 50_000:
                earlier.append(row)
            yield row

    def _website(self, company: Company) -> str:
        u = self.rng.random()
        if u < 0.2:
            return ""
        return (f"https://www.{company.domain}" if u < 0.6 else
                f"www.{company.domain}" if u < 0.8 else company.domain)

    def _email(self, first: str, last: str, company: Company) -> str:
        u = self.rng.random()
        if u < 0.10:
            return ""  # no e-mail: the company stands for the contact
        f, la = _ascii(first).lower().replace(" ", ""), _ascii(last).lower().replace(" ", "")
        f, la = "".join(c for c in f if c.isalnum()) or "info", \
            "".join(c for c in la if c.isalnum()) or "contact"
        if u < 0.25:
            local, domain = f"{f}.{la}{self.rng.randint(1, 99)}", self.rng.choice(FREE_MAIL)
        else:
            local = self.rng.choice((f"{f}.{la}", f"{f[0]}{la}", f"{f}_{la}", f"{f}.{la}"))
            domain = company.domain
        address, n = f"{local}@{domain}", 1
        while address.lower() in self._emails:
            n += 1
            address = f"{local}{n}@{domain}"
        self._emails.add(address.lower())
        return address

    def _phone(self, country: str) -> str:
        if self.rng.random() < 0.25:
            return ""
        kind = phonenumbers.PhoneNumberType.MOBILE if self.rng.random() < 0.5 else \
            phonenumbers.PhoneNumberType.FIXED_LINE
        example = phonenumbers.example_number_for_type(country, kind)
        nsn = phonenumbers.national_significant_number(example)
        keep = max(2, len(nsn) // 2)
        digits = nsn[:keep] + "".join(self.rng.choice(string.digits)
                                      for _ in range(len(nsn) - keep))
        code = phonenumbers.country_code_for_region(country)
        return f"+{code} {digits}" if self.rng.random() < 0.6 else \
            f"+{code} {digits[:3]} {digits[3:]}"

    def _state(self, place: Place) -> str:
        if not place.state:
            return ""
        u = self.rng.random()
        code = self._code(place.country, place.state)
        if u < 0.3 and code:
            return code
        return place.state.upper() if u > 0.95 else place.state

    def _country_text(self, country: str) -> str:
        u = self.rng.random()
        if u < 0.55:
            return country
        names = COUNTRY_NAMES.get(country)
        if names:
            return names[0] if u < 0.9 else names[1]
        found = pycountry.countries.get(alpha_2=country)
        return getattr(found, "common_name", None) or found.name

    def _line(self) -> str:
        u = self.rng.random()
        if u < 0.35:
            return ""
        line = self.rng.choice(self.lines)
        return line.lower() if u > 0.9 else line

    def _spoil(self, row: list[str], n: int) -> None:
        """About one row in a hundred carries a value the import refuses."""
        u = self.rng.random()
        if u >= 0.012:
            return
        if u < 0.002:
            row[11] = self.rng.choice(("Atlantis", "Narnia", "EU", "Other"))
        elif u < 0.006 and row[6]:
            row[6] = row[6].replace("@", " at ", 1)
        elif u < 0.009:
            row[7] = self.rng.choice(("n/a", "123", "call me", "0000"))
        else:
            row[16] = self.rng.choice(("Legacy Suite", "Mainframe Connector", "TBD"))


def _lead_id(rng: random.Random) -> str:
    """A Salesforce lead id: "00Q" and fifteen more characters."""
    return "00Q" + "".join(rng.choice(BASE62) for _ in range(15))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m seed.scale_leads")
    parser.add_argument("file", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=29)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    write_leads_csv(args.file, args.rows, seed=args.seed)
    print(f"{args.rows:,} leads in {args.file} in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
