"""Which feature store a spec names: `open_feature_store(spec)`, as `ledger_factory.open_ledger` does.

`postgresql://user@host:5432/db[?schema=journey_features]` -> `PostgresFeatureStore` (prod; the password from
PGPASSWORD or a passfile, never the URL); anything else is a SQLite path.
"""

from __future__ import annotations

from pathlib import Path

from journey_assets.postgres_db import is_postgres_spec, postgres_spec
from journey_assets.response.features import FeatureStore
from journey_assets.response.features_sqlite import SQLiteFeatureStore
from journey_assets.sqlite_file import sqlite_spec


def open_feature_store(spec: str | Path) -> FeatureStore:
    text = str(spec)
    if is_postgres_spec(text):
        from journey_assets.response.features_postgres import DEFAULT_SCHEMA, PostgresFeatureStore

        conninfo, schema = postgres_spec(text, DEFAULT_SCHEMA)
        return PostgresFeatureStore(conninfo, schema=schema)
    return SQLiteFeatureStore(sqlite_spec(text))
