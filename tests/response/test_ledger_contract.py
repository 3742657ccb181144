"""The response ledger's contract, run against SQLite and Postgres: claims, outcomes, suppressions, touches,
messages, dead letters, contact history, the retry queue, round robin, atomic blocks, and claims that stay
exclusive across processes. The Postgres half needs JOURNEY_TEST_POSTGRES_URL (see tests/support/pg_helpers.py)."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.pg_helpers import postgres_schema, schema_spec

from journey_assets.response.ledger import DEFERRED, DONE, FAILED, PENDING, SENDING, ResponseLedger
from journey_assets.response.ledger_factory import open_ledger
from journey_assets.response.ledger_sqlite import SQLiteLedger

T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgres"])
def ledger_spec(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A spec as JOURNEY_RESPONSE_LEDGER takes it; every `open_ledger(spec)` is another responder's ledger."""
    if request.param == "sqlite":
        yield str(tmp_path / "response" / "ledger.sqlite3")
        return
    yield from (schema_spec(url, schema) for url, schema in postgres_schema("test_ledger"))


@pytest.fixture
def ledger(ledger_spec: str) -> Iterator[ResponseLedger]:
    opened = open_ledger(ledger_spec)
    yield opened
    opened.close()


def test_the_spec_picks_the_implementation(ledger_spec: str, ledger: ResponseLedger) -> None:
    expected = "PostgresLedger" if ledger_spec.startswith("postgresql://") else "SQLiteLedger"
    assert type(ledger).__name__ == expected and isinstance(ledger, ResponseLedger)


def test_a_postgres_ledger_spec_never_carries_a_password() -> None:
    with pytest.raises(ValueError, match="PGPASSWORD") as refused:
        open_ledger("postgres://journey:hunter2-secret@db.internal/dagster")
    assert "hunter2-secret" not in str(refused.value)


def test_a_claim_is_granted_once_until_its_lease_runs_out(ledger: ResponseLedger) -> None:
    first = ledger.claim("e1", "sms", T0)
    assert first.granted and not first.in_doubt and first.record.status == SENDING and first.record.attempts == 1
    assert not ledger.claim("e1", "sms", T0 + timedelta(minutes=1)).granted  # another run is on it
    stale = ledger.claim("e1", "sms", T0 + timedelta(minutes=6))  # its process died mid-call
    assert stale.granted and stale.in_doubt and stale.record.attempts == 2
    assert ledger.claim("e1", "crm_lead", T0).granted  # another action of the same event is its own claim


def test_terminal_and_not_yet_due_actions_are_refused(ledger: ResponseLedger) -> None:
    ledger.claim("e2", "sms", T0)
    done = ledger.finish("e2", "sms", DONE, T0, vendor_ref="SM1", detail={"segments": 1})
    assert (done.status, done.vendor_ref, done.detail) == (DONE, "SM1", {"segments": 1})
    refused = ledger.claim("e2", "sms", T0 + timedelta(days=1))
    assert not refused.granted and refused.record.status == DONE
    ledger.finish("e3", "sms", DEFERRED, T0, detail={"reason": "quiet hours"}, retry_at=T0 + timedelta(hours=2))
    assert not ledger.claim("e3", "sms", T0 + timedelta(hours=1)).granted
    due = ledger.claim("e3", "sms", T0 + timedelta(hours=2))
    assert due.granted and due.record.status == SENDING
    # a later outcome without a vendor reference keeps the one on record
    ledger.finish("e2", "sms", FAILED, T0 + timedelta(hours=3), detail={"reason": "x"})
    assert ledger.get_action("e2", "sms").vendor_ref == "SM1"


def test_actions_come_back_as_written(ledger: ResponseLedger) -> None:
    ledger.finish("e4", "b", PENDING, T0 + timedelta(seconds=2), detail={"n": [1, 2]}, retry_at=T0 + timedelta(hours=1))
    ledger.finish("e4", "a", DONE, T0 + timedelta(seconds=1), vendor_ref="r")
    ledger.finish("e5", "a", DONE, T0)
    got = ledger.actions("e4")
    assert [(a.action, a.status) for a in got] == [("a", DONE), ("b", PENDING)]  # in order of updated_at
    assert got[1].detail == {"n": [1, 2]} and got[1].retry_at == T0 + timedelta(hours=1)
    assert got[0].updated_at == T0 + timedelta(seconds=1) and got[0].updated_at.utcoffset() == timedelta(0)
    assert [a.event_id for a in ledger.actions()] == ["e5", "e4", "e4"]
    assert ledger.get_action("nope", "a") is None


def test_a_late_keyword_does_not_undo_a_newer_suppression(ledger: ResponseLedger) -> None:
    phone = "+13125550111"
    assert not ledger.is_suppressed(phone) and not ledger.is_suppressed(None)
    ledger.set_suppression(phone, True, "STOP", T0 + timedelta(minutes=5))
    assert ledger.is_suppressed(phone)
    late = ledger.set_suppression(phone, False, "START", T0)  # older than the STOP on record
    assert late.suppressed and late.keyword == "STOP"
    restored = ledger.set_suppression(phone, False, "START", T0 + timedelta(minutes=6))
    assert not restored.suppressed and restored.at == T0 + timedelta(minutes=6)


def test_touches_are_counted_once_per_message(ledger: ResponseLedger) -> None:
    ledger.add_touch(["k1", "k2"], "sms", "marketing", T0, "SM1")
    ledger.add_touch(["k1", "k2"], "sms", "marketing", T0, "SM1")  # a replay
    ledger.add_touch(["k2"], "email", "transactional", T0 + timedelta(hours=1), "EM1")
    got = ledger.touches(["k1", "k2"], T0 - timedelta(days=1))
    assert sorted(t.ref for t in got) == ["EM1", "SM1"]
    assert [t.ref for t in ledger.touches(["k1", "k2"], T0)] == ["EM1"]  # strictly after
    assert ledger.touches([], T0 - timedelta(days=1)) == []


def test_a_message_never_moves_backwards(ledger: ResponseLedger) -> None:
    row = ledger.record_message("SM9", "queued", T0, event_id="e9", to_masked="+1312***0111")
    assert (row.status, row.event_id) == ("queued", "e9")
    assert ledger.record_message("SM9", "delivered", T0 + timedelta(seconds=9)).status == "delivered"
    late = ledger.record_message("SM9", "sent", T0 + timedelta(seconds=10), error_code="30003")
    assert (late.status, late.error_code, late.updated_at) == ("delivered", None, T0 + timedelta(seconds=9))
    assert ledger.message("SM9").to_masked == "+1312***0111" and ledger.message("nope") is None


def test_dead_letters_and_contact_history(ledger: ResponseLedger) -> None:
    ledger.add_dead_letter("e6", "sms", "twilio", "21610 opted out", {"to": "+1312***0111", "n": 1}, T0)
    [letter] = ledger.dead_letters("e6")
    assert (letter.vendor, letter.reason, letter.at) == ("twilio", "21610 opted out", T0)
    assert letter.payload == {"to": "+1312***0111", "n": 1} and ledger.dead_letters("other") == []
    ledger.add_contact_event("v1", ["k1", "k2"], "vdp_view", T0)
    ledger.add_contact_event("v1", ["k1", "k2"], "vdp_view", T0)  # a replay
    ledger.add_contact_event("v2", ["k2"], "vdp_view", T0 + timedelta(hours=1))
    ledger.mark_triggered("v2")
    history = ledger.contact_events(["k1", "k2"])
    assert [(e.event_id, e.triggered) for e in history] == [("v1", False), ("v2", True)]
    assert [e.event_id for e in ledger.contact_events(["k1"], since=T0 - timedelta(seconds=1))] == ["v1"]
    assert ledger.contact_events([]) == []


def test_the_retry_queue(ledger: ResponseLedger) -> None:
    assert ledger.next_retry_at() is None and ledger.due_retries(T0) == []
    ledger.schedule_retry("e7", {"event_id": "e7", "at": T0}, T0 + timedelta(minutes=5), "sms deferred")
    ledger.schedule_retry("e7", {"event_id": "e7", "at": T0}, T0 + timedelta(minutes=3), "sms pending")
    ledger.schedule_retry("e8", {"event_id": "e8"}, T0 + timedelta(hours=1), "wrike pending")
    assert ledger.next_retry_at() == T0 + timedelta(minutes=3)
    [item] = ledger.due_retries(T0 + timedelta(minutes=10))
    assert (item.event_id, item.reason, item.attempts) == ("e7", "sms pending", 2)
    assert item.event == {"event_id": "e7", "at": str(T0)}
    ledger.clear_retry("e7")
    ledger.clear_retry("never-queued")
    assert [i.event_id for i in ledger.due_retries(T0 + timedelta(days=1))] == ["e8"]


def test_an_atomic_block_is_all_or_nothing(ledger: ResponseLedger) -> None:
    with pytest.raises(RuntimeError), ledger.atomic():
        ledger.finish("e10", "sms", DONE, T0, vendor_ref="SM10")
        ledger.add_touch(["k10"], "sms", "marketing", T0, "SM10")
        with ledger.atomic():  # nested: part of the outer block
            ledger.set_round_robin("R1", "sp-1")
        raise RuntimeError("the process fails before the block ends")
    assert ledger.get_action("e10", "sms") is None
    assert ledger.touches(["k10"], T0 - timedelta(days=1)) == [] and ledger.round_robin_state() == {}
    with ledger.atomic():
        ledger.finish("e10", "sms", DONE, T0, vendor_ref="SM10")
        ledger.set_round_robin("R1", "sp-1")
    ledger.set_round_robin("R1", "sp-2")
    assert ledger.get_action("e10", "sms").status == DONE and ledger.round_robin_state() == {"R1": "sp-2"}


def test_two_responders_reading_and_moving_the_round_robin_never_hand_out_one_turn_twice(ledger_spec: str) -> None:
    """What the assign action does in `atomic()`: read the cursor, move it. Two ledgers (two responders),
    four threads each: every turn is handed out exactly once."""
    ledgers = [open_ledger(ledger_spec), open_ledger(ledger_spec)]
    handed: list[int] = []
    lock = threading.Lock()

    def take_turn(i: int) -> None:
        ledger = ledgers[i % 2]
        with ledger.atomic():
            turn = int(ledger.round_robin_state().get("R1", "0")) + 1
            ledger.set_round_robin("R1", str(turn))
        with lock:
            handed.append(turn)

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(take_turn, range(120)))
        assert sorted(handed) == list(range(1, 121))
    finally:
        for opened in ledgers:
            opened.close()


def _claim_all(spec: str, keys: list[str]) -> list[str]:
    """One responder process: try to claim every key; answer the keys it was granted."""
    opened = open_ledger(spec)
    try:
        return [key for key in keys if opened.claim(key, "sms", T0).granted]
    finally:
        opened.close()


def test_claims_are_exclusive_across_processes(ledger_spec: str) -> None:
    """Four processes claim the same 150 actions at once, new ones and ones left `pending` by an earlier
    pass: each is granted to exactly one of them."""
    keys = [f"p{i}" for i in range(150)]
    first = open_ledger(ledger_spec)  # the schema exists before the race
    for key in keys[::2]:
        first.finish(key, "sms", PENDING, T0 - timedelta(minutes=1), detail={"transient": True})
    first.close()
    # ProcessPoolExecutor, not multiprocessing.Pool: Pool.terminate() can wait forever on a worker blocked on
    # its task queue's lock (seen once in CI), where the executor's shutdown joins idle workers cleanly.
    orders = [keys if n % 2 else keys[::-1] for n in range(4)]
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        granted = list(pool.map(_claim_all, [ledger_spec] * 4, orders, timeout=300))
    winners = [key for got in granted for key in got]
    assert sorted(winners) == sorted(keys)


def test_claims_are_exclusive_across_threads_of_one_responder(ledger: ResponseLedger) -> None:
    keys = [f"t{i}" for i in range(100)]
    with ThreadPoolExecutor(8) as pool:
        granted = list(pool.map(lambda n: [k for k in keys if ledger.claim(k, "sms", T0).granted], range(8)))
    assert sorted(k for got in granted for k in got) == sorted(keys)


def test_sqlite_ledger_is_what_a_path_opens(tmp_path: Path) -> None:
    opened = open_ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}")
    assert isinstance(opened, SQLiteLedger) and opened.path == tmp_path / "l.sqlite3"
    opened.close()


def test_an_action_keeps_when_its_latest_attempt_started_and_when_it_finished(ledger: ResponseLedger) -> None:
    """Issue 12: speed to lead and the action log read started_at (the claim) and updated_at (the outcome)."""
    ledger.claim("e9", "sms", T0)
    done = ledger.finish("e9", "sms", DONE, T0 + timedelta(seconds=3), vendor_ref="SM9")
    assert (done.started_at, done.updated_at) == (T0, T0 + timedelta(seconds=3))
    assert ledger.get_action("e9", "sms").started_at == T0
    # an outcome decided without a call (a skip, a deferral) started when it was decided ...
    deferred = ledger.finish("e10", "sms", DEFERRED, T0, retry_at=T0 + timedelta(hours=1))
    assert deferred.started_at == T0
    # ... and the attempt that follows it starts when it is claimed
    retried = ledger.claim("e10", "sms", T0 + timedelta(hours=1))
    assert retried.granted and retried.record.started_at == T0 + timedelta(hours=1)
    assert [a.started_at for a in ledger.actions("e10")] == [T0 + timedelta(hours=1)]


def test_a_sqlite_ledger_made_before_started_at_gets_the_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE actions (event_id TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL, vendor_ref TEXT,"
            " detail TEXT NOT NULL DEFAULT '{}', attempts INTEGER NOT NULL DEFAULT 0, retry_at TEXT,"
            " updated_at TEXT NOT NULL, PRIMARY KEY (event_id, action))"
        )
        old.execute(
            "INSERT INTO actions (event_id, action, status, updated_at) VALUES ('e0', 'sms', 'done', ?)",
            [T0.isoformat()],
        )
    ledger = SQLiteLedger(path)
    try:
        [kept] = ledger.actions()
        assert (kept.event_id, kept.status, kept.started_at) == ("e0", DONE, None)
        ledger.claim("e1", "sms", T0)
        assert ledger.get_action("e1", "sms").started_at == T0
    finally:
        ledger.close()


def test_a_consumer_keeps_its_cursor_and_heartbeat_across_openings(ledger_spec: str, ledger: ResponseLedger) -> None:
    assert ledger.consumer("responder") is None
    first = ledger.save_consumer("responder", T0)
    assert (first.name, first.position, first.heartbeat_at) == ("responder", None, T0)
    ledger.save_consumer("responder", T0 + timedelta(seconds=1), position="abc:7")
    beat = ledger.save_consumer("responder", T0 + timedelta(seconds=2))  # a heartbeat keeps the cursor
    assert (beat.position, beat.heartbeat_at) == ("abc:7", T0 + timedelta(seconds=2))
    ledger.save_consumer("other", T0, position="abc:1")  # each consumer is its own row
    reopened = open_ledger(ledger_spec)  # another process (a restarted responder, the sensor)
    try:
        again = reopened.consumer("responder")
        assert again is not None and (again.position, again.heartbeat_at) == ("abc:7", T0 + timedelta(seconds=2))
        assert again.fresh(T0 + timedelta(seconds=11), timedelta(seconds=10))
        assert not again.fresh(T0 + timedelta(seconds=12), timedelta(seconds=10))
        assert reopened.consumer("other").position == "abc:1"
    finally:
        reopened.close()
