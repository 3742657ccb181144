"""Which event store a spec names: `open_store(spec)`.

`postgresql://user@host:5432/db[?schema=journey_intake]` -> `PostgresEventStore` (prod, beside the Dagster
instance's storage; the password comes from PGPASSWORD or a passfile, never the URL); anything else is a
SQLite path (SQLAlchemy's `sqlite:///` prefix accepted). The implementations import `store.py`, and only
this module imports them, so there is no import cycle.
"""

from __future__ import annotations

from journey_assets.intake.store import EventStore, SQLiteEventStore
from journey_assets.postgres_db import is_postgres_spec, postgres_spec
from journey_assets.sqlite_file import sqlite_spec


def open_store(spec: str) -> EventStore:
    if spec.startswith("bigquery://"):
        # docs/decisions/0601: BigQuery cannot dedupe by constraint nor give a gap-free commit order
        raise ValueError("the BigQuery event store was removed; use postgresql://user@host/db (or a SQLite path)")
    if is_postgres_spec(spec):
        from journey_assets.intake.store_postgres import DEFAULT_SCHEMA, PostgresEventStore

        conninfo, schema = postgres_spec(spec, DEFAULT_SCHEMA)
        return PostgresEventStore(conninfo, schema=schema)
    return SQLiteEventStore(sqlite_spec(spec))
