"""Helpers shared by the sync engine's tests (tests/activation) and the sync assets' (tests/defs/activate): the
sandbox's Customer.io fake seen from one test, a people frame, a small hand-built DuckDB file."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import duckdb
import pandas as pd

from journey_assets.connectors.customerio import CustomerIOTrackClient
from journey_assets.connectors.http import RetryPolicy
from journey_assets.sandbox.fakes.customerio import CustomerIOFake
from journey_assets.sandbox.server import SandboxServer
from journey_assets.warehouse import DuckDBWarehouse

AS_OF = date(2026, 11, 23)


class Sandbox:
    """The module's server seen from one test: a fresh Customer.io fake, no faults, this test's requests only."""

    def __init__(self, server: SandboxServer):
        self.server = server
        server.clear_faults()
        server.fakes["customerio"] = CustomerIOFake(server.world)
        rows = server.log.rows()
        self.mark = rows[-1]["id"] if rows else 0

    @property
    def fake(self) -> CustomerIOFake:
        return self.server.fakes["customerio"]  # type: ignore[return-value]

    def rows(self, path: str | None = None) -> list[dict[str, Any]]:
        return [
            r for r in self.server.log.rows("customerio") if r["id"] > self.mark and (path is None or r["path"] == path)
        ]

    def batch_operations(self) -> list[tuple[dict[str, Any], int | None, str | None]]:
        """Every operation sent in a v2 batch request: (operation, answered status, injected fault)."""
        return [
            (op, row["status"], row["fault"])
            for row in self.rows("/api/v2/batch")
            for op in json.loads(row["body"])["batch"]
        ]

    def inject(self, kind: str, **options: Any) -> None:
        self.server.inject("customerio", kind, **options)

    def track_client(self) -> CustomerIOTrackClient:
        return CustomerIOTrackClient(
            self.fake.site_id,
            self.fake.api_key,
            base_url=self.server.vendor_url("customerio"),
            timeout=5,
            retry=RetryPolicy(total=3, backoff_factor=0),
        )


def people_frame(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_key": [f"ck{i:04d}" for i in range(n)],
            "dealer_id": ["D01" if i % 2 else "D02" for i in range(n)],
            "email": [f"p{i}@example.com" for i in range(n)],
            "email_consent": [i % 3 != 0 for i in range(n)],
            "unsubscribed": [False] * n,
            "journey_stage": ["consideration" if i % 4 else "retention" for i in range(n)],
            "vehicles_owned": [i % 3 for i in range(n)],
            "next_service_date": [pd.Timestamp("2026-12-01") + pd.Timedelta(days=i) for i in range(n)],
            "service_due": [i % 5 == 0 for i in range(n)],
        }
    )


class Tables:
    """The hand-built warehouse: marts.activation_people (and what a test adds), written as tests need."""

    def __init__(self, path: str):
        self.path = path
        self.warehouse = DuckDBWarehouse(path)

    def write(self, table: str, frame: pd.DataFrame) -> None:
        schema, name = table.split(".")
        with duckdb.connect(self.path) as db:
            db.register("frame", frame)
            db.execute(f"create schema if not exists {schema}")
            db.execute(f"create or replace table {schema}.{name} as select * from frame")

    def execute(self, sql: str) -> None:
        with duckdb.connect(self.path) as db:
            db.execute(sql)

    def query(self, sql: str) -> pd.DataFrame:
        return self.warehouse.query(sql)
