"""The SQLite event store: durability settings, dedupe, group commit, cursors, backpressure."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from journey_assets.intake.store import (
    NewEvent,
    SecurityEvent,
    SQLiteEventStore,
    StoreBusy,
    StoreClosed,
    open_store,
    utc_now_iso,
)


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


@pytest.fixture
def store(tmp_path: Path):
    s = SQLiteEventStore(tmp_path / "intake" / "events.sqlite3")
    yield s
    s.close()


def test_writer_connection_is_wal_and_synchronous_full(store: SQLiteEventStore) -> None:
    conn = store._connect(busy_timeout_ms=0)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        conn.close()


def test_append_dedupes_by_event_id(store: SQLiteEventStore) -> None:
    first = store.append(ev("a"))
    again = store.append(ev("a"))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.seq == 1 and again.seq is None
    batch = store.append_many([ev("b"), ev("b"), ev("a"), ev("c")])
    assert [r.duplicate for r in batch] == [False, True, True, False]
    assert store.count() == 3


def test_read_since_pages_in_commit_order(store: SQLiteEventStore) -> None:
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


def test_a_cursor_of_a_replaced_store_starts_over(tmp_path) -> None:
    path = tmp_path / "events.sqlite3"
    old = SQLiteEventStore(path)
    old.append_many([ev(f"old{i}") for i in range(5)])
    _, cursor = old.read_since(None, 10)
    old.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    new = SQLiteEventStore(path)  # a reset store: its seqs start at 1 again
    try:
        new.append_many([ev("new0"), ev("new1")])
        page, _ = new.read_since(cursor, 10)
        assert [e.event_id for e in page] == ["new0", "new1"]  # not skipped as "already read"
    finally:
        new.close()


def test_read_since_rejects_a_foreign_cursor(store: SQLiteEventStore) -> None:
    with pytest.raises(ValueError):
        store.read_since("2026-08-01T00:00:00|x")
    with pytest.raises(ValueError):
        store.read_since("0", 0)


def test_security_events_round_trip(store: SQLiteEventStore) -> None:
    store.record_security_event(
        SecurityEvent("/events/intent", "bad_signature", "10.0.0.9", "2026-08-01T00:00:00+00:00")
    )
    store.record_security_event(SecurityEvent("/meta/leadgen", "missing_signature", None, "2026-08-01T00:00:01+00:00"))
    got = store.security_events()
    assert [(s.endpoint, s.reason, s.remote_addr) for s in got] == [
        ("/meta/leadgen", "missing_signature", None),
        ("/events/intent", "bad_signature", "10.0.0.9"),
    ]


def test_concurrent_appends_are_each_stored_once(store: SQLiteEventStore) -> None:
    ids = [f"c{i}" for i in range(400)]

    def post(event_id: str) -> bool:
        return store.append(ev(event_id)).duplicate

    with ThreadPoolExecutor(16) as pool:
        first = list(pool.map(post, ids))
        second = list(pool.map(post, ids))
    assert not any(first) and all(second)
    page, _ = store.read_since(None, 1000)
    assert sorted(e.event_id for e in page) == sorted(ids)


def test_two_stores_on_one_file_share_dedupe_and_sequence(tmp_path: Path) -> None:
    """Two writers (as with --workers 2) serialize on SQLite's lock: one row per id, seq unique."""
    path = tmp_path / "shared.sqlite3"
    a, b = SQLiteEventStore(path), SQLiteEventStore(path)
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


def test_backpressure_when_the_writer_cannot_commit(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite3"
    store = SQLiteEventStore(path, max_pending=5, lock_timeout=10)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
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
        for i in range(1, 6):
            store.submit_append([ev(f"w{i}")], callback)  # fills the queue
        with pytest.raises(StoreBusy):
            store.submit_append([ev("w6")], callback)
        assert results == []  # nothing acknowledged while nothing is committed
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert done.wait(10)
    assert all(exc is None for _, exc in results)
    assert store.count() == 6
    store.close()


def test_lock_timeout_fails_the_request_instead_of_acknowledging(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    store = SQLiteEventStore(path, lock_timeout=0.2)
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError):
            store.append(ev("x"), timeout=10)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.append(ev("x")).duplicate is False  # nothing half-written
    store.close()


def test_close_commits_what_is_queued_then_refuses(tmp_path: Path) -> None:
    store = SQLiteEventStore(tmp_path / "close.sqlite3")
    acked = []
    for i in range(50):
        store.submit_append([ev(f"q{i}")], lambda result, exc: acked.append(exc is None))
    store.close()
    assert len(acked) == 50 and all(acked)
    with pytest.raises(StoreClosed):
        store.append(ev("after"))
    reopened = SQLiteEventStore(tmp_path / "close.sqlite3")
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
    with pytest.raises(ValueError):
        open_store("bigquery://project-only")


def test_a_batch_larger_than_one_insert_statement(store: SQLiteEventStore) -> None:
    ids = [f"big{i}" for i in range(1234)]
    events = [ev(i) for i in ids] + [ev(ids[0]), ev(ids[-1])]
    results = store.append_many(events)
    assert [r.duplicate for r in results] == [False] * 1234 + [True, True]
    seqs = [r.seq for r in results[:1234]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 1234
    page, _ = store.read_since(None, 2000)
    assert [e.event_id for e in page] == ids
