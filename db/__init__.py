"""Data layer: SQLAlchemy models, engine and sessions, Alembic migrations."""
