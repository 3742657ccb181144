"""The follower behind `journey respond`, on SQLite and on Postgres (store and ledger; JOURNEY_TEST_POSTGRES_URL):
it answers each new event once, keeps its cursor in the ledger's `consumers` row, resumes from it in a new
process's follower (nothing read twice), beats its heartbeat while idle, and stops when told."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from support.pg_helpers import postgres_schema, schema_spec
from support.respond_harness import IN_STOCK, Harness, new_phone, vehicle_of, wait_for

from journey_assets.intake.store import EventStore, NewEvent
from journey_assets.intake.store_factory import open_store
from journey_assets.response.follower import Follower
from journey_assets.response.ledger_factory import open_ledger


@pytest.fixture(params=["sqlite", "postgres"])
def specs(request: pytest.FixtureRequest, harness: Harness, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(store spec, ledger spec): the intake's own SQLite store, or a Postgres store the test copies events into."""
    if request.param == "sqlite":
        yield str(harness.store_path), str(tmp_path / "follower" / "ledger.sqlite3")
        return
    for url, schema in postgres_schema("test_follower"):
        yield schema_spec(url, f"{schema}_store"), schema_spec(url, schema)


def _store_new(h: Harness, store: EventStore, spec: str) -> None:
    """Events the intake stored since the last call, in `store` (the intake's own when it is the SQLite one)."""
    events = h.read_new()
    if spec != str(h.store_path):
        store.append_many(
            [
                NewEvent(e.event_id, e.kind, e.event_type, e.dealer_id, e.occurred_at, e.received_at, e.payload)
                for e in events
            ]
        )


def _sms(h: Harness, phone: str) -> list[dict]:
    return [
        r for r in h.rows("twilio") if r["path"].endswith("/Messages.json") and parse_qs(r["body"])["To"] == [phone]
    ]


def test_the_follower_answers_once_and_resumes_from_its_cursor(harness: Harness, specs: tuple[str, str]) -> None:
    store_spec, ledger_spec = specs
    store, ledger = open_store(store_spec), open_ledger(ledger_spec)
    try:
        first, second, third = new_phone(), new_phone(), new_phone()
        harness.intent("test_drive_request", phone=first, vehicle=vehicle_of(IN_STOCK))
        _store_new(harness, store, store_spec)
        follower = Follower(store, harness.deps(ledger=ledger))
        follower.cursor = follower.start_position()
        assert follower.cursor is None  # a new consumer starts at the store's beginning
        assert follower.step() == 1 and len(_sms(harness, first)) == 1
        saved = ledger.consumer("responder")
        assert saved is not None and saved.position == follower.cursor

        # Another process's follower (its own ledger connection) resumes there: the first lead is not read again.
        again_ledger = open_ledger(ledger_spec)
        try:
            again = Follower(store, harness.deps(ledger=again_ledger), poll=0.02, heartbeat_every=0.05)
            assert again.start_position() == saved.position
            harness.intent("test_drive_request", phone=second, vehicle=vehicle_of(IN_STOCK))
            _store_new(harness, store, store_spec)
            stop = threading.Event()
            loop = threading.Thread(target=again.run, args=(stop,))
            loop.start()
            try:
                wait_for(lambda: _sms(harness, second), timeout=10)
                beat = again_ledger.consumer("responder").heartbeat_at
                harness.intent("test_drive_request", phone=third, vehicle=vehicle_of(IN_STOCK))
                _store_new(harness, store, store_spec)
                wait_for(lambda: _sms(harness, third), timeout=10)
                wait_for(lambda: again_ledger.consumer("responder").heartbeat_at > beat, timeout=5)
            finally:
                stop.set()
                loop.join(10)
            assert not loop.is_alive()  # stopped when told
            # the two new leads (and Twilio's status callbacks), not the first lead again
            assert again.stats.results["lead:hot"] == 2 and again.stats.errors == 0
        finally:
            again_ledger.close()
        assert [len(_sms(harness, p)) for p in (first, second, third)] == [1, 1, 1]
    finally:
        ledger.close()
        store.close()
