"""All settings in one place, read from the environment (prefix PRM_)."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/prm.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PRM_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Demo data (with its published passwords) goes only into the default SQLite file, or
    # into another database when this is set: never by accident into a real installation.
    demo: bool = False
    data_dir: Path = Path("data")
    upload_dir: Path = Path("data/uploads")
    upload_max_mb: int = 20  # a training module's file
    proof_max_mb: int = 10  # a proof-of-performance file of a fund claim
    pos_max_mb: int = 500  # a POS file (2,000,000 lines are about 250 MB)
    base_currency: str = "USD"

    cookie_key: str | None = None
    cookie_name: str = "prm_session"
    cookie_expiry_days: float = 7.0

    bcrypt_rounds: int = 12
    # Vendor roles that must sign in with a second factor (comma separated; empty: nobody,
    # which suits a single sign-on provider that asks for its own).
    second_factor_roles: str = "admin,finance"
    lockout_threshold: int = 5
    lockout_minutes: int = 15

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "prm@localhost"
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0

    app_base_url: str = "http://localhost:8501"

    # Connections to PostgreSQL, per process: each app replica, the API and each job runner
    # hold up to pool_size + max_overflow. Keep (replicas + 2) x (size + overflow) under the
    # server's max_connections (100 by default); README's cluster section works it through.
    db_pool_size: int = 5
    db_max_overflow: int = 10
    db_pool_timeout_seconds: float = 30.0
    db_pool_recycle_seconds: int = 1800
    # The longest one statement of a page or an API call may run before the database stops
    # it (0: no limit). Jobs, migrations, backups and commands are not limited.
    db_statement_timeout_seconds: float = 60.0

    @property
    def demo_allowed(self) -> bool:
        return self.demo or self.database_url == DEFAULT_DATABASE_URL

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)

    # The public application form (core.recruitment.limits): applications accepted per
    # client address an hour, per contact e-mail address and per company e-mail domain a
    # day (0 turns a limit off); the channel managers' digest of new applications.
    apply_limit_per_address_per_hour: int = 5
    apply_limit_per_email_per_day: int = 3
    apply_limit_per_domain_per_day: int = 10
    applications_digest_minutes: int = 60
    # Comma-separated addresses or networks of the reverse proxies whose X-Forwarded-For is
    # believed ("127.0.0.1" for one on the same host); empty: the direct peer is the client.
    trusted_proxies: str = ""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
