"""Domain events: a service says what happened, inside its own transaction, and the packages
that care react in that same transaction (Zulip's way: the change, its audit and what follows
from it commit or roll back together).

A package that publishes defines its event types (frozen dataclasses deriving DomainEvent) in
`core/<package>/events.py`; a package that reacts registers handlers in
`core/<package>/subscribers.py` with `@subscriber(EventType)`. Capabilities talk through these,
not by calling each other's internals: deals do not know that onboarding ticks a step when the
first deal is registered."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from core import packages
from core.actor import Actor


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """What every event carries: who caused it and when."""

    actor: Actor
    at: datetime


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Session, E], None]

_SUBSCRIBERS: dict[type[DomainEvent], list[Handler]] = {}


def subscriber(event_type: type[E]) -> Callable[[Handler], Handler]:
    """Register the decorated function for events of this type (and its subclasses)."""

    def register(fn: Handler) -> Handler:
        handlers = _SUBSCRIBERS.setdefault(event_type, [])
        if fn not in handlers:
            handlers.append(fn)
        return fn

    return register


def subscribers(event_type: type[DomainEvent]) -> list[Handler]:
    packages.load("subscribers")
    return [fn for kind in event_type.__mro__ for fn in _SUBSCRIBERS.get(kind, [])]


def publish(db: Session, event: DomainEvent) -> None:
    """Run every subscriber of the event in the caller's transaction. A subscriber that
    raises fails the whole change: nothing is half-written."""
    for handler in subscribers(type(event)):
        handler(db, event)


def unsubscribe(event_type: type[DomainEvent], fn: Handler) -> None:
    """Take a handler away again (tests that listen for a while)."""
    handlers = _SUBSCRIBERS.get(event_type, [])
    if fn in handlers:
        handlers.remove(fn)
