"""The REST API: integrations call it with an API key (`Authorization: Bearer prm_...`), each
call runs as the key's actor through core's services (a partner-limited key sees only its
partner's records), is audited, and is rate-limited per key. Errors are JSON
(`{"error": ..., "field": ...}`): 401 without a live key, 403 outside its scopes, 404, 413
for a body over 1 MB, 422 for bad input (the field and the reason), 429 with Retry-After."""

import logging
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import audit
from core.catalog import names_by_id
from core.crm import feeds
from core.crm.keys import (
    Caller,
    Unauthenticated,
    acting_user,
    authenticate,
    key_id_of,
    refused_call,
)
from core.deals.direct import upsert_direct_opportunities
from core.deals.status import DealStatus
from core.deals.workflow import register_deal
from core.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from core.funds.status import ClaimStatus
from core.leads.intake import MAX_BATCH, create_leads
from core.leads.routing import route_leads
from core.ratelimit import Limit, RateLimited, check_and_count
from core.settings import get_settings
from db import health as db_health
from db.models import Lead
from db.session import make_engine, unit_of_work

MAX_BODY = 1_000_000
log = logging.getLogger("prm.api")
PER_MINUTE = int(os.environ.get("PRM_API_RATE_PER_MINUTE", "600"))

app = FastAPI(title="PRM API", version="1",
              description="Partners, deal registrations and more for CRM integrations. "
                          "Authenticate with an API key from the Integrations page: "
                          "`Authorization: Bearer prm_...`.")


@cache
def engine_for(url: str) -> Engine:
    return make_engine(url, interactive=True)


def _error(status: int, message: str, field: str | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": message} | ({"field": field} if field else {})
    return JSONResponse(body, status_code=status, headers=headers)


class BodyLimit:
    """Bodies over MAX_BODY answered 413 before anything reads them: by the Content-Length
    header, and, for a body sent in chunks without one, by counting what arrives (it is
    read here, at most MAX_BODY bytes, then handed on)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or ())
        size = headers.get(b"content-length")
        if size is not None and (not size.isdigit() or int(size) > MAX_BODY):
            return await _too_large(scope, receive, send)
        chunks, total, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message]), send)
            chunks.append(message)
            total += len(message.get("body", b""))
            if total > MAX_BODY:
                return await _too_large(scope, receive, send)
            more = message.get("more_body", False)
        return await self.app(scope, _replay(chunks), send)


def _replay(messages: list[dict]):
    queue = list(messages)

    async def receive() -> dict:
        return queue.pop(0) if queue else {"type": "http.disconnect"}
    return receive


async def _too_large(scope, receive, send) -> None:
    await _error(413, "The request body is over 1 MB.")(scope, receive, send)


app.add_middleware(BodyLimit)


@app.exception_handler(Unauthenticated)
async def _unauthenticated(request: Request, exc: Unauthenticated):
    log.warning("API call refused (401): %s %s", request.method, request.url.path)
    return _error(401, str(exc), headers={"WWW-Authenticate": "Bearer"})


@app.exception_handler(PermissionDenied)
def _denied(request: Request, exc: PermissionDenied):
    # Audited (the refused call's own transaction was rolled back): only here, where the key
    # is known; a call without a live key (401) or over its rate (429) is only logged, so
    # no one can fill the audit log from outside.
    refused_call(engine_for(get_settings().database_url), _key(request), request.method,
                 request.url.path, str(exc))
    return _error(403, str(exc))


def _key(request: Request) -> str | None:
    return (request.headers.get("authorization") or "").removeprefix("Bearer ").strip() or None


@app.exception_handler(NotFound)
async def _not_found(_: Request, exc: NotFound):
    return _error(404, str(exc))


@app.exception_handler(RateLimited)
async def _limited(request: Request, exc: RateLimited):
    log.warning("API call refused (429): %s %s", request.method, request.url.path)
    return _error(429, str(exc), headers={"Retry-After": str(exc.retry_after)})


@app.exception_handler(RuleViolation)
async def _rule(_: Request, exc: RuleViolation):
    return _error(422, str(exc), exc.field)


@app.exception_handler(ValidationError)
async def _invalid(_: Request, exc: ValidationError):
    err = exc.errors()[0]
    return _error(422, err["msg"].removeprefix("Value error, "),
                  ".".join(str(p) for p in err["loc"]) or None)


@app.exception_handler(RequestValidationError)
async def _bad_request(_: Request, exc: RequestValidationError):
    err = exc.errors()[0]
    where = [str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path")]
    return _error(422, err.get("msg", "Invalid input."), ".".join(where) or None)


class ErrorOut(BaseModel):
    error: str
    field: str | None = None


ERRORS = {status: {"model": ErrorOut} for status in (400, 401, 403, 413, 422, 429)}


@app.exception_handler(StarletteHTTPException)
async def _http(request: Request, exc: StarletteHTTPException):
    # FastAPI's own refusals (a body that is no JSON: 400; no such path: 404) in our shape.
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:  # Starlette names only the first route's methods of a path
        allowed = sorted({m for r in app.routes if getattr(r, "path_regex", None)
                          and r.path_regex.match(request.url.path)
                          for m in getattr(r, "methods", ()) or ()})
        headers = {"Allow": ", ".join(allowed)}
    return _error(exc.status_code, str(exc.detail), headers=headers)


class HealthOut(BaseModel):
    status: str = Field(description="ok, or unavailable (with status code 503)")
    database: str = Field(description="ok, unreachable or not migrated")
    revision: str | None
    expected_revision: str


@app.get("/health", response_model=HealthOut, tags=["health"],
         responses={503: {"model": HealthOut, "description": "The database is not usable"}})
def health() -> JSONResponse:
    """For load balancers and monitors, without a key: 200 while the database answers and is
    at this code's schema, else 503. Says nothing more about the installation."""
    state = db_health.check(engine_for(get_settings().database_url))
    return JSONResponse(state.as_dict(), status_code=200 if state.ok else 503)


def session() -> Iterator[Session]:
    with unit_of_work(engine_for(get_settings().database_url)) as db:
        yield db


def caller_for(scope: str):
    """The dependency of an operation needing `scope`: the call counted against the key's
    rate limit (in a short transaction of its own, first: a refused call counts too, and the
    limit's lock is not held while the operation works), the key checked, and the call
    audited (with what the operation writes, one transaction)."""
    def dependency(request: Request, db: Annotated[Session, Depends(session, scope="function")],
                   authorization: Annotated[str | None, Header()] = None) -> Caller:
        raw = (authorization or "").removeprefix("Bearer ").strip() or None
        count_call(engine_for(get_settings().database_url), raw)
        repeated = sorted({k for k in request.query_params
                           if len(request.query_params.getlist(k)) > 1})
        if repeated:  # a parameter is given once: which of two values would be meant?
            raise RuleViolation("Give this parameter once.", field=repeated[0])
        caller = authenticate(db, raw, scope)
        audit.record(db, caller.actor, "api.call", "api_key", caller.key_id,
                     after={"method": request.method, "path": request.url.path,
                            "query": str(request.url.query)[:500]},
                     partner_id=caller.actor.partner_id)
        return caller
    return dependency


def count_call(engine: Engine, raw: str | None) -> None:
    """Count a call of a live key against its rate limit (RateLimited past it)."""
    key_id = key_id_of(engine, raw)
    if key_id is None:
        return  # authenticate answers 401
    with unit_of_work(engine) as db:
        check_and_count(db, Limit("api-key", str(key_id), PER_MINUTE, timedelta(minutes=1),
                                  "Too many calls with this key: try again in {wait}."))


def _next(items: list, limit: int) -> int | None:
    """The cursor of the next page: the last id of this one (none after the last page)."""
    return items[-1].id if items and len(items) == limit else None


# Digits only ("50.0" is no cursor), at most nine: record ids are 32-bit integers on
# PostgreSQL, so a larger cursor is refused rather than sent along.
Cursor = Annotated[str | None, Query(pattern=r"^[0-9]{1,9}$",
                                     description="The `next_cursor` of the page before "
                                                 "(none: the first page).")]


def _after(cursor: str | None) -> int:
    return int(cursor or 0)


Limit_ = Annotated[int, Query(ge=1, le=feeds.MAX_PAGE)]
# Text, parsed here: pydantic's lax datetime would also take a number ("0.5" seconds after
# 1970), which is no moment a CRM means (schemathesis found it).
Since = Annotated[str | None, Query(description="Only records changed at or after this moment "
                                                "(RFC 3339; without a zone: UTC).",
                                    json_schema_extra={"format": "date-time"})]


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.strip().upper())
    except ValueError as exc:
        raise RuleViolation("Give a moment such as 2026-11-29T09:30:00Z.",
                            field="updated_since") from exc


class PartnerPage(BaseModel):
    items: list[feeds.PartnerItem]
    next_cursor: int | None


@app.get("/v1/partners", response_model=PartnerPage, responses=ERRORS, tags=["partners"])
def list_partners(caller: Annotated[Caller, Depends(caller_for("partners:read"))],
                  db: Annotated[Session, Depends(session, scope="function")],
                  cursor: Cursor = None, limit: Limit_ = 100,
                  updated_since: Since = None) -> PartnerPage:
    """Partners in id order (scope partners:read), `next_cursor` until the last page."""
    items = feeds.partners_page(db, caller.actor, after=_after(cursor), limit=limit,
                                updated_since=_since(updated_since))
    return PartnerPage(items=items, next_cursor=_next(items, limit))


class DealPage(BaseModel):
    # Money goes out as a decimal string in the base currency, exact: "12500.00".
    items: list[feeds.DealItem]
    next_cursor: int | None


@app.get("/v1/deals", response_model=DealPage, responses=ERRORS, tags=["deals"])
def list_deals(caller: Annotated[Caller, Depends(caller_for("deals:read"))],
               db: Annotated[Session, Depends(session, scope="function")],
               cursor: Cursor = None, limit: Limit_ = 100, updated_since: Since = None,
               status: DealStatus | None = None) -> DealPage:
    """Deal registrations in id order (scope deals:read), without partners' notes."""
    items = feeds.deals_page(db, caller.actor, after=_after(cursor), limit=limit,
                             updated_since=_since(updated_since),
                             status=status.value if status else None)
    return DealPage(items=items, next_cursor=_next(items, limit))


class DirectOpportunityIn(BaseModel):
    """One opportunity of the vendor's direct sales, as the CRM has it. Checked by the same
    rules as the CSV import (a country by code or name, a website or domain, an amount)."""

    external_id: str
    account_name: str
    website: str = ""
    country: str
    name: str
    amount: str  # a decimal: "125000.00"
    close_date: str  # a date: "2026-12-31"
    owner_email: str = ""
    status: str = "open"  # open, won or lost


class DirectUpsertIn(BaseModel):
    items: list[DirectOpportunityIn] = Field(min_length=1, max_length=500)


class DirectUpsertOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    sent_to_desk: list[int]  # pending registrations the rows now collide with
    protected_matches: list[int]  # approved registrations the rows collide with


@app.post("/v1/direct-opportunities", response_model=DirectUpsertOut, responses=ERRORS,
          tags=["direct opportunities"])
def upsert_direct(body: DirectUpsertIn,
                  caller: Annotated[Caller, Depends(caller_for("direct_opportunities:write"))],
                  db: Annotated[Session, Depends(session, scope="function")]) -> DirectUpsertOut:
    """Upsert by external id (scope direct_opportunities:write), all or none: each row runs
    the conflict check the CSV import runs, and a pending registration it meets goes to the
    deal desk."""
    report = upsert_direct_opportunities(db, caller.actor, [i.model_dump() for i in body.items])
    return DirectUpsertOut(created=report.created, updated=report.updated,
                           unchanged=report.unchanged, sent_to_desk=list(report.sent_to_desk),
                           protected_matches=list(report.protected_matches))


class DealRegistrationIn(BaseModel):
    """A deal registration from a partner's own CRM (a key limited to that partner, scope
    deals:write), registered by and for the partner user named by `owner_email`: checked,
    matched against other registrations and direct opportunities, and routed exactly as the
    registration form's."""

    owner_email: str
    company: str
    website: str = ""
    country: str
    state: str = ""
    contact_name: str
    contact_email: str
    contact_title: str = ""
    product_lines: list[str] = Field(min_length=1, max_length=50)  # names, as in the catalog
    estimated_value: str  # a decimal: "48000.00"
    expected_close_date: str  # a date: "2027-03-31"
    stage: str = "qualification"
    description: str = ""


class DealRegisteredOut(BaseModel):
    id: int
    status: str
    status_label: str
    submitted_at: datetime


@app.post("/v1/deals", response_model=DealRegisteredOut, status_code=201, responses=ERRORS,
          tags=["deals"])
def register(body: DealRegistrationIn,
             caller: Annotated[Caller, Depends(caller_for("deals:write"))],
             db: Annotated[Session, Depends(session, scope="function")]) -> DealRegisteredOut:
    """Register a deal for the key's partner (scope deals:write, a partner-limited key)."""
    rep = acting_user(db, caller.actor, body.owner_email)
    by_name = {name.lower(): pid for pid, name in names_by_id(db).items()}
    ids = [by_name.get(n.strip().lower()) for n in body.product_lines]
    if None in ids:
        raise RuleViolation("Name product lines as the catalog does.", field="product_lines")
    deal = register_deal(db, rep, body.model_dump(exclude={"owner_email", "product_lines"})
                         | {"product_line_ids": ids})
    return DealRegisteredOut(id=deal.id, status=deal.status.value,
                             status_label=deal.status_label, submitted_at=deal.submitted_at)


class LeadIn(BaseModel):
    """A lead as the CRM has it: checked by the rules of the lead form and import (a country
    by name or code; an e-mail, or the company or its website). `source_id` is the CRM's id:
    sending a lead again finds the one kept."""

    company: str = ""
    website: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    title: str = ""
    country: str
    state: str = ""
    postal_code: str = ""
    city: str = ""
    industry: str = ""
    company_size: str = ""
    product_line: str = ""  # a product line's name
    source: str = ""
    campaign: str = ""
    source_id: str = ""
    notes: str = ""


class LeadsIn(BaseModel):
    items: list[LeadIn] = Field(min_length=1, max_length=MAX_BATCH)
    route: bool = True  # offer the new leads to partners now (else they wait for the team)


class LeadResult(BaseModel):
    lead_id: int
    created: bool  # false: the lead repeats one kept (same e-mail, CRM id or person)
    status: str
    partner_id: int | None  # the partner it is offered to or accepted by


class LeadsOut(BaseModel):
    items: list[LeadResult]
    created: int
    duplicates: int
    routed: int


@app.post("/v1/leads", response_model=LeadsOut, status_code=201, responses=ERRORS,
          tags=["leads"])
def post_leads(body: LeadsIn, caller: Annotated[Caller, Depends(caller_for("leads:write"))],
               db: Annotated[Session, Depends(session, scope="function")]) -> LeadsOut:
    """Create leads, one or many (scope leads:write, a vendor-wide key), all or none; the new
    ones are routed to the best eligible partner as the routing rules say."""
    results = create_leads(db, caller.actor, [i.model_dump() for i in body.items])
    new = [lead_id for lead_id, created in results if created]
    routed = len(route_leads(db, caller.actor, new).routed) if body.route and new else 0
    now_at = dict(((i, (status, partner)) for i, status, partner in db.execute(
        select(Lead.id, Lead.status, Lead.partner_id).where(
            Lead.id.in_([i for i, _ in results]))).tuples()))
    return LeadsOut(items=[LeadResult(lead_id=i, created=c, status=now_at[i][0],
                                      partner_id=now_at[i][1]) for i, c in results],
                    created=len(new), duplicates=len(results) - len(new), routed=routed)


class ClaimPage(BaseModel):
    items: list[feeds.ClaimItem]
    next_cursor: int | None


@app.get("/v1/fund-claims", response_model=ClaimPage, responses=ERRORS, tags=["funds"])
def list_claims(caller: Annotated[Caller, Depends(caller_for("funds:read"))],
                db: Annotated[Session, Depends(session, scope="function")],
                cursor: Cursor = None, limit: Limit_ = 100, updated_since: Since = None,
                status: ClaimStatus | None = None) -> ClaimPage:
    """Fund claims in id order (scope funds:read): what was claimed, approved and paid."""
    items = feeds.claims_page(db, caller.actor, after=_after(cursor), limit=limit,
                              updated_since=_since(updated_since),
                              status=status.value if status else None)
    return ClaimPage(items=items, next_cursor=_next(items, limit))
