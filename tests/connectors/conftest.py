"""Shared fixtures for the vendor connector tests: a tiny hand-built world, the
sandbox on a loopback port, fast retries, and a local webhook receiver."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pandas as pd
import pytest

from journey_assets.connectors.http import RetryPolicy
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World

AS_OF = date(2026, 11, 23)


def _leads() -> pd.DataFrame:
    rows = []
    for n in range(1, 13):
        created = pd.Timestamp("2026-11-01T09:00:00Z") + pd.Timedelta(days=n)
        rows.append(
            {
                "lead_id": f"L{n:05d}",
                "dealer_id": "D01" if n % 2 else "D02",
                "customer_id": f"C{n:05d}",
                "created_at": created,
                "lead_type": "sales",
                "source": "website" if n % 3 else "third_party",
                "vehicle_uuid": f"veh-{n:03d}",
                "status": "new" if n < 10 else "contacted",
                "salesperson_id": f"S{n % 3:02d}",
                "updated_at": created + pd.Timedelta(hours=2),
            }
        )
    return pd.DataFrame(rows)


def _activities() -> pd.DataFrame:
    rows = []
    for n in range(1, 8):
        rows.append(
            {
                "activity_id": f"A{n:05d}",
                "lead_id": f"L{n:05d}",
                "customer_id": f"C{n:05d}",
                "dealer_id": "D01" if n % 2 else "D02",
                "salesperson_id": f"S{n % 3:02d}",
                "activity_type": "call" if n % 2 else "email",
                "occurred_at": pd.Timestamp("2026-11-02T10:00:00Z") + pd.Timedelta(days=n),
                "outcome": "connected" if n % 2 else "sent",
            }
        )
    return pd.DataFrame(rows)


MY_VENDORS = ("twilio", "customerio", "wrike", "slack", "crm")


@pytest.fixture(scope="module")
def world() -> World:
    return World(size="small", seed=1, as_of=AS_OF, tables={"leads": _leads(), "crm_activities": _activities()})


@pytest.fixture(scope="module")
def sandbox_server(world: World, tmp_path_factory) -> Iterator[SandboxServer]:
    """One sandbox per test module: stopping a server costs its 0.5 s poll, so tests share it."""
    record = tmp_path_factory.mktemp("sandbox") / "requests.sqlite3"
    server = SandboxServer(world, port=0, record_path=record).start()
    try:
        yield server
    finally:
        server.stop()


class Sandbox:
    """The module's server seen from one test: fresh fakes, no faults, and only this test's requests."""

    def __init__(self, server: SandboxServer):
        self.server = server
        server.clear_faults()
        for name in MY_VENDORS:
            if name in server.fakes:
                self.reset(name)
        rows = server.log.rows()
        self.mark = rows[-1]["id"] if rows else 0

    def reset(self, vendor: str) -> Any:
        """A fresh instance of one fake (re-reading its env configuration)."""
        fake = type(self.server.fakes[vendor])(self.server.world)
        self.server.fakes[vendor] = fake
        return fake

    def rows(self, vendor: str | None = None) -> list[dict[str, Any]]:
        """`server.log.rows(vendor)` restricted to the requests made during this test."""
        return [row for row in self.server.log.rows(vendor) if row["id"] > self.mark]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.server, name)


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> Iterator[Sandbox]:
    view = Sandbox(sandbox_server)
    yield view
    sandbox_server.clear_faults()


@pytest.fixture
def fast_retry() -> RetryPolicy:
    return RetryPolicy(total=3, backoff_factor=0)


def wait_for(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll until predicate() is truthy; answers its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


class WebhookReceiver:
    """A loopback HTTP server that records every POST it gets and answers 200 (or `status`)."""

    def __init__(self, status: int = 200):
        self.status = status
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with receiver._lock:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.send_header("Content-Type", "text/xml")
                payload = b"<Response></Response>"
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def posts(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.received if path is None or r.path == path]

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(name="wait_for")
def wait_for_fixture() -> Callable[..., Any]:
    return wait_for
