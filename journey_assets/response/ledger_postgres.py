"""`PostgresLedger`: the response ledger on Postgres (prod), the same tables and interface as `SQLiteLedger`.

Several responders (the long-running one, Dagster `respond` runs, their threads) share one ledger, so
what SQLite gets from its single writer is said here explicitly:

* a claim is exclusive by constraint and row lock: a new (event_id, action) is taken by
  `INSERT ... ON CONFLICT DO NOTHING RETURNING` (of two claimers, the second finds the first's row); an
  existing row is read `FOR UPDATE`, so two claimers of a `pending` action take turns and the second
  sees `sending`;
* `atomic()` blocks take turns ledger-wide (a transaction-scoped advisory lock), as SQLite's
  `BEGIN IMMEDIATE` makes them: the round-robin cursor is read and moved by one responder at a time;
* a message's state is moved forward under its row lock.

Every connection commits with `synchronous_commit=on` (`postgres_db.connect`); times are `timestamptz`,
details and payloads `jsonb`. One connection per thread, as the runner's lanes are threads.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from journey_assets import postgres_db
from journey_assets.response.ledger import (
    DEFAULT_LEASE,
    DEFERRED,
    PENDING,
    SENDING,
    STATUS_RANK,
    ActionRecord,
    Claim,
    Consumer,
    ContactEvent,
    DeadLetter,
    MessageRow,
    ResponseLedger,
    RetryItem,
    Suppression,
    TouchRow,
    utc_now,
)

DEFAULT_SCHEMA = "journey_response"

DDL = """
CREATE TABLE IF NOT EXISTS actions (
    event_id   text NOT NULL,
    action     text NOT NULL,
    status     text NOT NULL,
    vendor_ref text,
    detail     jsonb NOT NULL DEFAULT '{}',
    attempts   integer NOT NULL DEFAULT 0,
    retry_at   timestamptz,
    updated_at timestamptz NOT NULL,
    started_at timestamptz,
    PRIMARY KEY (event_id, action)
);
ALTER TABLE actions ADD COLUMN IF NOT EXISTS started_at timestamptz;
CREATE TABLE IF NOT EXISTS suppressions (
    phone   text PRIMARY KEY,
    state   text NOT NULL,
    keyword text NOT NULL,
    at      timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS touches (
    contact_key text NOT NULL,
    channel     text NOT NULL,
    category    text NOT NULL,
    at          timestamptz NOT NULL,
    ref         text NOT NULL,
    PRIMARY KEY (contact_key, ref)
);
CREATE INDEX IF NOT EXISTS touches_key_at ON touches (contact_key, at);
CREATE TABLE IF NOT EXISTS messages (
    sid        text PRIMARY KEY,
    event_id   text,
    to_masked  text,
    status     text NOT NULL,
    error_code text,
    updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letter (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id text NOT NULL,
    action   text NOT NULL,
    vendor   text NOT NULL,
    reason   text NOT NULL,
    payload  jsonb NOT NULL,
    at       timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS contact_events (
    event_id    text NOT NULL,
    contact_key text NOT NULL,
    event_type  text NOT NULL,
    at          timestamptz NOT NULL,
    triggered   boolean NOT NULL DEFAULT false,
    PRIMARY KEY (event_id, contact_key)
);
CREATE INDEX IF NOT EXISTS contact_events_key_at ON contact_events (contact_key, at);
CREATE TABLE IF NOT EXISTS retry_queue (
    event_id   text PRIMARY KEY,
    event      jsonb NOT NULL,
    retry_at   timestamptz NOT NULL,
    reason     text NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS round_robin (
    rooftop_id     text PRIMARY KEY,
    salesperson_id text NOT NULL
);
CREATE TABLE IF NOT EXISTS consumers (
    name         text PRIMARY KEY,
    position     text,
    heartbeat_at timestamptz NOT NULL
);
"""

ACTION_COLUMNS = "event_id, action, status, vendor_ref, detail, attempts, retry_at, updated_at, started_at"
MESSAGE_COLUMNS = "sid, event_id, to_masked, status, error_code, updated_at"
_dumps = partial(json.dumps, default=str, sort_keys=True)  # what SQLiteLedger writes, as jsonb


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return at.astimezone(UTC)


def _utc(at: datetime | None) -> datetime | None:
    return at.astimezone(UTC) if at is not None else None


def _action(row: tuple | None) -> ActionRecord | None:
    if row is None:
        return None
    event_id, action, status, vendor_ref, detail, attempts, retry_at, updated_at, started_at = row
    return ActionRecord(
        event_id,
        action,
        status,
        vendor_ref,
        detail or {},
        attempts,
        _utc(retry_at),
        _utc(updated_at),  # type: ignore[arg-type]
        _utc(started_at),
    )


def _message(row: tuple | None) -> MessageRow | None:
    if row is None:
        return None
    sid, event_id, to_masked, status, error_code, updated_at = row
    return MessageRow(sid, event_id, to_masked, status, error_code, _utc(updated_at))  # type: ignore[arg-type]


class PostgresLedger(ResponseLedger):
    """The ledger in a Postgres schema (see the module docstring); `conninfo` is a libpq URL without a password."""

    def __init__(self, conninfo: str, *, schema: str = DEFAULT_SCHEMA):
        self.conninfo = conninfo
        self.schema = schema
        self._turn_key = f"journey ledger {schema}"
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        postgres_db.create_schema(self._conn(), schema, DDL)

    def __repr__(self) -> str:
        return f"PostgresLedger({postgres_db.describe(self.conninfo, self.schema)!r})"

    def _conn(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or (conn.broken and not getattr(self._local, "depth", 0)):
            conn = postgres_db.connect(self.conninfo, self.schema, application_name="journey-responder")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _write(self, fn: Any) -> Any:
        """Run fn(conn) in one transaction, or inside the enclosing `atomic()` block of this thread."""
        conn = self._conn()
        if getattr(self._local, "depth", 0):
            return fn(conn)
        with conn.transaction():
            return fn(conn)

    def _rows(self, query: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[tuple]:
        return self._conn().execute(query, params).fetchall()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        conn = self._conn()
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._turn_key,))
            self._local.depth = 1
            try:
                yield
            finally:
                self._local.depth = 0

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(psycopg.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()

    # -- actions -----------------------------------------------------------------------
    def get_action(self, event_id: str, action: str) -> ActionRecord | None:
        rows = self._rows(
            f"SELECT {ACTION_COLUMNS} FROM actions WHERE event_id = %s AND action = %s", (event_id, action)
        )
        return _action(rows[0] if rows else None)

    def actions(self, event_id: str | None = None) -> list[ActionRecord]:
        where, params = ("WHERE event_id = %s", (event_id,)) if event_id is not None else ("", ())
        rows = self._rows(f"SELECT {ACTION_COLUMNS} FROM actions {where} ORDER BY updated_at, event_id, action", params)
        return [_action(r) for r in rows]  # type: ignore[misc]

    def claim(self, event_id: str, action: str, now: datetime, lease: timedelta = DEFAULT_LEASE) -> Claim:
        def run(conn: psycopg.Connection) -> Claim:
            new = conn.execute(
                "INSERT INTO actions (event_id, action, status, attempts, updated_at, started_at) "
                f"VALUES (%s, %s, %s, 1, %s, %s) ON CONFLICT (event_id, action) DO NOTHING RETURNING {ACTION_COLUMNS}",
                (event_id, action, SENDING, _aware(now), _aware(now)),
            ).fetchone()
            if new is not None:
                return Claim(True, _action(new))
            row = _action(
                conn.execute(
                    f"SELECT {ACTION_COLUMNS} FROM actions WHERE event_id = %s AND action = %s FOR UPDATE",
                    (event_id, action),
                ).fetchone()
            )
            assert row is not None, "the row the INSERT ran into is there until deleted, and rows are never deleted"
            if row.terminal:
                return Claim(False, row)
            if row.status in (DEFERRED, PENDING) and row.retry_at is not None and row.retry_at > now:
                return Claim(False, row)  # not yet: quiet hours, a cap, or a transient failure's backoff
            in_doubt = False
            if row.status == SENDING:
                if now - row.updated_at < lease:
                    return Claim(False, row)  # another responder is on it
                in_doubt = True
            claimed = conn.execute(
                "UPDATE actions SET status = %s, attempts = attempts + 1, updated_at = %s, started_at = %s "
                f"WHERE event_id = %s AND action = %s RETURNING {ACTION_COLUMNS}",
                (SENDING, _aware(now), _aware(now), event_id, action),
            ).fetchone()
            return Claim(True, _action(claimed), in_doubt)

        return self._write(run)

    def finish(
        self,
        event_id: str,
        action: str,
        status: str,
        now: datetime,
        *,
        vendor_ref: str | None = None,
        detail: dict[str, Any] | None = None,
        retry_at: datetime | None = None,
    ) -> ActionRecord:
        def run(conn: psycopg.Connection) -> ActionRecord:
            row = conn.execute(
                "INSERT INTO actions "
                "(event_id, action, status, vendor_ref, detail, attempts, retry_at, updated_at, started_at) "
                "VALUES (%s, %s, %s, %s, %s, 0, %s, %s, %s) "
                "ON CONFLICT (event_id, action) DO UPDATE SET status = excluded.status, "
                "vendor_ref = COALESCE(excluded.vendor_ref, actions.vendor_ref), detail = excluded.detail, "
                "retry_at = excluded.retry_at, updated_at = excluded.updated_at, "
                f"started_at = COALESCE(actions.started_at, excluded.started_at) RETURNING {ACTION_COLUMNS}",
                (
                    event_id,
                    action,
                    status,
                    vendor_ref,
                    Jsonb(detail or {}, dumps=_dumps),
                    _aware(retry_at) if retry_at else None,
                    _aware(now),
                    _aware(now),
                ),
            ).fetchone()
            return _action(row)  # type: ignore[return-value]  # RETURNING after an upsert: always a row

        return self._write(run)

    # -- suppressions ------------------------------------------------------------------
    def set_suppression(self, phone: str, suppressed: bool, keyword: str, at: datetime) -> Suppression:
        state = "suppressed" if suppressed else "active"
        # A keyword older than the state on record (a replayed or late event) does not undo it.
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO suppressions (phone, state, keyword, at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (phone) DO UPDATE SET state = excluded.state, keyword = excluded.keyword, at = excluded.at "
                "WHERE excluded.at >= suppressions.at",
                (phone, state, keyword, _aware(at)),
            )
        )
        return self.suppression(phone)  # type: ignore[return-value]

    def suppression(self, phone: str) -> Suppression | None:
        rows = self._rows("SELECT phone, state, keyword, at FROM suppressions WHERE phone = %s", (phone,))
        if not rows:
            return None
        phone_, state, keyword, at = rows[0]
        return Suppression(phone_, state, keyword, _utc(at))  # type: ignore[arg-type]

    def suppressions(self) -> list[Suppression]:
        rows = self._rows("SELECT phone, state, keyword, at FROM suppressions ORDER BY at")
        return [Suppression(r[0], r[1], r[2], _utc(r[3])) for r in rows]  # type: ignore[arg-type]

    # -- touches -------------------------------------------------------------------------
    def add_touch(self, keys: Sequence[str], channel: str, category: str, at: datetime, ref: str) -> None:
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO touches (contact_key, channel, category, at, ref) "
                "SELECT key, %s, %s, %s, %s FROM unnest(%s::text[]) AS key ON CONFLICT DO NOTHING",
                (channel, category, _aware(at), ref, list(keys)),
            )
        )

    def touches(self, keys: Sequence[str], since: datetime) -> list[TouchRow]:
        if not keys:
            return []
        rows = self._rows(
            "SELECT contact_key, channel, category, at, ref FROM touches WHERE contact_key = ANY(%s) AND at > %s "
            "ORDER BY at",
            (list(keys), _aware(since)),
        )
        seen: dict[str, TouchRow] = {}
        for key, channel, category, at, ref in rows:
            seen.setdefault(ref, TouchRow(key, channel, category, _utc(at), ref))  # type: ignore[arg-type]
        return list(seen.values())

    # -- messages ------------------------------------------------------------------------
    def record_message(
        self,
        sid: str,
        status: str,
        at: datetime,
        *,
        event_id: str | None = None,
        to_masked: str | None = None,
        error_code: str | None = None,
    ) -> MessageRow:
        def run(conn: psycopg.Connection) -> MessageRow | None:
            new = conn.execute(
                "INSERT INTO messages (sid, event_id, to_masked, status, error_code, updated_at) "
                f"VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (sid) DO NOTHING RETURNING {MESSAGE_COLUMNS}",
                (sid, event_id, to_masked, status, error_code, _aware(at)),
            ).fetchone()
            if new is not None:
                return _message(new)
            current = conn.execute("SELECT status FROM messages WHERE sid = %s FOR UPDATE", (sid,)).fetchone()
            forward = STATUS_RANK.get(status, 0) >= STATUS_RANK.get(current[0], 0)  # type: ignore[index]
            return _message(
                conn.execute(
                    "UPDATE messages SET event_id = COALESCE(event_id, %s), to_masked = COALESCE(to_masked, %s), "
                    "status = CASE WHEN %s THEN %s ELSE status END, "
                    "error_code = CASE WHEN %s THEN COALESCE(%s, error_code) ELSE error_code END, "
                    f"updated_at = CASE WHEN %s THEN %s ELSE updated_at END WHERE sid = %s RETURNING {MESSAGE_COLUMNS}",
                    (event_id, to_masked, forward, status, forward, error_code, forward, _aware(at), sid),
                ).fetchone()
            )

        return self._write(run)

    def message(self, sid: str) -> MessageRow | None:
        rows = self._rows(f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE sid = %s", (sid,))
        return _message(rows[0] if rows else None)

    def messages(self, event_id: str | None = None) -> list[MessageRow]:
        where, params = ("WHERE event_id = %s", (event_id,)) if event_id is not None else ("", ())
        return [_message(r) for r in self._rows(f"SELECT {MESSAGE_COLUMNS} FROM messages {where}", params)]  # type: ignore[misc]

    # -- dead letter -----------------------------------------------------------------------
    def add_dead_letter(
        self, event_id: str, action: str, vendor: str, reason: str, payload: dict[str, Any], at: datetime
    ) -> None:
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO dead_letter (event_id, action, vendor, reason, payload, at) VALUES (%s, %s, %s, %s, %s, %s)",
                (event_id, action, vendor, reason, Jsonb(payload, dumps=_dumps), _aware(at)),
            )
        )

    def dead_letters(self, event_id: str | None = None) -> list[DeadLetter]:
        where, params = ("WHERE event_id = %s", (event_id,)) if event_id is not None else ("", ())
        rows = self._rows(
            f"SELECT event_id, action, vendor, reason, payload, at FROM dead_letter {where} ORDER BY id", params
        )
        return [DeadLetter(r[0], r[1], r[2], r[3], r[4], _utc(r[5])) for r in rows]  # type: ignore[arg-type]

    # -- contact history ------------------------------------------------------------------------
    def add_contact_event(self, event_id: str, keys: Sequence[str], event_type: str, at: datetime) -> None:
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO contact_events (event_id, contact_key, event_type, at) "
                "SELECT %s, key, %s, %s FROM unnest(%s::text[]) AS key ON CONFLICT DO NOTHING",
                (event_id, event_type, _aware(at), list(keys)),
            )
        )

    def contact_events(self, keys: Sequence[str], since: datetime | None = None) -> list[ContactEvent]:
        if not keys:
            return []
        query = (
            "SELECT event_id, contact_key, event_type, at, triggered FROM contact_events WHERE contact_key = ANY(%s)"
        )
        params: list[Any] = [list(keys)]
        if since is not None:
            query += " AND at > %s"
            params.append(_aware(since))
        seen: dict[str, ContactEvent] = {}
        for event_id, key, event_type, at, triggered in self._rows(query + " ORDER BY at", params):
            seen.setdefault(event_id, ContactEvent(event_id, key, event_type, _utc(at), triggered))  # type: ignore[arg-type]
        return sorted(seen.values(), key=lambda e: e.at)

    def mark_triggered(self, event_id: str) -> None:
        self._write(
            lambda conn: conn.execute("UPDATE contact_events SET triggered = true WHERE event_id = %s", (event_id,))
        )

    # -- retry queue -------------------------------------------------------------------------------
    def schedule_retry(self, event_id: str, event: dict[str, Any], retry_at: datetime, reason: str) -> None:
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO retry_queue (event_id, event, retry_at, reason, attempts, updated_at) "
                "VALUES (%s, %s, %s, %s, 1, %s) "
                "ON CONFLICT (event_id) DO UPDATE SET retry_at = excluded.retry_at, reason = excluded.reason, "
                "attempts = retry_queue.attempts + 1, updated_at = excluded.updated_at",
                (event_id, Jsonb(event, dumps=partial(json.dumps, default=str)), _aware(retry_at), reason, utc_now()),
            )
        )

    def clear_retry(self, event_id: str) -> None:
        # a DELETE that finds nothing writes no WAL, so the common case costs no flush
        self._write(lambda conn: conn.execute("DELETE FROM retry_queue WHERE event_id = %s", (event_id,)))

    def due_retries(self, now: datetime, limit: int = 100) -> list[RetryItem]:
        rows = self._rows(
            "SELECT event_id, event, retry_at, reason, attempts FROM retry_queue WHERE retry_at <= %s "
            "ORDER BY retry_at LIMIT %s",
            (_aware(now), limit),
        )
        return [RetryItem(r[0], r[1], _utc(r[2]), r[3], r[4]) for r in rows]  # type: ignore[arg-type]

    def next_retry_at(self) -> datetime | None:
        rows = self._rows("SELECT min(retry_at) FROM retry_queue")
        return _utc(rows[0][0]) if rows else None

    # -- round robin ---------------------------------------------------------------------------------
    def round_robin_state(self) -> dict[str, str]:
        return dict(self._rows("SELECT rooftop_id, salesperson_id FROM round_robin"))

    def set_round_robin(self, rooftop_id: str, salesperson_id: str) -> None:
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO round_robin (rooftop_id, salesperson_id) VALUES (%s, %s) "
                "ON CONFLICT (rooftop_id) DO UPDATE SET salesperson_id = excluded.salesperson_id",
                (rooftop_id, salesperson_id),
            )
        )

    # -- consumers ------------------------------------------------------------------------------------
    def consumer(self, name: str) -> Consumer | None:
        rows = self._rows("SELECT name, position, heartbeat_at FROM consumers WHERE name = %s", (name,))
        return Consumer(rows[0][0], rows[0][1], _utc(rows[0][2])) if rows else None  # type: ignore[arg-type]

    def save_consumer(self, name: str, at: datetime, position: str | None = None) -> Consumer:
        row = self._write(
            lambda conn: conn.execute(
                "INSERT INTO consumers (name, position, heartbeat_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET position = COALESCE(excluded.position, consumers.position), "
                "heartbeat_at = excluded.heartbeat_at RETURNING name, position, heartbeat_at",
                (name, position, _aware(at)),
            ).fetchone()
        )
        return Consumer(row[0], row[1], _utc(row[2]))  # type: ignore[arg-type]
