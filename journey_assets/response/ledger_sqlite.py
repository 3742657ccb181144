"""`SQLiteLedger`: the response ledger in one SQLite file (see `ledger.py` for the tables and the interface)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

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
    iso,
    parse_iso,
    utc_now,
)
from journey_assets.sqlite_file import connect_durable, sqlite_path

SCHEMA = """
CREATE TABLE IF NOT EXISTS actions (
    event_id   TEXT NOT NULL,
    action     TEXT NOT NULL,
    status     TEXT NOT NULL,
    vendor_ref TEXT,
    detail     TEXT NOT NULL DEFAULT '{}',
    attempts   INTEGER NOT NULL DEFAULT 0,
    retry_at   TEXT,
    updated_at TEXT NOT NULL,
    started_at TEXT,
    PRIMARY KEY (event_id, action)
);
CREATE TABLE IF NOT EXISTS suppressions (
    phone   TEXT PRIMARY KEY,
    state   TEXT NOT NULL,
    keyword TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS touches (
    contact_key TEXT NOT NULL,
    channel     TEXT NOT NULL,
    category    TEXT NOT NULL,
    at          TEXT NOT NULL,
    ref         TEXT NOT NULL,
    PRIMARY KEY (contact_key, ref)
);
CREATE INDEX IF NOT EXISTS touches_key_at ON touches (contact_key, at);
CREATE TABLE IF NOT EXISTS messages (
    sid        TEXT PRIMARY KEY,
    event_id   TEXT,
    to_masked  TEXT,
    status     TEXT NOT NULL,
    error_code TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letter (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    action   TEXT NOT NULL,
    vendor   TEXT NOT NULL,
    reason   TEXT NOT NULL,
    payload  TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS contact_events (
    event_id    TEXT NOT NULL,
    contact_key TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    at          TEXT NOT NULL,
    triggered   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, contact_key)
);
CREATE INDEX IF NOT EXISTS contact_events_key_at ON contact_events (contact_key, at);
CREATE TABLE IF NOT EXISTS retry_queue (
    event_id   TEXT PRIMARY KEY,
    event      TEXT NOT NULL,
    retry_at   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS round_robin (
    rooftop_id     TEXT PRIMARY KEY,
    salesperson_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS consumers (
    name         TEXT PRIMARY KEY,
    position     TEXT,
    heartbeat_at TEXT NOT NULL
);
"""


def _placeholders(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


class SQLiteLedger(ResponseLedger):
    """The ledger in one SQLite file (WAL, synchronous=FULL); safe across threads and processes."""

    def __init__(self, path: str | Path):
        self.path = sqlite_path(path, "response ledger")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._conn().executescript(SCHEMA)
        self._add_started_at()

    def _add_started_at(self) -> None:
        """A ledger file made before actions had started_at gets the column (SQLite has no ADD COLUMN IF NOT EXISTS)."""
        columns = {row[1] for row in self._conn().execute("PRAGMA table_info(actions)")}
        if "started_at" not in columns:
            with contextlib.suppress(sqlite3.OperationalError):  # another process added it meanwhile
                self._conn().execute("ALTER TABLE actions ADD COLUMN started_at TEXT")

    def __repr__(self) -> str:
        return f"SQLiteLedger({str(self.path)!r})"

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect_durable(self.path)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _write(self, fn: Any) -> Any:
        """Run fn(conn) in one IMMEDIATE transaction (the write lock taken up front), or inside
        the enclosing `atomic()` block of this thread."""
        conn = self._conn()
        if getattr(self._local, "depth", 0):
            return fn(conn)
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    @contextmanager
    def atomic(self) -> Iterator[None]:
        conn = self._conn()
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield
            finally:
                self._local.depth = depth
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._local.depth = 0

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):  # pragma: no cover
                    conn.close()
            self._connections.clear()
        self._local = threading.local()

    # -- actions -----------------------------------------------------------------------
    _ACTION_COLUMNS = "event_id, action, status, vendor_ref, detail, attempts, retry_at, updated_at, started_at"

    @staticmethod
    def _action(row: tuple | None) -> ActionRecord | None:
        if row is None:
            return None
        event_id, action, status, vendor_ref, detail, attempts, retry_at, updated_at, started_at = row
        return ActionRecord(
            event_id,
            action,
            status,
            vendor_ref,
            json.loads(detail or "{}"),
            attempts,
            parse_iso(retry_at),
            parse_iso(updated_at),  # type: ignore[arg-type]
            parse_iso(started_at),
        )

    def get_action(self, event_id: str, action: str) -> ActionRecord | None:
        row = (
            self._conn()
            .execute(
                f"SELECT {self._ACTION_COLUMNS} FROM actions WHERE event_id = ? AND action = ?", (event_id, action)
            )
            .fetchone()
        )
        return self._action(row)

    def actions(self, event_id: str | None = None) -> list[ActionRecord]:
        sql = f"SELECT {self._ACTION_COLUMNS} FROM actions"
        params: tuple = ()
        if event_id is not None:
            sql += " WHERE event_id = ?"
            params = (event_id,)
        rows = self._conn().execute(sql + " ORDER BY updated_at, event_id, action", params).fetchall()
        return [self._action(r) for r in rows]  # type: ignore[misc]

    def claim(self, event_id: str, action: str, now: datetime, lease: timedelta = DEFAULT_LEASE) -> Claim:
        def run(conn: sqlite3.Connection) -> Claim:
            row = self._action(
                conn.execute(
                    f"SELECT {self._ACTION_COLUMNS} FROM actions WHERE event_id = ? AND action = ?", (event_id, action)
                ).fetchone()
            )
            in_doubt = False
            if row is None:
                conn.execute(
                    "INSERT INTO actions (event_id, action, status, attempts, updated_at, started_at) "
                    "VALUES (?, ?, ?, 1, ?, ?)",
                    (event_id, action, SENDING, iso(now), iso(now)),
                )
            else:
                if row.terminal:
                    return Claim(False, row)
                if row.status in (DEFERRED, PENDING) and row.retry_at is not None and row.retry_at > now:
                    return Claim(False, row)  # not yet: quiet hours, a cap, or a transient failure's backoff
                if row.status == SENDING:
                    if now - row.updated_at < lease:
                        return Claim(False, row)  # another run is on it
                    in_doubt = True
                conn.execute(
                    "UPDATE actions SET status = ?, attempts = attempts + 1, updated_at = ?, started_at = ? "
                    "WHERE event_id = ? AND action = ?",
                    (SENDING, iso(now), iso(now), event_id, action),
                )
            claimed = self._action(
                conn.execute(
                    f"SELECT {self._ACTION_COLUMNS} FROM actions WHERE event_id = ? AND action = ?", (event_id, action)
                ).fetchone()
            )
            return Claim(True, claimed, in_doubt)

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
        detail_json = json.dumps(detail or {}, default=str, sort_keys=True)

        def run(conn: sqlite3.Connection) -> ActionRecord:
            conn.execute(
                "INSERT INTO actions "
                "(event_id, action, status, vendor_ref, detail, attempts, retry_at, updated_at, started_at) "
                "VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) "
                "ON CONFLICT (event_id, action) DO UPDATE SET status = excluded.status, "
                "vendor_ref = COALESCE(excluded.vendor_ref, actions.vendor_ref), detail = excluded.detail, "
                "retry_at = excluded.retry_at, updated_at = excluded.updated_at, "
                "started_at = COALESCE(actions.started_at, excluded.started_at)",
                (
                    event_id,
                    action,
                    status,
                    vendor_ref,
                    detail_json,
                    iso(retry_at) if retry_at else None,
                    iso(now),
                    iso(now),
                ),
            )
            record = self._action(
                conn.execute(
                    f"SELECT {self._ACTION_COLUMNS} FROM actions WHERE event_id = ? AND action = ?", (event_id, action)
                ).fetchone()
            )
            assert record is not None, "the row was written by the statement above"
            return record

        return self._write(run)

    # -- suppressions ------------------------------------------------------------------
    def set_suppression(self, phone: str, suppressed: bool, keyword: str, at: datetime) -> Suppression:
        state = "suppressed" if suppressed else "active"

        def run(conn: sqlite3.Connection) -> None:
            # A keyword older than the state on record (a replayed or late event) does not undo it.
            conn.execute(
                "INSERT INTO suppressions (phone, state, keyword, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (phone) DO UPDATE SET state = excluded.state, keyword = excluded.keyword, at = excluded.at "
                "WHERE excluded.at >= suppressions.at",
                (phone, state, keyword, iso(at)),
            )

        self._write(run)
        return self.suppression(phone)  # type: ignore[return-value]

    def suppression(self, phone: str) -> Suppression | None:
        row = (
            self._conn()
            .execute("SELECT phone, state, keyword, at FROM suppressions WHERE phone = ?", (phone,))
            .fetchone()
        )
        return Suppression(row[0], row[1], row[2], parse_iso(row[3])) if row else None  # type: ignore[arg-type]

    def suppressions(self) -> list[Suppression]:
        rows = self._conn().execute("SELECT phone, state, keyword, at FROM suppressions ORDER BY at").fetchall()
        return [Suppression(r[0], r[1], r[2], parse_iso(r[3])) for r in rows]  # type: ignore[arg-type]

    # -- touches -------------------------------------------------------------------------
    def add_touch(self, keys: Sequence[str], channel: str, category: str, at: datetime, ref: str) -> None:
        rows = [(key, channel, category, iso(at), ref) for key in keys]
        self._write(
            lambda conn: conn.executemany(
                "INSERT OR IGNORE INTO touches (contact_key, channel, category, at, ref) VALUES (?, ?, ?, ?, ?)", rows
            )
        )

    def touches(self, keys: Sequence[str], since: datetime) -> list[TouchRow]:
        if not keys:
            return []
        rows = (
            self._conn()
            .execute(
                f"SELECT contact_key, channel, category, at, ref FROM touches WHERE contact_key IN ({_placeholders(keys)}) "
                "AND at > ? ORDER BY at",
                (*keys, iso(since)),
            )
            .fetchall()
        )
        seen: dict[str, TouchRow] = {}
        for key, channel, category, at, ref in rows:
            seen.setdefault(ref, TouchRow(key, channel, category, parse_iso(at), ref))  # type: ignore[arg-type]
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
        def run(conn: sqlite3.Connection) -> None:
            row = conn.execute("SELECT status FROM messages WHERE sid = ?", (sid,)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO messages (sid, event_id, to_masked, status, error_code, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (sid, event_id, to_masked, status, error_code, iso(at)),
                )
                return
            forward = STATUS_RANK.get(status, 0) >= STATUS_RANK.get(row[0], 0)
            conn.execute(
                "UPDATE messages SET event_id = COALESCE(event_id, ?), to_masked = COALESCE(to_masked, ?), "
                "status = CASE WHEN ? THEN ? ELSE status END, "
                "error_code = CASE WHEN ? THEN COALESCE(?, error_code) ELSE error_code END, "
                "updated_at = CASE WHEN ? THEN ? ELSE updated_at END WHERE sid = ?",
                (event_id, to_masked, forward, status, forward, error_code, forward, iso(at), sid),
            )

        self._write(run)
        return self.message(sid)  # type: ignore[return-value]

    def message(self, sid: str) -> MessageRow | None:
        row = (
            self._conn()
            .execute(
                "SELECT sid, event_id, to_masked, status, error_code, updated_at FROM messages WHERE sid = ?", (sid,)
            )
            .fetchone()
        )
        return MessageRow(*row[:5], parse_iso(row[5])) if row else None  # type: ignore[call-arg]

    def messages(self, event_id: str | None = None) -> list[MessageRow]:
        sql = "SELECT sid, event_id, to_masked, status, error_code, updated_at FROM messages"
        params: tuple = ()
        if event_id is not None:
            sql += " WHERE event_id = ?"
            params = (event_id,)
        return [MessageRow(*r[:5], parse_iso(r[5])) for r in self._conn().execute(sql, params).fetchall()]  # type: ignore[call-arg]

    # -- dead letter -----------------------------------------------------------------------
    def add_dead_letter(
        self, event_id: str, action: str, vendor: str, reason: str, payload: dict[str, Any], at: datetime
    ) -> None:
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO dead_letter (event_id, action, vendor, reason, payload, at) VALUES (?, ?, ?, ?, ?, ?)",
                (event_id, action, vendor, reason, json.dumps(payload, default=str, sort_keys=True), iso(at)),
            )
        )

    def dead_letters(self, event_id: str | None = None) -> list[DeadLetter]:
        sql = "SELECT event_id, action, vendor, reason, payload, at FROM dead_letter"
        params: tuple = ()
        if event_id is not None:
            sql += " WHERE event_id = ?"
            params = (event_id,)
        rows = self._conn().execute(sql + " ORDER BY id", params).fetchall()
        return [DeadLetter(r[0], r[1], r[2], r[3], json.loads(r[4]), parse_iso(r[5])) for r in rows]  # type: ignore[arg-type]

    # -- contact history ------------------------------------------------------------------------
    def add_contact_event(self, event_id: str, keys: Sequence[str], event_type: str, at: datetime) -> None:
        rows = [(event_id, key, event_type, iso(at)) for key in keys]
        self._write(
            lambda conn: conn.executemany(
                "INSERT OR IGNORE INTO contact_events (event_id, contact_key, event_type, at) VALUES (?, ?, ?, ?)", rows
            )
        )

    def contact_events(self, keys: Sequence[str], since: datetime | None = None) -> list[ContactEvent]:
        if not keys:
            return []
        sql = (
            "SELECT event_id, contact_key, event_type, at, triggered FROM contact_events "
            f"WHERE contact_key IN ({_placeholders(keys)})"
        )
        params: list[Any] = list(keys)
        if since is not None:
            sql += " AND at > ?"
            params.append(iso(since))
        seen: dict[str, ContactEvent] = {}
        for event_id, key, event_type, at, triggered in self._conn().execute(sql + " ORDER BY at", params).fetchall():
            seen.setdefault(event_id, ContactEvent(event_id, key, event_type, parse_iso(at), bool(triggered)))  # type: ignore[arg-type]
        return sorted(seen.values(), key=lambda e: e.at)

    def mark_triggered(self, event_id: str) -> None:
        self._write(
            lambda conn: conn.execute("UPDATE contact_events SET triggered = 1 WHERE event_id = ?", (event_id,))
        )

    # -- retry queue -------------------------------------------------------------------------------
    def schedule_retry(self, event_id: str, event: dict[str, Any], retry_at: datetime, reason: str) -> None:
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO retry_queue (event_id, event, retry_at, reason, attempts, updated_at) VALUES (?, ?, ?, ?, 1, ?) "
                "ON CONFLICT (event_id) DO UPDATE SET retry_at = excluded.retry_at, reason = excluded.reason, "
                "attempts = retry_queue.attempts + 1, updated_at = excluded.updated_at",
                (event_id, json.dumps(event, default=str), iso(retry_at), reason, iso(utc_now())),
            )
        )

    def clear_retry(self, event_id: str) -> None:
        if self._conn().execute("SELECT 1 FROM retry_queue WHERE event_id = ?", (event_id,)).fetchone() is None:
            return  # the common case: no write, no fsync
        self._write(lambda conn: conn.execute("DELETE FROM retry_queue WHERE event_id = ?", (event_id,)))

    def due_retries(self, now: datetime, limit: int = 100) -> list[RetryItem]:
        rows = (
            self._conn()
            .execute(
                "SELECT event_id, event, retry_at, reason, attempts FROM retry_queue WHERE retry_at <= ? "
                "ORDER BY retry_at LIMIT ?",
                (iso(now), limit),
            )
            .fetchall()
        )
        return [RetryItem(r[0], json.loads(r[1]), parse_iso(r[2]), r[3], r[4]) for r in rows]  # type: ignore[arg-type]

    def next_retry_at(self) -> datetime | None:
        row = self._conn().execute("SELECT min(retry_at) FROM retry_queue").fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    # -- round robin ---------------------------------------------------------------------------------
    def round_robin_state(self) -> dict[str, str]:
        return dict(self._conn().execute("SELECT rooftop_id, salesperson_id FROM round_robin").fetchall())

    def set_round_robin(self, rooftop_id: str, salesperson_id: str) -> None:
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO round_robin (rooftop_id, salesperson_id) VALUES (?, ?) "
                "ON CONFLICT (rooftop_id) DO UPDATE SET salesperson_id = excluded.salesperson_id",
                (rooftop_id, salesperson_id),
            )
        )

    # -- consumers ------------------------------------------------------------------------------------
    def consumer(self, name: str) -> Consumer | None:
        row = (
            self._conn()
            .execute("SELECT name, position, heartbeat_at FROM consumers WHERE name = ?", (name,))
            .fetchone()
        )
        return Consumer(row[0], row[1], parse_iso(row[2])) if row else None  # type: ignore[arg-type]

    def save_consumer(self, name: str, at: datetime, position: str | None = None) -> Consumer:
        self._write(
            lambda conn: conn.execute(
                "INSERT INTO consumers (name, position, heartbeat_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = COALESCE(excluded.position, consumers.position), "
                "heartbeat_at = excluded.heartbeat_at",
                (name, position, iso(at)),
            )
        )
        return self.consumer(name)  # type: ignore[return-value]
