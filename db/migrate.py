"""Apply the Alembic migrations: `python -m db.migrate` (to PRM_DATABASE_URL)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from core.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url or get_settings().database_url
    return cfg


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")


if __name__ == "__main__":
    upgrade()
    print("database is at the latest migration")
