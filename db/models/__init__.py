"""All tables. Import from here so that Alembic and the app see the same metadata."""

from db.models.audit import AuditEvent
from db.models.base import Base
from db.models.partners import Partner, Tier
from db.models.users import User

__all__ = ["AuditEvent", "Base", "Partner", "Tier", "User"]
