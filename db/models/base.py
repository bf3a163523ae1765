from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so that migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def on_database(obj, dialect_name: str) -> bool:
    """Whether a schema item of the models exists on this kind of database: everything does,
    except an index (or constraint) declared with `.ddl_if(dialect=...)` for another one."""
    rule = getattr(obj, "_ddl_if", None)
    if rule is None or rule.dialect is None:
        return True
    names = (rule.dialect,) if isinstance(rule.dialect, str) else tuple(rule.dialect)
    return dialect_name in names


def include_object_for(dialect_name: str):
    """Alembic's include_object for comparing the models with a database of this dialect:
    leaves out the models' items meant for the other one (create_all honours ddl_if;
    autogenerate does not)."""

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        return reflected or on_database(obj, dialect_name)

    return include_object
