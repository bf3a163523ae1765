"""Demo deal registrations: a few hundred over the last ten months, made through the services.

The history is replayed in time order (a small event queue), so every registration, decision,
answer, win, loss, extension and expiry happens at its own moment through the same service a
user would call, and the conflicts the desk sees are real: some customers are registered by
two partners, some collide with the vendor's direct opportunities (imported first). A
partner registers deals once it is set up (seed/demo.py: agreement accepted, the checklist's
steps before the first deal behind it); partners still onboarding have none yet.

Deterministic for a given `now`: random.Random and Faker with fixed seeds."""

import heapq
import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import PARTNER_ROLES, Actor
from core.customers import normalize_name
from core.deals import (
    DealStage,
    DealStatus,
    answer_info_request,
    approve_deal,
    decide_extension,
    desk_detail,
    import_direct_opportunities,
    mark_lost,
    mark_won,
    merge_deal,
    register_deal,
    reject_deal,
    request_extension,
    request_more_info,
    run_deal_protection,
    withdraw_deal,
)
from core.exports import to_csv
from core.tiers import run_evaluation
from db.models import (
    AgreementAcceptance,
    DealRegistration,
    OnboardingProgress,
    Partner,
    ProductLine,
    User,
)
from seed.demo import COUNTRIES

DEAL_COUNT = 300
HISTORY_DAYS = 300
DIRECT_MATCHES = 18  # direct opportunities at customers that partners register later
DIRECT_OTHERS = 10
SEED = 4711

TLD = {"US": "com", "CA": "ca", "GB": "co.uk", "DE": "de", "FR": "fr", "NL": "nl", "SE": "se",
       "AU": "com.au", "JP": "co.jp", "SG": "com.sg", "IN": "in", "BR": "com.br",
       "MX": "com.mx", "AR": "com.ar"}
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com")
REJECTIONS = ("The customer is already under contract with us.",
              "Not a new opportunity: renewal of an existing agreement.",
              "Not enough detail on the buying process.",
              "The product lines do not fit the customer's needs as described.")
CONFLICT_REJECTION = "Another registration of this customer came first."
LOSSES = ("Went with a competitor.", "Budget cut.", "Project postponed indefinitely.",
          "No decision.")
QUESTIONS = ("Who is the economic buyer?", "What is the expected number of seats?",
             "Is there a competing vendor in the evaluation?")


@dataclass(frozen=True)
class Customer:
    company: str
    website: str
    domain: str | None
    country: str
    state: str


@dataclass(order=True)
class Event:
    at: datetime
    seq: int  # ties at the same moment run in the order they were planned
    kind: str = field(compare=False)
    deal_id: int = field(compare=False, default=0)
    customer: Customer | None = field(compare=False, default=None)


def seed_deals(db: Session, *, now: datetime) -> None:
    """About DEAL_COUNT registrations up to `now`, after seed_demo, and the tier evaluation
    the daily job would then have run, so proposals wait on the Tiers page. Nothing is
    committed."""
    sim = _Simulation(db, now)
    sim.run()
    run_evaluation(db, Actor.system("tier-evaluation"), now=now)


def _set_up_at(db: Session) -> dict[int, datetime]:
    """When each partner that may register deals got there: its last checklist tick so far
    (the agreement, profile and team steps seed/demo.py ticked), for the partners that accepted
    the agreement and are past onboarding."""
    accepted = select(AgreementAcceptance.partner_id)
    rows = db.execute(select(OnboardingProgress.partner_id,
                             func.max(OnboardingProgress.completed_at))
                      .join(Partner, Partner.id == OnboardingProgress.partner_id)
                      .where(Partner.status == "active",
                             OnboardingProgress.partner_id.in_(accepted))
                      .group_by(OnboardingProgress.partner_id))
    return dict(rows.all())


class _Simulation:
    def __init__(self, db: Session, now: datetime):
        self.db, self.now = db, now
        self.rng = random.Random(SEED)
        self.fake = Faker()
        self.fake.seed_instance(SEED)
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.lines = list(db.scalars(select(ProductLine.id).where(ProductLine.active)
                                     .order_by(ProductLine.id)))
        users = db.scalars(select(User).where(User.partner_id.is_not(None), User.is_active,
                                              User.role.in_([r.value for r in PARTNER_ROLES]))
                           .order_by(User.id)).all()
        self.partner_actors = [Actor.user(u.id, u.role, u.partner_id, u.username)
                               for u in users]
        self.set_up_at = _set_up_at(db)
        managers = {u.id: u for u in db.scalars(select(User).where(User.role ==
                                                                   "channel_manager"))}
        self.desk_for = {}
        for p in db.scalars(select(Partner)):
            m = managers.get(p.channel_manager_id) or next(iter(managers.values()))
            self.desk_for[p.id] = Actor.user(m.id, m.role, None, m.username)
        self.queue: list[Event] = []
        self.seq = 0
        self.owner: dict[int, Actor] = {}
        self.last_job = self.start

    # ------------------------------------------------------------ setup

    def run(self) -> None:
        pool = [self._customer() for _ in range(DEAL_COUNT)]
        self._import_directs(pool)
        times = sorted(self.start + timedelta(seconds=self.rng.uniform(0, HISTORY_DAYS * 86400))
                       for _ in range(DEAL_COUNT))
        used: list[Customer] = []
        fresh = iter(pool)
        for at in times:
            # About one in eight goes for a customer another registration recently claimed.
            if used and self.rng.random() < 0.13:
                customer = self._variant(self.rng.choice(used[-20:]))
            else:
                customer = next(fresh)
                used.append(customer)
            self._push(at, "register", customer=customer)
        while self.queue:
            event = heapq.heappop(self.queue)
            if event.at > self.now:
                continue
            self._run_jobs_until(event.at)
            getattr(self, f"_on_{event.kind}")(event)
        run_deal_protection(self.db, self.now)
        self.db.flush()

    def _customer(self) -> Customer:
        company = self.fake.unique.company()
        region = self.rng.choice(list(COUNTRIES))
        country = self.rng.choice(COUNTRIES[region])
        state = self.fake.state() if country == "US" else ""
        if self.rng.random() < 0.1:  # a small business with a free-mail contact
            return Customer(company, "", None, country, state)
        slug = re.sub(r"[^a-z0-9]", "", normalize_name(company))[:30] or "company"
        domain = f"{slug}.{TLD[country]}"
        return Customer(company, f"https://www.{domain}", domain, country, state)

    def _variant(self, c: Customer) -> Customer:
        """The same company as another partner would type it."""
        roll = self.rng.random()
        if roll < 0.4:
            return Customer(c.company.upper(), c.website, c.domain, c.country, c.state)
        if roll < 0.7 and c.domain:
            return Customer(f"{c.company.split()[0]} Holdings", c.domain, c.domain, c.country,
                            c.state)
        return Customer(f"{c.company} Inc.", "", None, c.country, c.state)

    def _import_directs(self, pool: list[Customer]) -> None:
        picked = self.rng.sample(pool, DIRECT_MATCHES) + [self._customer()
                                                          for _ in range(DIRECT_OTHERS)]
        at = self.start - timedelta(days=30)
        rows = []
        for n, c in enumerate(picked, 1):
            close = at + timedelta(days=self.rng.randint(200, 500))
            status = "open" if self.rng.random() < 0.8 else self.rng.choice(["won", "lost"])
            rows.append([f"SF-{n:05d}", c.company, c.domain or "", c.country,
                         f"{c.company} - platform", self.rng.randint(20, 400) * 1000,
                         f"{close:%Y-%m-%d}", "ae@vendor.example", status])
        content = to_csv(["External ID", "Account Name", "Website", "Country",
                          "Opportunity Name", "Amount", "Close Date", "Owner Email", "Status"],
                         rows)
        desk = next(iter(self.desk_for.values()))
        report = import_direct_opportunities(self.db, desk, content, now=at)
        assert report.ok, report.errors

    # ------------------------------------------------------------ events

    def _push(self, at: datetime, kind: str, deal_id: int = 0,
              customer: Customer | None = None) -> None:
        self.seq += 1
        heapq.heappush(self.queue, Event(at, self.seq, kind, deal_id, customer))

    def _later(self, after: datetime, low: float, high: float) -> datetime:
        return after + timedelta(days=self.rng.uniform(low, high))

    def _run_jobs_until(self, at: datetime) -> None:
        """The expiry job, daily, as the job runner would have run it."""
        while self.last_job + timedelta(days=1) <= at:
            self.last_job += timedelta(days=1)
            run_deal_protection(self.db, self.last_job)

    def _deal(self, deal_id: int) -> DealRegistration:
        return self.db.get(DealRegistration, deal_id)

    def _on_register(self, event: Event) -> None:
        c = event.customer
        ready = [a for a in self.partner_actors
                 if a.partner_id in self.set_up_at and self.set_up_at[a.partner_id] <= event.at]
        if not ready:
            return
        actor = self.rng.choice(ready)
        first, last = self.fake.first_name(), self.fake.last_name()
        local = re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
        domain = c.domain or self.rng.choice(FREE_MAIL)
        data = dict(
            company=c.company, website=c.website, country=c.country, state=c.state,
            contact_name=f"{first} {last}", contact_email=f"{local}@{domain}",
            contact_title=self.fake.job()[:120],
            product_line_ids=self.rng.sample(self.lines, k=self.rng.randint(1, 3)),
            estimated_value=Decimal(self.rng.choice([5, 8, 12, 20, 35, 50, 75, 120, 250, 400])
                                    * 1000),
            expected_close_date=(event.at + timedelta(days=self.rng.randint(30, 400))).date(),
            stage=self.rng.choice(list(DealStage)).value,
            description=self.fake.paragraph(nb_sentences=2),
        )
        deal = register_deal(self.db, actor, data, now=event.at)
        self.owner[deal.id] = actor
        if deal.status == DealStatus.APPROVED:
            self._push(self._later(event.at, 10, 150), "close", deal.id)
        else:
            self._push(self._later(event.at, 0.5, 12), "decide", deal.id)

    def _on_decide(self, event: Event) -> None:
        deal = self._deal(event.deal_id)
        if deal.status not in (DealStatus.SUBMITTED, DealStatus.UNDER_REVIEW):
            return
        desk = self.desk_for[deal.partner_id]
        roll = self.rng.random()
        if deal.match_verdict != "clear":
            detail = desk_detail(self.db, desk, deal.id, now=event.at)
            if detail.first_come and not any(m.kind == "direct" and m.open
                                             and m.verdict == "conflict"
                                             for m in detail.matches):
                self._approve(deal, desk, event.at)
            elif roll < 0.15:
                return  # left for the desk to show
            elif roll < 0.35 and (into := self._first_open_match(detail)):
                merge_deal(self.db, desk, deal.id, into, now=event.at)
            else:
                reject_deal(self.db, desk, deal.id, CONFLICT_REJECTION, now=event.at)
        elif roll < 0.72:
            self._approve(deal, desk, event.at)
        elif roll < 0.80:
            reject_deal(self.db, desk, deal.id, self.rng.choice(REJECTIONS), now=event.at)
        elif roll < 0.90:
            request_more_info(self.db, desk, deal.id, self.rng.choice(QUESTIONS), now=event.at)
            if self.rng.random() < 0.7:
                self._push(self._later(event.at, 1, 6), "answer", deal.id)
        elif roll < 0.95:
            withdraw_deal(self.db, self.owner[deal.id], deal.id, "Customer paused the project.",
                          now=event.at)
        # else: still waiting

    def _first_open_match(self, detail) -> int | None:
        """The registration that came first, to merge a duplicate into."""
        return next((m.id for m in detail.matches if m.kind == "registration" and m.open),
                    None)

    def _approve(self, deal: DealRegistration, desk: Actor, at: datetime) -> None:
        approve_deal(self.db, desk, deal.id, now=at)
        self._push(self._later(at, 10, deal.protection_days + 20), "close", deal.id)

    def _on_answer(self, event: Event) -> None:
        if self._deal(event.deal_id).status != DealStatus.MORE_INFO:
            return
        answer_info_request(self.db, self.owner[event.deal_id], event.deal_id,
                            self.fake.sentence(nb_words=12), now=event.at)
        self._push(self._later(event.at, 1, 4), "decide", event.deal_id)

    def _on_close(self, event: Event) -> None:
        deal = self._deal(event.deal_id)
        if deal.status != DealStatus.APPROVED:
            return  # expired meanwhile
        actor, roll = self.owner[deal.id], self.rng.random()
        if roll < 0.5:
            pct = self.rng.choice([80, 90, 95, 100, 100, 100, 105])
            amount = (deal.estimated_value * pct / 100).quantize(Decimal("0.01"))
            mark_won(self.db, actor, deal.id, amount, now=event.at)
        elif roll < 0.7:
            mark_lost(self.db, actor, deal.id, self.rng.choice(LOSSES), now=event.at)
        elif roll < 0.82 and deal.extension_status is None:
            request_extension(self.db, actor, deal.id, "Procurement needs more time.",
                              now=event.at)
            self._push(self._later(event.at, 0.5, 3), "extension", deal.id)
        # else: left to run out (the job expires it) or still protected

    def _on_extension(self, event: Event) -> None:
        deal = self._deal(event.deal_id)
        if deal.status != DealStatus.APPROVED or deal.extension_status != "requested":
            return
        grant = self.rng.random() < 0.7
        decide_extension(self.db, self.desk_for[deal.partner_id], deal.id, grant,
                         now=event.at)
        if grant:
            self._push(self._later(event.at, 5, 40), "close", deal.id)
