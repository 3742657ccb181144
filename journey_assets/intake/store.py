"""The intake's durable event store: an interface, its group-commit writer and the local SQLite implementation
(Postgres, for prod: `store_postgres.py`; which one a spec names: `store_factory.open_store`).

`EventStore` is what the web app and the Dagster sensor see:

* `append` / `append_many` store events, deduplicated by `event_id`, and
  return for each whether it was stored or was a duplicate. They return only
  after the events are committed durably; the app answers 2xx after that.
* `read_since(cursor, limit)` returns events in commit order after `cursor`
  (an opaque string, `None` for the beginning) and the cursor to resume from:
  what a Dagster sensor keeps as its cursor.
* `record_security_event` keeps a refused request's endpoint, reason, remote
  address and time, never its payload or headers.

The asynchronous side (`submit_append`, `submit_security`, with a callback run
on the store's thread) is what the web app uses through `append_async` so the
event loop never blocks on disk.

Both implementations commit with group commit (`GroupCommitStore`): one writer thread takes every
pending request off a queue, writes them in a single transaction (WAL,
`synchronous=FULL`, so COMMIT returns after the WAL is fsynced) and only then
completes each request. Concurrent requests share one fsync, which is what
makes thousands of durable events a second possible on a small machine;
nothing is acknowledged before its COMMIT. The queue is bounded: past
`max_pending` waiting requests, `submit_*` raises `StoreBusy` and the app
answers 503 with Retry-After instead of buffering without limit.

SQLite: sequence numbers come from an AUTOINCREMENT key assigned inside the write
transaction; SQLite has one writer at a time (even across processes), so
`seq` order is commit order and a reader never sees seq N+1 before seq N.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import sqlite3
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from journey_assets.sqlite_file import connect_durable, sqlite_path

log = logging.getLogger(__name__)

Callback = Callable[[Any, BaseException | None], None]


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class NewEvent:
    """An event to store. `payload` is the validated, normalized body as JSON text."""

    event_id: str
    kind: str  # intent, conversion, social, service, twilio_inbound, twilio_status, meta_leadgen, customerio_reporting
    event_type: str
    dealer_id: str | None
    occurred_at: str | None  # ISO 8601 with offset
    received_at: str  # ISO 8601 UTC, when the intake read the request
    payload: str


@dataclass(frozen=True)
class AppendResult:
    event_id: str
    duplicate: bool
    seq: int | None = None  # the stored row's sequence; None for a duplicate


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    event_id: str
    kind: str
    event_type: str
    dealer_id: str | None
    occurred_at: str | None
    received_at: str
    payload: str

    def data(self) -> dict[str, Any]:
        return json.loads(self.payload)


@dataclass(frozen=True)
class SecurityEvent:
    """A refused request, without its payload: where, why, from whom, when."""

    endpoint: str
    reason: str
    remote_addr: str | None
    at: str  # ISO 8601 UTC


class StoreBusy(RuntimeError):
    """Too many writes are waiting; the caller should answer 503 and let the sender retry."""


class StoreClosed(RuntimeError):
    pass


class EventStore(ABC):
    """Durable, deduplicating event storage (see the module docstring)."""

    @abstractmethod
    def submit_append(self, events: Sequence[NewEvent], callback: Callback) -> None:
        """Store `events` in one transaction; `callback(list[AppendResult], None)` after commit,
        or `callback(None, exc)` if nothing was committed. May raise StoreBusy/StoreClosed at once."""

    @abstractmethod
    def submit_security(self, event: SecurityEvent, callback: Callback) -> None:
        """Record a security event; `callback(None, exc_or_None)` once it is stored."""

    @abstractmethod
    def read_since(self, cursor: str | None, limit: int = 500) -> tuple[list[StoredEvent], str]:
        """Events committed after `cursor`, oldest first, and the cursor to resume from."""

    @abstractmethod
    def security_events(self, limit: int = 100) -> list[SecurityEvent]:
        """The most recent security events, newest first."""

    def healthy(self) -> bool:
        return True

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    # -- blocking conveniences (sensor, tests, scripts) --------------------------------

    def append_many(self, events: Sequence[NewEvent], timeout: float | None = 30.0) -> list[AppendResult]:
        return _wait(lambda cb: self.submit_append(events, cb), timeout)

    def append(self, event: NewEvent, timeout: float | None = 30.0) -> AppendResult:
        return self.append_many([event], timeout)[0]

    def record_security_event(self, event: SecurityEvent, timeout: float | None = 30.0) -> None:
        _wait(lambda cb: self.submit_security(event, cb), timeout)

    # -- asyncio side (the web app) ------------------------------------------------------

    async def append_async(self, events: Sequence[NewEvent]) -> list[AppendResult]:
        return await _bridge(lambda cb: self.submit_append(events, cb))

    async def record_security_event_async(self, event: SecurityEvent) -> None:
        await _bridge(lambda cb: self.submit_security(event, cb))


def _wait(submit: Callable[[Callback], None], timeout: float | None) -> Any:
    done = threading.Event()
    box: list[Any] = [None, None]

    def callback(result: Any, exc: BaseException | None) -> None:
        box[0], box[1] = result, exc
        done.set()

    submit(callback)
    if not done.wait(timeout):
        raise TimeoutError("the event store did not answer in time")
    if box[1] is not None:
        raise box[1]
    return box[0]


def _settle(future: asyncio.Future, result: Any, exc: BaseException | None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class LoopCallback:
    """Completes an asyncio future from the store's thread.

    A plain callback works too; this one lets the SQLite writer settle all of a
    batch's futures on one event loop with a single `call_soon_threadsafe`
    (one wake-up of the loop per commit instead of one per request).
    """

    __slots__ = ("loop", "future")

    def __init__(self, loop: asyncio.AbstractEventLoop, future: asyncio.Future):
        self.loop = loop
        self.future = future

    def __call__(self, result: Any, exc: BaseException | None) -> None:
        self.loop.call_soon_threadsafe(_settle, self.future, result, exc)


def _settle_all(settled: list[tuple[asyncio.Future, Any, BaseException | None]]) -> None:
    for future, result, exc in settled:
        _settle(future, result, exc)


def _complete(completed: list[tuple[Callback, Any, BaseException | None]]) -> None:
    """Run callbacks after a commit, grouping LoopCallbacks by event loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list] = {}
    for callback, result, exc in completed:
        if type(callback) is LoopCallback:
            by_loop.setdefault(callback.loop, []).append((callback.future, result, exc))
        else:
            _call(callback, result, exc)
    for loop, settled in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle_all, settled)
        except RuntimeError:  # that loop is closed: nobody is waiting any more
            pass


async def _bridge(submit: Callable[[Callback], None]) -> Any:
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    submit(LoopCallback(loop, future))
    return await future


# --- group commit (the writer thread every implementation shares) --------------------------

_STOP = object()


class GroupCommitStore(EventStore):
    """The writer thread of the module docstring; subclasses open its connection and write one transaction
    (`_transaction(batch)`: each item's result, returned after COMMIT). A failed batch is retried item by item."""

    def __init__(self, *, max_batch: int, max_pending: int):
        self.max_batch = max_batch
        self.max_pending = max_pending
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()
        self._writer_error: BaseException | None = None
        self._dead = False  # set once the writer thread has ended

    @abstractmethod
    def _open_writer(self) -> None: ...

    @abstractmethod
    def _transaction(self, batch: list[tuple[str, Any, Callback]]) -> list[Any]: ...

    @abstractmethod
    def _close_writer(self) -> None: ...

    def _close_readers(self) -> None:  # optional hook
        pass

    # -- writing -----------------------------------------------------------------------

    def _ensure_writer(self) -> None:
        if self._writer is not None:
            return
        with self._writer_lock:
            if self._writer is None:
                thread = threading.Thread(target=self._run_writer, name="intake-store-writer", daemon=True)
                thread.start()
                self._writer = thread

    def _enqueue(self, item: tuple[str, Any, Callback]) -> None:
        if self._closed:
            raise StoreClosed("the event store is closed")
        if self._writer_error is not None or self._dead:
            raise StoreClosed("the event store writer stopped") from self._writer_error
        if self._queue.qsize() >= self.max_pending:
            raise StoreBusy(f"{self.max_pending} writes already waiting")
        self._ensure_writer()
        self._queue.put(item)
        if self._dead:  # the writer ended between the checks above and the put
            self._fail_pending(StoreClosed("the event store writer stopped"))

    def submit_append(self, events: Sequence[NewEvent], callback: Callback) -> None:
        self._enqueue(("events", list(events), callback))

    def submit_security(self, event: SecurityEvent, callback: Callback) -> None:
        self._enqueue(("security", event, callback))

    def _run_writer(self) -> None:
        try:
            self._open_writer()
            self._write_loop()
        except BaseException as exc:  # cannot open the store, or a bug (write errors fail only their batch)
            self._writer_error = exc
            log.exception("intake store writer stopped (%r)", self)
        finally:
            self._dead = True
            try:
                self._close_writer()
            finally:
                self._fail_pending(StoreClosed("the event store is closed"))

    def _write_loop(self) -> None:
        """Take everything waiting (up to max_batch), commit it in one transaction, repeat."""
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stop = True
                    break
                batch.append(item)
            self._write_batch(batch)
            if stop:
                return

    def _fail_pending(self, exc: BaseException) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP:
                _call(item[2], None, exc)

    def _write_batch(self, batch: list[tuple[str, Any, Callback]]) -> None:
        try:
            results = self._transaction(batch)
        except Exception:
            log.warning("intake store: batch of %d failed, retrying one by one", len(batch), exc_info=True)
            for item in batch:
                try:
                    results = self._transaction([item])
                except Exception as exc:  # this item cannot be committed: its request gets a 503
                    _call(item[2], None, exc)
                else:
                    _call(item[2], results[0], None)
            return
        # everything below happens after COMMIT returned
        _complete([(item[2], result, None) for item, result in zip(batch, results, strict=True)])

    def healthy(self) -> bool:
        return not (self._closed or self._dead or self._writer_error is not None)

    def close(self, timeout: float = 30.0) -> None:
        """Stop accepting writes, commit what is queued, stop the writer."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._queue.put(_STOP)
            self._writer.join(timeout)
        self._close_readers()


def batch_results(batch: list[tuple[str, Any, Callback]], inserted: dict[str, int]) -> list[Any]:
    """Each request's result from the ids the transaction inserted (id -> seq); an id not there was a duplicate."""
    results: list[Any] = []
    for kind, payload, _ in batch:
        if kind != "events":
            results.append(None)
            continue
        out = []
        for event in payload:
            seq = inserted.pop(event.event_id, None)  # pop: a second copy in the batch is a duplicate
            out.append(AppendResult(event.event_id, seq is None, seq))
        results.append(out)
    return results


def split_batch(batch: list[tuple[str, Any, Callback]]) -> tuple[list[NewEvent], list[SecurityEvent]]:
    events = [event for kind, payload, _ in batch if kind == "events" for event in payload]
    return events, [payload for kind, payload, _ in batch if kind == "security"]


# --- SQLite ------------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    dealer_id    TEXT,
    occurred_at  TEXT,
    received_at  TEXT NOT NULL,
    committed_at TEXT NOT NULL,
    payload      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS security_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    endpoint    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    remote_addr TEXT
);
"""

INSERT_EVENTS = (
    "INSERT OR IGNORE INTO events "
    "(event_id, kind, event_type, dealer_id, occurred_at, received_at, committed_at, payload) VALUES "
)
EVENT_ROW = "(?,?,?,?,?,?,?,?)"
ROWS_PER_INSERT = 500  # 8 parameters a row, well under SQLite's limit of 32766
INSERT_SECURITY = "INSERT INTO security_events (at, endpoint, reason, remote_addr) VALUES (?, ?, ?, ?)"


class SQLiteEventStore(GroupCommitStore):
    """Local store: one SQLite file in WAL mode with synchronous=FULL, written by one group-commit thread.

    Keep the file apart from any DuckDB file (default `data/intake/events.sqlite3`).
    Any number of processes may read it (the Dagster sensor opens its own
    instance and only calls `read_since`); writers in several processes are
    safe too (SQLite serializes them) but each adds its own fsync per batch.
    """

    def __init__(
        self, path: str | Path, *, max_batch: int = 1024, max_pending: int = 20_000, lock_timeout: float = 30.0
    ):
        super().__init__(max_batch=max_batch, max_pending=max_pending)
        self.path = sqlite_path(path, "intake store")
        self.lock_timeout = lock_timeout
        conn = self._connect()
        try:
            conn.executescript(SCHEMA)
            # A store's identity goes into every cursor, so a reader holding a cursor
            # of a store that was since replaced starts over instead of skipping events.
            conn.execute("INSERT OR IGNORE INTO store_meta (key, value) VALUES ('store_id', ?)", (uuid.uuid4().hex,))
            self.store_id = conn.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()[0]
        finally:
            conn.close()
        self._writer_conn: sqlite3.Connection | None = None
        self._read_lock = threading.Lock()
        self._reader: sqlite3.Connection | None = None

    def __repr__(self) -> str:
        return f"SQLiteEventStore({str(self.path)!r})"

    def _connect(self, busy_timeout_ms: int = 30_000) -> sqlite3.Connection:
        return connect_durable(self.path, busy_timeout_ms=busy_timeout_ms)

    # -- writing -----------------------------------------------------------------------

    def _open_writer(self) -> None:
        self._writer_conn = self._connect(busy_timeout_ms=0)  # _begin waits for the write lock itself

    def _close_writer(self) -> None:
        if self._writer_conn is not None:
            self._writer_conn.close()
            self._writer_conn = None

    def _begin(self, cur: sqlite3.Cursor) -> None:
        """BEGIN IMMEDIATE, waiting for another process's write transaction in short steps: SQLite's own busy
        handler sleeps up to 100 ms (the p99 with several workers); a write here lasts about 1 ms, so poll every 0.2 ms.
        """
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                cur.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.0002)

    def _transaction(self, batch: list[tuple[str, Any, Callback]]) -> list[Any]:
        """One transaction for the whole batch, in a handful of statements whatever its size: the GIL is given up
        at every SQLite step and the event loop may keep it for the switch interval (5 ms), so one multi-row INSERT
        OR IGNORE, and the new ids (and their seq) back in one JSON row, instead of a statement per event."""
        conn = self._writer_conn
        assert conn is not None, "the writer thread opens its connection first"
        events, security = split_batch(batch)
        inserted: dict[str, int] = {}
        cur = conn.cursor()
        self._begin(cur)
        try:
            committed_at = utc_now_iso()
            if events:
                before = cur.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
                for start in range(0, len(events), ROWS_PER_INSERT):
                    chunk = events[start : start + ROWS_PER_INSERT]
                    params = [
                        value
                        for e in chunk
                        for value in (
                            e.event_id,
                            e.kind,
                            e.event_type,
                            e.dealer_id,
                            e.occurred_at,
                            e.received_at,
                            committed_at,
                            e.payload,
                        )
                    ]
                    cur.execute(INSERT_EVENTS + ",".join([EVENT_ROW] * len(chunk)), params)
                # seq is AUTOINCREMENT and we hold the write lock: this transaction's rows are those above `before`
                row = cur.execute(
                    "SELECT json_group_array(json_array(event_id, seq)) FROM events WHERE seq > ?", (before,)
                ).fetchone()
                inserted = dict(json.loads(row[0]))
            if security:
                cur.executemany(INSERT_SECURITY, [(e.at, e.endpoint, e.reason, e.remote_addr) for e in security])
            cur.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return batch_results(batch, inserted)

    def _close_readers(self) -> None:
        with self._read_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    # -- reading -----------------------------------------------------------------------

    def _read(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with self._read_lock:
            if self._reader is None:
                self._reader = self._connect()
            return self._reader.execute(sql, params).fetchall()

    def read_since(self, cursor: str | None, limit: int = 500) -> tuple[list[StoredEvent], str]:
        store_id, after = parse_cursor(cursor)
        if store_id is not None and store_id != self.store_id:
            log.warning("cursor belongs to another event store (replaced?); reading %s from its first event", self.path)
            after = 0
        if limit <= 0:
            raise ValueError("limit must be positive")
        rows = self._read(
            "SELECT seq, event_id, kind, event_type, dealer_id, occurred_at, received_at, payload "
            "FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (after, limit),
        )
        events = [StoredEvent(*row) for row in rows]
        return events, f"{self.store_id}:{events[-1].seq if events else after}"

    def security_events(self, limit: int = 100) -> list[SecurityEvent]:
        rows = self._read(
            "SELECT endpoint, reason, remote_addr, at FROM security_events ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [SecurityEvent(*row) for row in rows]

    def count(self) -> int:
        return self._read("SELECT count(*) FROM events", ())[0][0]


def parse_cursor(cursor: str | None) -> tuple[str | None, int]:
    """(store id or None, last seq read) from `<store_id>:<seq>`; a bare `<seq>` is accepted too."""
    if cursor is None or cursor == "":
        return None, 0
    store_id, _, seq = cursor.rpartition(":")
    try:
        value = int(seq)
    except ValueError:
        raise ValueError("cursor must be a string returned by read_since") from None
    if value < 0 or (store_id and not (len(store_id) == 32 and all(c in "0123456789abcdef" for c in store_id))):
        raise ValueError("cursor must be a string returned by read_since")
    return store_id or None, value


def _call(callback: Callback, result: Any, exc: BaseException | None) -> None:
    try:
        callback(result, exc)
    except Exception:  # a caller's callback must never kill the writer
        log.exception("intake store: completion callback failed")


__all__ = [
    "AppendResult",
    "EventStore",
    "GroupCommitStore",
    "NewEvent",
    "SecurityEvent",
    "SQLiteEventStore",
    "StoreBusy",
    "StoreClosed",
    "StoredEvent",
    "utc_now_iso",
]
