"""The plan of the scale deal data, before any row is written: the companies (end
customers) with their names, countries and domains; the registrations with their partners,
statuses and timelines; the direct opportunities; the name each filing is typed under; and
who met whom (verdicts, merges, auto-approvals). See seed/scale_deals.py for the rules."""

import bisect
import math
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import accumulate

from anyascii import anyascii
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.customers import company_domain, region_for
from core.customers.matching import CONFLICT_AT, key_from_form, name_similarity
from db.models import Partner, ProductLine, Tier, User
from seed.company_names import NameMaker, name_variant
from seed.deals import FREE_MAIL, TLD
from seed.name_keys import Keyed, key_names

SEED = 7_100_007
DAY = 86_400.0
HISTORY_DAYS = 3 * 365
EXTENSION_DAYS = 30
POSSIBLE_SCORE = 80

COUNTRY_WEIGHTS = {"US": 30, "CA": 5, "GB": 10, "DE": 10, "FR": 7, "NL": 4, "SE": 3, "AU": 5,
                   "JP": 4, "SG": 2, "IN": 6, "BR": 6, "MX": 5, "AR": 3}
STATUS_MIX = {"won": 25, "lost": 15, "expired": 18, "rejected": 5, "withdrawn": 2,
              "merged": 1.6, "approved": 20, "submitted": 7, "under_review": 5, "more_info": 2}
REGION_WEIGHTS = {"NA": 35, "EMEA": 34, "APAC": 17, "LATAM": 14}  # as COUNTRY_WEIGHTS
REPEAT_TRIES = 8
BUSY_ACCEPT = 0.05  # a repeat registration of a customer another filing claims: kept or not
VARIANTS = 4  # ways one company is typed, besides its own name


@dataclass(eq=False)
class Company:
    name: str
    core: str
    country: str
    domain: str | None
    weight: float
    filings: list = field(default_factory=list)  # Reg and Direct, in time order later
    busy: float = 0.0  # until when its latest registration claims it
    directs: list = field(default_factory=list)  # (imported, until) of its direct deals


def _busy(c: Company, at: float) -> bool:
    return c.busy > at or any(start < at < until for start, until in c.directs)


@dataclass(eq=False, slots=True)
class Reg:
    company: Company | None
    partner: int
    status: str
    sub: float
    dec: float | None = None  # decided_at (approval, rejection, merge)
    prot_days: int | None = None
    prot_end: float | None = None
    close: float | None = None  # won / lost
    upd: float = 0.0
    until: float = math.inf  # when it stopped claiming its customer
    ext: str | None = None
    ext_at: float | None = None
    name: str = ""
    website: str | None = None
    email_at: str = ""
    domain: str | None = None
    verdict: str = "clear"
    score: int = 0
    merged_into: "Reg | None" = None
    decided_by: int | None = None
    id: int = 0


@dataclass(eq=False, slots=True)
class Direct:
    company: Company
    status: str
    sub: float  # imported
    close_date: date
    until: float
    name: str = ""
    website: str | None = None
    domain: str | None = None
    id: int = 0


@dataclass(frozen=True)
class _PartnerInfo:
    id: int
    region: str
    users: tuple[int, ...]
    manager: int | None
    protection_days: int
    auto_approve: bool


class Planner:
    def __init__(self, db: Session, now: datetime):
        self.db = db
        self.now = now.timestamp()
        self.rng = random.Random(SEED)
        self.names = NameMaker(random.Random(SEED + 1))
        self.partners = self._partners()
        self.lines = list(db.scalars(select(ProductLine.id).where(ProductLine.active)
                                     .order_by(ProductLine.id)))
        self.line_names = dict(db.execute(select(ProductLine.id, ProductLine.name)).all())
        self.seen: set[tuple[str, str]] = set()
        self.domains: set[str] = set()

    def _partners(self) -> list[_PartnerInfo]:
        tiers = {t.id: t for t in self.db.scalars(select(Tier))}
        users: dict[int, list[int]] = {}
        for uid, pid in self.db.execute(select(User.id, User.partner_id)
                                        .where(User.partner_id.is_not(None), User.is_active)
                                        .order_by(User.id)):
            users.setdefault(pid, []).append(uid)
        out = []
        for p in self.db.scalars(select(Partner).order_by(Partner.id)
                                 .options(selectinload(Partner.region_rows))):
            if not users.get(p.id):
                continue
            region = (p.regions or [region_for(p.country)])[0]
            tier = tiers[p.tier_id]
            out.append(_PartnerInfo(p.id, region, tuple(users[p.id]), p.channel_manager_id,
                                    tier.deal_protection_days, tier.auto_approve_clear_deals))
        if not out:
            raise RuntimeError("scale deals need partners with users; seed them first")
        return out

    # ------------------------------------------------------------ companies

    def companies(self, count: int, workers: int) -> tuple[list[Company], dict[str, Keyed]]:
        """`count` companies whose names are distinct once normalized within their country
        (find_or_create would file two such under one record), with their names keyed."""
        out: list[Company] = []
        keyed: dict[str, Keyed] = {}
        taken: set[tuple[str, str]] = set()
        rounds = 0
        while len(out) < count:
            rounds += 1
            if rounds > 20:
                raise RuntimeError("could not make enough distinct company names")
            batch = self._candidates(int((count - len(out)) * 1.03) + 20)
            keyed.update(key_names([c.name for c in batch], workers=workers))
            for c in batch:
                ident = (c.country, keyed[c.name].normalized)
                if ident in taken or not ident[1]:
                    continue
                taken.add(ident)
                out.append(c)
                if len(out) == count:
                    break
        return out, keyed

    def _candidates(self, count: int) -> list[Company]:
        rng = self.rng
        countries = list(COUNTRY_WEIGHTS)
        cum = list(accumulate(COUNTRY_WEIGHTS.values()))
        out: list[Company] = []
        attempts = 0
        while len(out) < count and attempts < count * 20 + 1000:
            attempts += 1
            country = rng.choices(countries, cum_weights=cum)[0]
            name, core = self.names.name(country)
            ident = (country, anyascii(core).lower())
            if ident in self.seen or len(name) > 200:
                continue
            self.seen.add(ident)
            domain = self._domain(core, country, self.domains) if rng.random() < 0.6 else None
            weight = min(rng.paretovariate(1.25), 400.0)
            out.append(Company(name, core, country, domain, weight))
        return out

    def _domain(self, core: str, country: str, taken: set[str]) -> str | None:
        words = re.sub(r"[^a-z0-9 ]", "", anyascii(core).lower().replace("&", " ")).split()
        words = [w for w in words if w not in ("and", "et", "y", "the")] or ["company"]
        tld = TLD[country] if self.rng.random() < 0.7 else "com"
        for stem in ("".join(words), "-".join(words), "".join(words[:2]),
                     words[0] + "".join(w[0] for w in words[1:]), "".join(words) + "group"):
            stem = stem[:40].strip("-")
            domain = f"{stem}.{tld}"
            if len(stem) >= 3 and domain not in taken:
                taken.add(domain)
                return domain
        return None

    # ------------------------------------------------------------ registrations

    def registrations(self, companies: list[Company], count: int,
                      direct_only: int) -> list[Reg]:
        """Registrations in time order, each by a partner (most of them in the customer's
        region) for a new customer or a repeat one. Repeat customers are drawn by weight (a
        Pareto draw: most are registered a few times, some hundreds of times) and seldom while
        another filing of theirs is open, as partners mostly register what is free. Every
        company but the first `direct_only` (known to direct sales only) is registered."""
        rng = self.rng
        if count <= 0 or len(companies) <= direct_only:
            return []
        by_region, everyone = self._partner_weights()
        regions = list(REGION_WEIGHTS)
        region_cum = list(accumulate(REGION_WEIGHTS.values()))
        statuses = rng.choices(list(STATUS_MIX), cum_weights=list(accumulate(
            STATUS_MIX.values())), k=count)
        regs, region_of = [], {}
        for status in statuses:
            region = rng.choices(regions, cum_weights=region_cum)[0]
            parts, cum = by_region.get(region) if rng.random() < 0.85 and region in by_region \
                else everyone
            partner = parts[bisect.bisect_left(cum, rng.random() * cum[-1])]
            r = self._timeline(partner, status)
            region_of[id(r)] = region
            regs.append(r)
        regs.sort(key=lambda r: r.sub)

        unused: dict[str, list[Company]] = {}
        for c in companies[direct_only:]:
            unused.setdefault(region_for(c.country), []).append(c)
        left = sum(len(v) for v in unused.values())
        used: dict[str, tuple[list[Company], list[float]]] = {}
        by_partner: dict[int, list[Company]] = {}
        for n, r in enumerate(regs):
            region = region_of[id(r)]
            company = None
            if not (left and rng.random() < left / (count - n)):
                company = self._repeat(r, used.get(region), by_partner.get(r.partner))
            if company is None and left:
                pool = unused.get(region) or next(v for v in unused.values() if v)
                company = pool.pop()
                left -= 1
                mine, cum = used.setdefault(region_for(company.country), ([], []))
                mine.append(company)
                cum.append((cum[-1] if cum else 0.0) + company.weight)
            elif company is None:  # every company registered already; claimed or not
                mine, cum = used.get(region) or next(v for v in used.values() if v[0])
                company = mine[bisect.bisect_left(cum, rng.random() * cum[-1])]
            r.company = company
            company.busy = max(company.busy, r.until)
            by_partner.setdefault(r.partner, []).append(company)
        return regs

    def _repeat(self, r: Reg, used, previous) -> Company | None:
        """A customer registered before, free at the time (mostly); None when every draw
        found it claimed, or nothing was registered yet."""
        rng = self.rng
        for _ in range(REPEAT_TRIES):
            if previous and rng.random() < 0.3:
                company = rng.choice(previous)
            elif used and used[0]:
                mine, cum = used
                company = mine[bisect.bisect_left(cum, rng.random() * cum[-1])]
            else:
                return None
            if r.status == "merged":  # a duplicate of a registration open when merged
                if company.busy > r.dec:
                    return company
            elif not _busy(company, r.sub) or rng.random() < BUSY_ACCEPT:
                return company
        return None

    def _partner_weights(self):
        rng = random.Random(SEED + 2)
        weights = [rng.lognormvariate(0, 1.7) for _ in self.partners]
        cap = 0.012 * sum(weights)
        weights = [min(w, cap) for w in weights]
        by_region: dict[str, tuple[list, list]] = {}
        for p, w in zip(self.partners, weights, strict=True):
            parts, ws = by_region.setdefault(p.region, ([], []))
            parts.append(p)
            ws.append(w)
        by_region = {r: (parts, list(accumulate(ws))) for r, (parts, ws) in by_region.items()}
        return by_region, (self.partners, list(accumulate(weights)))

    def _ago(self, low: float, high: float) -> float:
        return self.now - DAY * self.rng.uniform(low, high)

    def _recent(self, span: float) -> float:
        """Days ago in [0, span], more of them lately (the business grew)."""
        return span * (1 - math.sqrt(self.rng.random()))

    def _timeline(self, p: _PartnerInfo, status: str) -> Reg:
        rng, now = self.rng, self.now
        days = p.protection_days
        r = Reg(None, p.id, status, 0.0)
        if status == "submitted":
            r.sub = self._ago(0, 10)
            r.upd = r.sub
        elif status == "under_review":
            r.sub = self._ago(0.2, 25)
            r.upd = r.sub
        elif status == "more_info":
            r.sub = self._ago(3, 40)
            r.upd = min(now - 3600, r.sub + DAY * rng.uniform(1, 5))
        elif status == "approved":
            if rng.random() < 0.05:
                days += EXTENSION_DAYS
                r.ext = "granted"
            r.dec = now - DAY * rng.uniform(0.05, days - 0.5)
            r.sub = r.dec - DAY * rng.uniform(0.02, 6)
            if r.ext is None and r.dec + DAY * days < now + 15 * DAY and rng.random() < 0.3:
                r.ext, r.ext_at = "requested", now - DAY * rng.uniform(0.1, 3)
            r.upd = max(r.dec, r.ext_at or 0)
        elif status in ("won", "lost"):
            r.close = now - DAY * self._recent(HISTORY_DAYS) - 600
            if rng.random() < 0.05:
                days += EXTENSION_DAYS
                r.ext = "granted"
            r.dec = r.close - DAY * rng.uniform(3, days * 0.95)
            r.sub = r.dec - DAY * rng.uniform(0.02, 6)
            r.upd, r.until = r.close, r.close
        elif status == "expired":
            end = now - DAY * self._recent(HISTORY_DAYS) - 3600
            r.dec = end - DAY * days
            r.sub = r.dec - DAY * rng.uniform(0.02, 6)
            r.upd = r.until = min(now, end + DAY * rng.uniform(0, 1))
        elif status in ("rejected", "merged"):
            r.sub = now - DAY * self._recent(HISTORY_DAYS) - DAY
            r.dec = min(now - 600, r.sub + DAY * rng.uniform(0.1, 8))
            r.upd, r.until = r.dec, r.dec
        elif status == "withdrawn":
            r.sub = now - DAY * self._recent(HISTORY_DAYS) - DAY
            if rng.random() < 0.4:
                r.dec = min(now - 1200, r.sub + DAY * rng.uniform(0.05, 5))
                r.upd = min(now - 600, r.dec + DAY * rng.uniform(1, days - 1))
            else:
                r.upd = min(now - 600, r.sub + DAY * rng.uniform(0.5, 12))
            r.until = r.upd
        if r.dec is not None and status not in ("rejected", "merged"):
            r.prot_days = days
            r.prot_end = r.dec + DAY * days
        return r

    # ------------------------------------------------------------ direct opportunities

    def directs(self, companies: list[Company], count: int, direct_only: int) -> list[Direct]:
        rng, now = self.rng, self.now
        if count <= 0 or not companies:
            return []
        owners = list(companies[:min(direct_only, count)])
        rest = companies[direct_only:] or companies
        owners += rng.choices(rest, cum_weights=list(accumulate(c.weight for c in rest)),
                              k=count - len(owners))
        out = []
        for company in owners:
            sub = self._ago(0, 2 * 365)
            roll = rng.random()
            status = "open" if roll < 0.55 else "won" if roll < 0.8 else "lost"
            if status == "open":
                close = date.fromtimestamp(now + DAY * rng.uniform(10, 300))
                until = math.inf
            else:
                ts = rng.uniform(sub, now - 600)
                close, until = datetime.fromtimestamp(ts, UTC).date(), ts
            out.append(Direct(company, status, sub, close, until))
            company.directs.append((sub, until))
        return out

    # ------------------------------------------------------------ names typed

    def type_names(self, companies: list[Company]) -> None:
        """The first filing carries the record's own name; later ones are typed by other
        people (registrations: 40% as on the record; CRM rows: 60%), each company in at most
        VARIANTS ways. Also the website and contact e-mail, hence the company domain each
        filing carries."""
        rng = self.rng
        for c in companies:
            c.filings.sort(key=lambda f: f.sub)
            menu: list[str] = []
            for n, f in enumerate(c.filings):
                is_reg = isinstance(f, Reg)
                if n == 0 or rng.random() < (0.4 if is_reg else 0.6):
                    f.name = c.name
                elif len(menu) < VARIANTS and (not menu or rng.random() < 0.5):
                    f.name = name_variant(c.name, rng, country=c.country, domain=c.domain)
                    menu.append(f.name)
                else:
                    f.name = rng.choice(menu)
                if is_reg:
                    self._contact_site(f, c)
                elif c.domain and rng.random() < 0.85:
                    f.website = rng.choice((c.domain, f"www.{c.domain}",
                                            f"https://www.{c.domain}"))
                    f.domain = c.domain

    def _contact_site(self, r: Reg, c: Company) -> None:
        rng = self.rng
        if c.domain:
            roll = rng.random()
            if roll < 0.6:
                r.website = rng.choice((f"https://www.{c.domain}", f"www.{c.domain}", c.domain,
                                        f"https://{c.domain}", f"http://www.{c.domain}/"))
                r.email_at = c.domain if rng.random() < 0.9 else rng.choice(FREE_MAIL)
                r.domain = c.domain
                return
            if roll < 0.9:
                r.email_at, r.domain = c.domain, c.domain
                return
        r.email_at = rng.choice(FREE_MAIL)

    # ------------------------------------------------------------ who met whom

    def resolve(self, companies: list[Company], keyed: dict[str, Keyed]) -> None:
        """Verdicts (another filing of the customer open when it came in), merge targets,
        conflicts routed to review, auto-approvals."""
        by_id = {p.id: p for p in self.partners}
        for c in companies:
            earlier: list = []
            for f in c.filings:
                if isinstance(f, Reg):
                    self._verdict(f, [e for e in earlier if e.until > f.sub], keyed)
                    self._settle(f, earlier, by_id[f.partner])
                earlier.append(f)

    def _verdict(self, r: Reg, open_then: list, keyed: dict[str, Keyed]) -> None:
        if not open_then:
            return
        mine = keyed[r.name]
        best = POSSIBLE_SCORE
        for other in open_then[:4]:
            if (r.domain and r.domain == other.domain) or \
                    mine.normalized == keyed[other.name].normalized:
                best = 100
                break
            score = name_similarity(key_from_form(r.name, mine.form),
                                    key_from_form(other.name, keyed[other.name].form)).score
            best = max(best, score)
        r.verdict, r.score = ("conflict", best) if best >= CONFLICT_AT else \
            ("possible", POSSIBLE_SCORE)

    def _settle(self, r: Reg, earlier: list, p: _PartnerInfo) -> None:
        rng = self.rng
        if r.status == "merged":
            target = next((e for e in earlier if isinstance(e, Reg) and e.sub < r.dec < e.until
                           and e.status != "merged"), None)
            if target is None:
                r.status = "rejected"
            else:
                r.merged_into = target
        if r.status == "submitted" and r.verdict != "clear":
            r.status = "under_review"
        if r.dec is not None:
            r.decided_by = p.manager
            # Until when the protection must last: now, the close or the withdrawal.
            limit = {"approved": self.now, "won": r.close, "lost": r.close,
                     "withdrawn": r.upd}.get(r.status)
            if (r.prot_days and p.auto_approve and r.verdict == "clear"
                    and rng.random() < 0.85
                    and (limit is None or r.sub + DAY * r.prot_days > limit)):
                r.dec, r.decided_by = r.sub, None  # approved at once, a tier benefit
                r.prot_end = r.sub + DAY * r.prot_days
                if r.status == "expired":
                    r.upd = r.until = min(self.now, r.prot_end + DAY * rng.uniform(0, 1))


def unclash(companies: list[Company], keyed: dict[str, Keyed]) -> None:
    """A typed variant whose normalized name is another record's name in the same country
    would have been filed there: such filings fall back to the record's own name."""
    owner = {(c.country, keyed[c.name].normalized): c for c in companies}
    for c in companies:
        for f in c.filings:
            if f.name != c.name and owner.get((c.country, keyed[f.name].normalized),
                                              c) is not c:
                f.name = c.name


def check_domains(companies: list[Company]) -> None:
    """Each planned domain must be what company_domain makes of the company's website (the
    public-suffix list has a few surprises, such as x.se): otherwise the company has none."""
    for c in companies:
        if c.domain and company_domain(f"https://www.{c.domain}") != c.domain:
            for f in c.filings:
                f.domain = f.website = None
                if isinstance(f, Reg) and f.email_at == c.domain:
                    f.email_at = FREE_MAIL[0]
            c.domain = None
