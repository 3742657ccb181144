"""The event store's contract, run against SQLite and Postgres: durability settings, dedupe, group commit,
cursors, backpressure. The Postgres half needs JOURNEY_TEST_POSTGRES_URL (see tests/support/pg_helpers.py)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from support.pg_helpers import drop_schema, postgres_schema, schema_spec

from journey_assets.intake.store import (
    EventStore,
    NewEvent,
    SecurityEvent,
    SQLiteEventStore,
    StoreBusy,
    StoreClosed,
    utc_now_iso,
)
from journey_assets.intake.store_factory import open_store


def ev(event_id: str, kind: str = "intent") -> NewEvent:
    return NewEvent(
        event_id=event_id,
        kind=kind,
        event_type="test_drive_request",
        dealer_id="D01",
        occurred_at="2026-08-01T19:03:00+00:00",
        received_at=utc_now_iso(),
        payload=f'{{"event_id": "{event_id}"}}',
    )


class SQLiteBackend:
    name = "sqlite"
    lock_error: type[BaseException] = sqlite3.OperationalError

    def __init__(self, tmp_path: Path):
        self.path = tmp_path / "intake" / "events.sqlite3"
        self.spec = str(self.path)

    def open(self, **options: Any) -> SQLiteEventStore:
        return SQLiteEventStore(self.path, **options)

    def reset(self) -> None:
        """The store is replaced: its file goes, a new one starts at seq 1."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    @contextmanager
    def write_lock_held(self) -> Iterator[None]:
        blocker = sqlite3.connect(self.path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()


class PostgresBackend:
    name = "postgres"

    def __init__(self, url: str, schema: str):
        import psycopg

        self.lock_error = psycopg.errors.LockNotAvailable
        self.url, self.schema = url, schema
        self.spec = schema_spec(url, schema)

    def open(self, **options: Any) -> EventStore:
        from journey_assets.intake.store_postgres import PostgresEventStore

        return PostgresEventStore(self.url, schema=self.schema, **options)

    def reset(self) -> None:
        drop_schema(self.url, self.schema)

    @contextmanager
    def write_lock_held(self) -> Iterator[None]:
        """Another writer (another intake process) is mid-transaction: it holds the writers' turn."""
        import psycopg

        from journey_assets.intake.store_postgres import WRITERS_TAKE_TURNS

        with psycopg.connect(self.url) as blocker:  # not autocommit: the lock is held until the rollback
            blocker.execute(WRITERS_TAKE_TURNS, (f"journey intake writer {self.schema}",))
            try:
                yield
            finally:
                blocker.rollback()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if request.param == "sqlite":
        yield SQLiteBackend(tmp_path)
        return
    yield from (PostgresBackend(url, schema) for url, schema in postgres_schema("test_intake"))


@pytest.fixture
def pg_backend() -> Iterator[PostgresBackend]:
    yield from (PostgresBackend(url, schema) for url, schema in postgres_schema("test_intake"))


@pytest.fixture
def store(backend):
    s = backend.open()
    yield s
    s.close()


def test_writer_connection_is_wal_and_synchronous_full(tmp_path: Path) -> None:
    store = SQLiteEventStore(tmp_path / "events.sqlite3")
    conn = store._connect(busy_timeout_ms=0)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        conn.close()
        store.close()


def test_postgres_connections_commit_durably_in_their_own_schema(pg_backend) -> None:
    backend = pg_backend
    store = backend.open()
    try:
        with store._connect() as conn:
            assert conn.execute("SHOW synchronous_commit").fetchone()[0] == "on"
            assert conn.execute("SELECT current_schema()").fetchone()[0] == backend.schema
    finally:
        store.close()


def test_append_dedupes_by_event_id(store) -> None:
    first = store.append(ev("a"))
    again = store.append(ev("a"))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.seq == 1 and again.seq is None
    batch = store.append_many([ev("b"), ev("b"), ev("a"), ev("c")])
    assert [r.duplicate for r in batch] == [False, True, True, False]
    assert store.count() == 3


def test_read_since_pages_in_commit_order(store) -> None:
    store.append_many([ev(f"e{i}") for i in range(7)])
    seen, cursor = [], None
    while True:
        page, cursor = store.read_since(cursor, 3)
        if not page:
            break
        assert len(page) <= 3
        seen.extend(page)
    assert [e.event_id for e in seen] == [f"e{i}" for i in range(7)]
    assert [e.seq for e in seen] == sorted(e.seq for e in seen)
    # the cursor stays put when nothing is new, and moves on for new events only
    assert store.read_since(cursor, 10) == ([], cursor)
    store.append(ev("late"))
    page, _ = store.read_since(cursor, 10)
    assert [e.event_id for e in page] == ["late"]
    assert page[0].data() == {"event_id": "late"}


def test_a_cursor_of_a_replaced_store_starts_over(backend) -> None:
    old = backend.open()
    old.append_many([ev(f"old{i}") for i in range(5)])
    _, cursor = old.read_since(None, 10)
    old.close()
    backend.reset()
    new = backend.open()  # a reset store: its seqs start at 1 again
    try:
        new.append_many([ev("new0"), ev("new1")])
        page, _ = new.read_since(cursor, 10)
        assert [e.event_id for e in page] == ["new0", "new1"]  # not skipped as "already read"
    finally:
        new.close()


def test_read_since_rejects_a_foreign_cursor(store) -> None:
    with pytest.raises(ValueError):
        store.read_since("2026-08-01T00:00:00|x")
    with pytest.raises(ValueError):
        store.read_since("0", 0)


def test_security_events_round_trip(store) -> None:
    store.record_security_event(
        SecurityEvent("/events/intent", "bad_signature", "10.0.0.9", "2026-08-01T00:00:00+00:00")
    )
    store.record_security_event(SecurityEvent("/meta/leadgen", "missing_signature", None, "2026-08-01T00:00:01+00:00"))
    got = store.security_events()
    assert [(s.endpoint, s.reason, s.remote_addr) for s in got] == [
        ("/meta/leadgen", "missing_signature", None),
        ("/events/intent", "bad_signature", "10.0.0.9"),
    ]


def test_concurrent_appends_are_each_stored_once(store) -> None:
    ids = [f"c{i}" for i in range(400)]

    def post(event_id: str) -> bool:
        return store.append(ev(event_id)).duplicate

    with ThreadPoolExecutor(16) as pool:
        first = list(pool.map(post, ids))
        second = list(pool.map(post, ids))
    assert not any(first) and all(second)
    page, _ = store.read_since(None, 1000)
    assert sorted(e.event_id for e in page) == sorted(ids)


def test_two_stores_on_one_file_share_dedupe_and_sequence(backend) -> None:
    """Two writers (as with --workers 2) take turns: one row per id, seq unique."""
    a, b = backend.open(), backend.open()
    try:
        ids = [f"s{i}" for i in range(300)]
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: (a if i % 2 else b).append(ev(ids[i // 2])), range(600)))
        assert sum(not r.duplicate for r in results) == 300
        page, _ = a.read_since(None, 1000)
        assert sorted(e.event_id for e in page) == sorted(ids)
        assert len({e.seq for e in page}) == 300
    finally:
        a.close()
        b.close()


def test_a_reader_following_two_writers_misses_nothing(backend) -> None:
    """seq order is commit order even with two writers at once: a cursor never passes an event still to commit."""
    a, b, reader = backend.open(), backend.open(), backend.open()
    ids = [f"r{i}" for i in range(600)]
    seen: list[str] = []
    done = threading.Event()

    def follow() -> None:
        cursor = None
        while True:
            finished = done.is_set()
            page, cursor = reader.read_since(cursor, 50)
            seen.extend(e.event_id for e in page)
            if finished and not page:
                return

    follower = threading.Thread(target=follow)
    follower.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: (a if i % 2 else b).append(ev(ids[i])), range(len(ids))))
    finally:
        done.set()
        follower.join(30)
        for s in (a, b, reader):
            s.close()
    assert sorted(seen) == sorted(ids)  # each once: none skipped, none twice


def test_backpressure_when_the_writer_cannot_commit(backend) -> None:
    store = backend.open(max_pending=5, lock_timeout=10)
    with backend.write_lock_held():
        done = threading.Event()
        results: list = []

        def callback(result, exc):
            results.append((result, exc))
            if len(results) == 6:
                done.set()

        store.submit_append([ev("w0")], callback)  # taken by the writer, which now waits for the lock
        for _ in range(200):
            if store._queue.qsize() == 0:
                break
            threading.Event().wait(0.005)
        threading.Event().wait(0.05)  # the writer is inside its transaction, waiting
        for i in range(1, 6):
            store.submit_append([ev(f"w{i}")], callback)  # fills the queue
        with pytest.raises(StoreBusy):
            store.submit_append([ev("w6")], callback)
        assert results == []  # nothing acknowledged while nothing is committed
    assert done.wait(10)
    assert all(exc is None for _, exc in results)
    assert store.count() == 6
    store.close()


def test_lock_timeout_fails_the_request_instead_of_acknowledging(backend) -> None:
    store = backend.open(lock_timeout=0.2)
    with backend.write_lock_held(), pytest.raises(backend.lock_error):
        store.append(ev("x"), timeout=10)
    assert store.append(ev("x")).duplicate is False  # nothing half-written
    store.close()


def test_close_commits_what_is_queued_then_refuses(backend) -> None:
    store = backend.open()
    acked = []
    for i in range(50):
        store.submit_append([ev(f"q{i}")], lambda result, exc: acked.append(exc is None))
    store.close()
    assert len(acked) == 50 and all(acked)
    with pytest.raises(StoreClosed):
        store.append(ev("after"))
    reopened = backend.open()
    assert reopened.count() == 50
    reopened.close()


def test_store_refuses_a_duckdb_path(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        SQLiteEventStore(tmp_path / "journey.duckdb")


def test_open_store_specs(tmp_path: Path) -> None:
    s = open_store(str(tmp_path / "a.sqlite3"))
    assert isinstance(s, SQLiteEventStore)
    s.close()
    s = open_store(f"sqlite:///{tmp_path / 'b.sqlite3'}")
    assert isinstance(s, SQLiteEventStore) and s.path == tmp_path / "b.sqlite3"
    s.close()
    with pytest.raises(ValueError, match="removed"):
        open_store("bigquery://project-only")


def test_a_postgres_spec_never_carries_a_password() -> None:
    with pytest.raises(ValueError, match="PGPASSWORD") as refused:
        open_store("postgresql://journey:s3cret-pw@db.internal:5432/dagster")
    assert "s3cret-pw" not in str(refused.value)
    with pytest.raises(ValueError, match="schema"):
        open_store("postgresql://journey@db.internal/dagster?schema=Robert'); DROP TABLE")


def test_open_store_opens_postgres_in_the_schema_it_names(pg_backend) -> None:
    backend = pg_backend
    s = open_store(backend.spec)
    try:
        assert type(s).__name__ == "PostgresEventStore" and backend.schema in repr(s)
        assert s.append(ev("spec")).duplicate is False
    finally:
        s.close()


def test_the_postgres_store_carries_on_after_its_connection_is_cut(pg_backend) -> None:
    """A Postgres restart or failover drops the writer's connection: the next request reconnects."""
    backend = pg_backend
    import psycopg

    store = backend.open()
    try:
        assert store.append(ev("before")).duplicate is False
        with psycopg.connect(backend.url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (store._writer_conn.info.backend_pid,))
        assert store.append(ev("after")).duplicate is False
        assert store.healthy()
        assert [e.event_id for e in store.read_since(None, 10)[0]] == ["before", "after"]
    finally:
        store.close()


def test_a_batch_larger_than_one_insert_statement(store) -> None:
    ids = [f"big{i}" for i in range(1234)]
    events = [ev(i) for i in ids] + [ev(ids[0]), ev(ids[-1])]
    results = store.append_many(events)
    assert [r.duplicate for r in results] == [False] * 1234 + [True, True]
    seqs = [r.seq for r in results[:1234]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 1234
    page, _ = store.read_since(None, 2000)
    assert [e.event_id for e in page] == ids
