"""Durability: SIGKILL the intake mid-load; every event that got a 2xx must be in the store after restart.
Run on the SQLite file and on Postgres (JOURNEY_TEST_POSTGRES_URL, see tests/support/pg_helpers.py)."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from support.intake_helpers import SECRET, intent_event
from support.pg_helpers import postgres_schema, schema_spec

from journey_assets.intake.server import start_subprocess
from journey_assets.intake.store_factory import open_store
from journey_assets.journey.signatures import sign_journey

CLIENTS = 12


@pytest.fixture(params=["sqlite", "postgres"])
def store_spec(request: pytest.FixtureRequest, tmp_path: Path):
    """JOURNEY_INTAKE_STORE for the intake process: a SQLite file, or a fresh schema on the test Postgres."""
    if request.param == "sqlite":
        yield str(tmp_path / "events.sqlite3")
        return
    yield from (schema_spec(url, schema) for url, schema in postgres_schema("test_durability"))


def _load(url: str, worker: int, acked: list[str], attempted: list[str], stop: threading.Event) -> None:
    with httpx.Client(base_url=url, timeout=5) as client:
        i = 0
        while not stop.is_set():
            event = intent_event(event_id=f"dur-{worker}-{i}")
            i += 1
            body = json.dumps(event).encode()
            attempted.append(event["event_id"])
            try:
                headers = {"Content-Type": "application/json", **sign_journey(SECRET, body)}
                response = client.post("/events/intent", content=body, headers=headers)
            except httpx.HTTPError:
                return  # the server is gone
            if 200 <= response.status_code < 300:
                acked.append(event["event_id"])


def test_every_acknowledged_event_survives_sigkill(tmp_path: Path, store_spec: str) -> None:
    env = {"JOURNEY_INTAKE_SECRET": SECRET, "JOURNEY_INTAKE_STORE": store_spec}
    proc, url = start_subprocess(env, workdir=tmp_path)
    acked: list[str] = []
    attempted: list[str] = []
    stop = threading.Event()
    threads = [threading.Thread(target=_load, args=(url, w, acked, attempted, stop)) for w in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 15
        while len(acked) < 1500 and time.monotonic() < deadline:  # well into the load
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)  # no shutdown hook, no final commit
        proc.wait(10)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert len(acked) >= 100, "the load never got going"
    in_flight = len(attempted) - len(acked)

    # restart on the same store (SQLite recovers its WAL) and the service answers again
    proc, url = start_subprocess(env, workdir=tmp_path)
    try:
        store = open_store(store_spec)
        stored, cursor = set(), None
        while True:
            page, cursor = store.read_since(cursor, 5000)
            if not page:
                break
            stored.update(e.event_id for e in page)
        store.close()
        missing = set(acked) - stored
        assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"
        # requests cut off by the kill may or may not have been committed; never more than were sent
        assert len(stored) <= len(acked) + in_flight

        # an acknowledged event posted again after the restart is recognized as a duplicate
        again = intent_event(event_id=acked[0])
        body = json.dumps(again).encode()
        response = httpx.post(
            f"{url}/events/intent",
            content=body,
            headers={"Content-Type": "application/json", **sign_journey(SECRET, body)},
        )
        assert response.status_code == 200 and response.json()["duplicate"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)


def test_two_worker_processes_share_one_store(tmp_path: Path, store_spec: str) -> None:
    """--workers 2: both processes serve, dedupe holds across them, SIGTERM stops them all."""
    env = {"JOURNEY_INTAKE_SECRET": SECRET, "JOURNEY_INTAKE_STORE": store_spec}
    proc, url = start_subprocess(env, workdir=tmp_path, workers=2)
    ids = [f"w2-{i}" for i in range(60)]
    try:
        statuses = []
        # no keep-alive: a fresh connection each time, so the kernel spreads them over both workers
        with httpx.Client(base_url=url, limits=httpx.Limits(max_keepalive_connections=0), timeout=10) as client:
            for round_ in range(2):
                for event_id in ids:
                    body = json.dumps(intent_event(event_id=event_id)).encode()
                    response = client.post(
                        "/events/intent",
                        content=body,
                        headers={"Content-Type": "application/json", **sign_journey(SECRET, body)},
                    )
                    statuses.append((round_, response.status_code))
        assert [s for r, s in statuses if r == 0] == [201] * len(ids)
        assert [s for r, s in statuses if r == 1] == [200] * len(ids)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
    assert proc.returncode == 0
    try:
        httpx.get(f"{url}/healthz", timeout=1)
        raise AssertionError("a worker is still serving after SIGTERM")
    except httpx.ConnectError:
        pass
    store = open_store(store_spec)
    page, _ = store.read_since(None, 1000)
    store.close()
    assert sorted(e.event_id for e in page) == sorted(ids)
