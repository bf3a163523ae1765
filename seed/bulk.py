"""Bulk loads for the scale seed: COPY on PostgreSQL, the driver's executemany on SQLite,
with the secondary indexes dropped before the load and built again after it, then ANALYZE."""

import json
from collections.abc import Iterable

from sqlalchemy import JSON, text
from sqlalchemy.orm import Session

from db.types import Money

BATCH = 5_000


class BulkWriter:
    """Bulk inserts of rows in Python values, money already in integer cents (as the Money
    type stores it). SQLite: the driver's executemany, each value through its column's own
    SQLAlchemy bind processor, so the stored text is what an insert through SQLAlchemy
    writes, without its per-row overhead. PostgreSQL: COPY."""

    def __init__(self, db: Session):
        self.db = db
        self.dialect = db.get_bind().dialect
        self.pg = self.dialect.name == "postgresql"

    def write(self, model, columns: list[str], rows: Iterable[tuple]) -> int:
        table = model.__table__
        cols = [table.c[name] for name in columns]
        raw = self.db.connection().connection.driver_connection
        n = 0
        if self.pg:
            jsons = [i for i, c in enumerate(cols) if isinstance(c.type, JSON)]
            with raw.cursor() as cur, cur.copy(
                    f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    if jsons:
                        row = list(row)
                        for i in jsons:
                            row[i] = json.dumps(row[i])
                    copy.write_row(row)
                    n += 1
            return n
        conv = []
        for i, c in enumerate(cols):
            proc = None if isinstance(c.type, Money) else \
                c.type.dialect_impl(self.dialect).bind_processor(self.dialect)
            if proc is not None:
                conv.append((i, proc))
        sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        cursor = raw.cursor()
        batch: list = []
        for row in rows:
            if conv:
                row = list(row)
                for i, proc in conv:
                    if row[i] is not None:
                        row[i] = proc(row[i])
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                n += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            n += len(batch)
        cursor.close()
        return n

    def drop_indexes(self, tables: list[str]) -> list[str]:
        """Drop the secondary indexes of the tables (not those of primary keys or unique
        constraints) and return the statements that build them again: one sort per index
        after the load is much faster than keeping each up to date row by row."""
        rebuild = []
        for table in tables:
            if self.pg:
                found = self.db.execute(text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = "
                    "current_schema() AND tablename = :t AND indexname NOT IN (SELECT "
                    "conname FROM pg_constraint WHERE conrelid = to_regclass(:t))"),
                    {"t": table}).all()
            else:
                found = self.db.execute(text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                    "tbl_name = :t AND sql IS NOT NULL"), {"t": table}).all()
            for name, sql in found:
                self.db.execute(text(f'DROP INDEX "{name}"'))
                rebuild.append(sql)
        return rebuild

    def build_indexes(self, statements: list[str]) -> None:
        if self.pg:
            self.db.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for sql in statements:
            self.db.execute(text(sql))

    def analyze(self, tables: list[str]) -> None:
        """Each table's id sequence past its rows (PostgreSQL: COPY does not advance it),
        then ANALYZE."""
        if self.pg:
            for table in tables:
                self.db.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
        self.db.execute(text("ANALYZE"))
