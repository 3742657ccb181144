"""`PostgresEventStore`: the intake's event store on Postgres (prod), behind the same `EventStore` interface.

Same promises as the SQLite store (`store.py`): group commit by one writer thread, nothing acknowledged
before COMMIT returned (`synchronous_commit=on`), dedupe by the unique constraint on `event_id`
(`INSERT ... ON CONFLICT DO NOTHING RETURNING`, never a lookup first), cursors `<store_id>:<seq>`.

Commit order is seq order because writers take turns: a Postgres sequence hands out numbers when rows
are inserted, not when they commit, so two writers at once (`--workers 2`, a second intake) could commit
seq 11 before seq 10, and a reader that had just read 11 would never see 10. Each write transaction
first takes a transaction-scoped advisory lock, so the next writer's numbers come after every number
already committed. Group commit keeps the cost at one lock per batch. Waiting for it longer than
`lock_timeout` fails the batch (the requests get a 503), as SQLite's lock timeout does.

The writer connects on its first batch and again after a lost connection, so a Postgres restart fails
the requests in flight (503, the sender retries; dedupe makes a retry of a commit whose answer was lost
harmless) and the store carries on. Event times and payloads are kept as the text the intake wrote, so
`read_since` gives back exactly what was stored.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Sequence
from typing import Any

import psycopg

from journey_assets import postgres_db
from journey_assets.intake.store import (
    Callback,
    GroupCommitStore,
    SecurityEvent,
    StoredEvent,
    batch_results,
    parse_cursor,
    split_batch,
    utc_now_iso,
)

log = logging.getLogger(__name__)

DEFAULT_SCHEMA = "journey_intake"

DDL = """
CREATE TABLE IF NOT EXISTS events (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     text NOT NULL UNIQUE,
    kind         text NOT NULL,
    event_type   text NOT NULL,
    dealer_id    text,
    occurred_at  text,
    received_at  text NOT NULL,
    committed_at text NOT NULL,
    payload      text NOT NULL
);
CREATE TABLE IF NOT EXISTS store_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE IF NOT EXISTS security_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          text NOT NULL,
    endpoint    text NOT NULL,
    reason      text NOT NULL,
    remote_addr text
);
"""

# One statement whatever the batch's size: the rows as arrays, in the batch's order (so seqs follow it).
INSERT_EVENTS = """
INSERT INTO events (event_id, kind, event_type, dealer_id, occurred_at, received_at, committed_at, payload)
SELECT event_id, kind, event_type, dealer_id, occurred_at, received_at, %(committed_at)s, payload
FROM unnest(%(event_id)s::text[], %(kind)s::text[], %(event_type)s::text[], %(dealer_id)s::text[],
            %(occurred_at)s::text[], %(received_at)s::text[], %(payload)s::text[])
     WITH ORDINALITY AS batch (event_id, kind, event_type, dealer_id, occurred_at, received_at, payload, position)
ORDER BY position
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id, seq
"""
INSERT_SECURITY = "INSERT INTO security_events (at, endpoint, reason, remote_addr) VALUES (%s, %s, %s, %s)"
WRITERS_TAKE_TURNS = "SELECT pg_advisory_xact_lock(hashtext(%s))"


class PostgresEventStore(GroupCommitStore):
    """Intake events in Postgres (see the module docstring); `conninfo` is a libpq URL without a password."""

    def __init__(
        self,
        conninfo: str,
        *,
        schema: str = DEFAULT_SCHEMA,
        max_batch: int = 1024,
        max_pending: int = 20_000,
        lock_timeout: float = 30.0,
    ):
        super().__init__(max_batch=max_batch, max_pending=max_pending)
        self.conninfo = conninfo
        self.schema = schema
        self.lock_timeout = lock_timeout
        self._turn_key = f"journey intake writer {schema}"
        with self._connect() as conn:
            postgres_db.create_schema(conn, schema, DDL)
            # the store's identity goes into every cursor (see SQLiteEventStore)
            conn.execute(
                "INSERT INTO store_meta (key, value) VALUES ('store_id', %s) ON CONFLICT (key) DO NOTHING",
                (uuid.uuid4().hex,),
            )
            self.store_id = conn.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()[0]  # type: ignore[index]
        self._writer_conn: psycopg.Connection | None = None
        self._read_lock = threading.Lock()
        self._reader: psycopg.Connection | None = None

    def __repr__(self) -> str:
        return f"PostgresEventStore({postgres_db.describe(self.conninfo, self.schema)!r})"

    def _connect(self) -> psycopg.Connection:
        return postgres_db.connect(
            self.conninfo, self.schema, application_name="journey-intake", lock_timeout_ms=int(self.lock_timeout * 1000)
        )

    # -- writing -----------------------------------------------------------------------

    def _open_writer(self) -> None:
        pass  # connected by the first batch (and again after a lost connection)

    def _close_writer(self) -> None:
        if self._writer_conn is not None:
            self._writer_conn.close()
            self._writer_conn = None

    def _transaction(self, batch: list[tuple[str, Any, Callback]]) -> list[Any]:
        if self._writer_conn is None or self._writer_conn.closed or self._writer_conn.broken:
            self._close_writer()
            self._writer_conn = self._connect()
        conn = self._writer_conn
        events, security = split_batch(batch)
        inserted: dict[str, int] = {}
        with conn.transaction():  # COMMIT on leaving the block; ROLLBACK if anything in it raised
            if events:
                conn.execute(WRITERS_TAKE_TURNS, (self._turn_key,))
                rows = conn.execute(
                    INSERT_EVENTS,
                    {
                        "committed_at": utc_now_iso(),
                        "event_id": [e.event_id for e in events],
                        "kind": [e.kind for e in events],
                        "event_type": [e.event_type for e in events],
                        "dealer_id": [e.dealer_id for e in events],
                        "occurred_at": [e.occurred_at for e in events],
                        "received_at": [e.received_at for e in events],
                        "payload": [e.payload for e in events],
                    },
                ).fetchall()
                inserted = dict(rows)
            if security:
                with conn.cursor() as cur:
                    cur.executemany(INSERT_SECURITY, [(e.at, e.endpoint, e.reason, e.remote_addr) for e in security])
        return batch_results(batch, inserted)

    def _close_readers(self) -> None:
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    # -- reading -----------------------------------------------------------------------

    def _read(self, query: str, params: Sequence[Any]) -> list[tuple]:
        with self._read_lock:
            if self._reader is None or self._reader.closed or self._reader.broken:
                self._reader = self._connect()
            return self._reader.execute(query, params).fetchall()

    def read_since(self, cursor: str | None, limit: int = 500) -> tuple[list[StoredEvent], str]:
        store_id, after = parse_cursor(cursor)
        if store_id is not None and store_id != self.store_id:
            log.warning("cursor belongs to another event store (replaced?); reading %r from its first event", self)
            after = 0
        if limit <= 0:
            raise ValueError("limit must be positive")
        rows = self._read(
            "SELECT seq, event_id, kind, event_type, dealer_id, occurred_at, received_at, payload "
            "FROM events WHERE seq > %s ORDER BY seq LIMIT %s",
            (after, limit),
        )
        events = [StoredEvent(*row) for row in rows]
        return events, f"{self.store_id}:{events[-1].seq if events else after}"

    def security_events(self, limit: int = 100) -> list[SecurityEvent]:
        rows = self._read(
            "SELECT endpoint, reason, remote_addr, at FROM security_events ORDER BY id DESC LIMIT %s", (limit,)
        )
        return [SecurityEvent(*row) for row in rows]

    def count(self) -> int:
        return self._read("SELECT count(*) FROM events", ())[0][0]
