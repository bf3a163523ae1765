from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import UTCDateTime


class JobState(Base):
    """When each background job last ran, how it went and when it runs next.

    `running_until` is a lease: the runner that set it owns the job until then, so two runner
    processes never run the same job at once; a crashed runner's lease simply expires."""

    __tablename__ = "job_states"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str | None] = mapped_column(String(10))  # "ok" or "error"
    last_message: Mapped[str | None] = mapped_column(String(500))
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    running_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_count: Mapped[int] = mapped_column(Integer, default=0)


class KeyedLock(Base):
    """One row per lock key; on SQLite, writing it takes the database's write lock (see
    db.locks). PostgreSQL uses advisory locks and leaves this table empty."""

    __tablename__ = "keyed_locks"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
