"""`PostgresFeatureStore`: the response plane's feature copy on Postgres (prod), the same tables as SQLite.

A load deletes and inserts in one transaction (not TRUNCATE, whose exclusive lock would make every lookup
wait for the load): lookups keep reading last night's rows until the new ones commit.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from journey_assets import postgres_db
from journey_assets.response.features import FeatureLoad, FeatureStore, PersonFeatures, split_keys

DEFAULT_SCHEMA = "journey_features"

DDL = """
CREATE TABLE IF NOT EXISTS people (
    customer_key text PRIMARY KEY,
    dealer_id    text,
    feature_date date NOT NULL,
    features     jsonb NOT NULL,
    loaded_at    timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS person_keys (
    identity_key text PRIMARY KEY,
    customer_key text NOT NULL
);
"""


class PostgresFeatureStore(FeatureStore):
    """The store in a Postgres schema; `conninfo` is a libpq URL without a password. One connection per thread."""

    def __init__(self, conninfo: str, *, schema: str = DEFAULT_SCHEMA):
        self.conninfo = conninfo
        self.schema = schema
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        postgres_db.create_schema(self._conn(), schema, DDL)

    def __repr__(self) -> str:
        return f"PostgresFeatureStore({postgres_db.describe(self.conninfo, self.schema)!r})"

    def _conn(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = postgres_db.connect(self.conninfo, self.schema, application_name="journey-features")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def replace(self, people: Iterable[PersonFeatures], loaded_at: datetime) -> FeatureLoad:
        if loaded_at.tzinfo is None:
            raise ValueError("loaded_at must be timezone-aware")
        persons, keys, ambiguous = split_keys(people)
        conn = self._conn()
        with conn.transaction():
            conn.execute("DELETE FROM person_keys")
            conn.execute("DELETE FROM people")
            with conn.cursor() as cur:
                with cur.copy(
                    "COPY people (customer_key, dealer_id, feature_date, features, loaded_at) FROM STDIN"
                ) as copy:
                    for p in persons:
                        copy.write_row(
                            (p.customer_key, p.dealer_id, p.feature_date, Jsonb(dict(p.features)), loaded_at)
                        )
                with cur.copy("COPY person_keys (identity_key, customer_key) FROM STDIN") as copy:
                    for pair in keys:
                        copy.write_row(pair)
        return FeatureLoad(len(persons), len(keys), ambiguous, loaded_at)

    def _owners(self, keys: Sequence[str]) -> dict[str, str]:
        rows = (
            self._conn()
            .execute("SELECT identity_key, customer_key FROM person_keys WHERE identity_key = ANY(%s)", (list(keys),))
            .fetchall()
        )
        return dict(rows)

    def _person(self, customer_key: str) -> tuple[str, date, dict[str, Any]] | None:
        row = (
            self._conn()
            .execute("SELECT dealer_id, feature_date, features FROM people WHERE customer_key = %s", (customer_key,))
            .fetchone()
        )
        return (row[0], row[1], row[2]) if row else None

    def count(self) -> int:
        row = self._conn().execute("SELECT count(*) FROM people").fetchone()
        return int(row[0]) if row else 0

    def loaded_at(self) -> datetime | None:
        row = self._conn().execute("SELECT max(loaded_at) FROM people").fetchone()
        return row[0].astimezone(UTC) if row and row[0] else None

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
