"""`SQLiteFeatureStore`: the response plane's feature copy in one SQLite file (see `features.py`)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from journey_assets.response.features import FeatureLoad, FeatureStore, PersonFeatures, split_keys
from journey_assets.response.ledger import iso, parse_iso
from journey_assets.sqlite_file import connect_durable, sqlite_path

SCHEMA = """
CREATE TABLE IF NOT EXISTS people (
    customer_key TEXT PRIMARY KEY,
    dealer_id    TEXT,
    feature_date TEXT NOT NULL,
    features     TEXT NOT NULL,
    loaded_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS person_keys (
    identity_key TEXT PRIMARY KEY,
    customer_key TEXT NOT NULL
);
"""


class SQLiteFeatureStore(FeatureStore):
    """One connection per thread (the responder's lanes are threads), as the ledger."""

    def __init__(self, path: str | Path):
        self.path = sqlite_path(path, "response features store")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._conn().executescript(SCHEMA)

    def __repr__(self) -> str:
        return f"SQLiteFeatureStore({str(self.path)!r})"

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect_durable(self.path)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def replace(self, people: Iterable[PersonFeatures], loaded_at: datetime) -> FeatureLoad:
        persons, keys, ambiguous = split_keys(people)
        stamp = iso(loaded_at)
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM person_keys")
            conn.execute("DELETE FROM people")
            conn.executemany(
                "INSERT INTO people VALUES (?, ?, ?, ?, ?)",
                (
                    (p.customer_key, p.dealer_id, p.feature_date.isoformat(), json.dumps(dict(p.features)), stamp)
                    for p in persons
                ),
            )
            conn.executemany("INSERT INTO person_keys VALUES (?, ?)", keys)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return FeatureLoad(len(persons), len(keys), ambiguous, loaded_at)

    def _owners(self, keys: Sequence[str]) -> dict[str, str]:
        marks = ",".join("?" * len(keys))
        sql = f"SELECT identity_key, customer_key FROM person_keys WHERE identity_key IN ({marks})"
        return dict(self._conn().execute(sql, tuple(keys)).fetchall())

    def _person(self, customer_key: str) -> tuple[str, date, dict[str, Any]] | None:
        row = (
            self._conn()
            .execute("SELECT dealer_id, feature_date, features FROM people WHERE customer_key = ?", (customer_key,))
            .fetchone()
        )
        return (row[0], date.fromisoformat(row[1]), json.loads(row[2])) if row else None

    def count(self) -> int:
        return int(self._conn().execute("SELECT count(*) FROM people").fetchone()[0])

    def loaded_at(self) -> datetime | None:
        row = self._conn().execute("SELECT max(loaded_at) FROM people").fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
        self._local = threading.local()
