"""The REST API: integrations call it with an API key (`Authorization: Bearer prm_...`), each
call runs as the key's actor through core's services (a partner-limited key sees only its
partner's records), is audited, and is rate-limited per key. Errors are JSON
(`{"error": ..., "field": ...}`): 401 without a live key, 403 outside its scopes, 404, 413
for a body over 1 MB, 422 for bad input (the field and the reason), 429 with Retry-After."""

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from core import audit
from core.crm import feeds
from core.crm.keys import Caller, Unauthenticated, authenticate
from core.deals.direct import upsert_direct_opportunities
from core.deals.status import DealStatus
from core.errors import NotFound, PermissionDenied, RuleViolation, ValidationError
from core.ratelimit import Limit, RateLimited, check_and_count
from core.settings import get_settings
from db.session import make_engine, unit_of_work

MAX_BODY = 1_000_000
PER_MINUTE = int(os.environ.get("PRM_API_RATE_PER_MINUTE", "600"))

app = FastAPI(title="PRM API", version="1",
              description="Partners, deal registrations and more for CRM integrations. "
                          "Authenticate with an API key from the Integrations page: "
                          "`Authorization: Bearer prm_...`.")


@cache
def engine_for(url: str) -> Engine:
    return make_engine(url)


def _error(status: int, message: str, field: str | None = None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": message} | ({"field": field} if field else {})
    return JSONResponse(body, status_code=status, headers=headers)


@app.middleware("http")
async def refuse_big_bodies(request: Request, call_next):
    size = request.headers.get("content-length")
    if size is not None and (not size.isdigit() or int(size) > MAX_BODY):
        return _error(413, "The request body is over 1 MB.")
    return await call_next(request)


@app.exception_handler(Unauthenticated)
async def _unauthenticated(_: Request, exc: Unauthenticated):
    return _error(401, str(exc), headers={"WWW-Authenticate": "Bearer"})


@app.exception_handler(PermissionDenied)
async def _denied(_: Request, exc: PermissionDenied):
    return _error(403, str(exc))


@app.exception_handler(NotFound)
async def _not_found(_: Request, exc: NotFound):
    return _error(404, str(exc))


@app.exception_handler(RateLimited)
async def _limited(_: Request, exc: RateLimited):
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
async def _http(_: Request, exc: StarletteHTTPException):
    # FastAPI's own refusals (a body that is no JSON: 400; no such path: 404) in our shape.
    return _error(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))


def session() -> Iterator[Session]:
    with unit_of_work(engine_for(get_settings().database_url)) as db:
        yield db


def caller_for(scope: str):
    """The dependency of an operation needing `scope`: the key checked, the call counted
    against the key's rate limit and audited (with what the operation writes, one
    transaction)."""
    def dependency(request: Request, db: Annotated[Session, Depends(session)],
                   authorization: Annotated[str | None, Header()] = None) -> Caller:
        repeated = sorted({k for k in request.query_params
                           if len(request.query_params.getlist(k)) > 1})
        if repeated:  # a parameter is given once: which of two values would be meant?
            raise RuleViolation("Give this parameter once.", field=repeated[0])
        raw = (authorization or "").removeprefix("Bearer ").strip() or None
        caller = authenticate(db, raw, scope)
        check_and_count(db, Limit("api-key", str(caller.key_id), PER_MINUTE,
                                  timedelta(minutes=1),
                                  "Too many calls with this key: try again in {wait}."))
        audit.record(db, caller.actor, "api.call", "api_key", caller.key_id,
                     after={"method": request.method, "path": request.url.path,
                            "query": str(request.url.query)[:500]},
                     partner_id=caller.actor.partner_id)
        return caller
    return dependency


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
                  db: Annotated[Session, Depends(session)],
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
               db: Annotated[Session, Depends(session)],
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
                  db: Annotated[Session, Depends(session)]) -> DirectUpsertOut:
    """Upsert by external id (scope direct_opportunities:write), all or none: each row runs
    the conflict check the CSV import runs, and a pending registration it meets goes to the
    deal desk."""
    report = upsert_direct_opportunities(db, caller.actor, [i.model_dump() for i in body.items])
    return DirectUpsertOut(created=report.created, updated=report.updated,
                           unchanged=report.unchanged, sent_to_desk=list(report.sent_to_desk),
                           protected_matches=list(report.protected_matches))
