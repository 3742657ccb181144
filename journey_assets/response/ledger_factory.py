"""Which response ledger a spec names: `open_ledger(spec)`.

`postgresql://user@host:5432/db[?schema=journey_response]` -> `PostgresLedger` (prod, beside the Dagster
instance's storage; the password comes from PGPASSWORD or a passfile, never the URL); anything else is a
SQLite path (SQLAlchemy's `sqlite:///` prefix accepted). The implementations import `ledger.py`, and only
this module imports them, so there is no import cycle.
"""

from __future__ import annotations

from pathlib import Path

from journey_assets.postgres_db import is_postgres_spec, postgres_spec
from journey_assets.response.ledger import ResponseLedger
from journey_assets.response.ledger_sqlite import SQLiteLedger
from journey_assets.sqlite_file import sqlite_spec


def open_ledger(spec: str | Path) -> ResponseLedger:
    text = str(spec)
    if is_postgres_spec(text):
        from journey_assets.response.ledger_postgres import DEFAULT_SCHEMA, PostgresLedger

        conninfo, schema = postgres_spec(text, DEFAULT_SCHEMA)
        return PostgresLedger(conninfo, schema=schema)
    return SQLiteLedger(sqlite_spec(text))
