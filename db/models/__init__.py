"""All tables. Import from here so that Alembic and the app see the same metadata."""

from db.models.audit import AuditEvent
from db.models.base import Base
from db.models.deals import (
    DealEvent,
    DealRegistration,
    DirectOpportunity,
    EndCustomer,
    ProductLine,
)
from db.models.jobs import JobState
from db.models.notifications import Notification, OutboxMail
from db.models.partners import Partner, Tier
from db.models.users import User

__all__ = ["AuditEvent", "Base", "DealEvent", "DealRegistration", "DirectOpportunity",
           "EndCustomer", "JobState", "Notification", "OutboxMail", "Partner", "ProductLine",
           "Tier", "User"]
