"""Time the Customer.io people sync end to end against the sandbox: a first run (every person added), a
repeat (nothing sent), and a run after 1% of the people changed, over a hand-built DuckDB table of N people.

Prints wall and CPU seconds (this process, the fake's threads included) and rows per second per phase, and
the requests the fake received; asserts nothing.

    .venv/bin/python bench/bench_customerio_sync.py [--people 20000] [--batch-size 200]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from journey_assets.activation.engine import run_sync
from journey_assets.activation.spec import build_destination, load_syncs
from journey_assets.connectors.customerio import CustomerIOTrackClient
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World
from journey_assets.warehouse import DuckDBWarehouse


def people(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_key": [f"{i:032x}" for i in range(n)],
            "dealer_id": [f"D0{i % 6 + 1}" for i in range(n)],
            "email": [f"p{i}@example.com" for i in range(n)],
            "email_consent": [i % 3 != 0 for i in range(n)],
            "sms_consent": [i % 4 != 0 for i in range(n)],
            "journey_stage": [("awareness", "consideration", "intent", "retention")[i % 4] for i in range(n)],
            "stage_entered_on": [date(2026, 10, 1 + i % 28) for i in range(n)],
            "segments": ["service_due" if i % 5 == 0 else None for i in range(n)],
            "preferred_channel": ["email" if i % 2 else "sms" for i in range(n)],
            "best_send_hour": [9 + i % 8 for i in range(n)],
            "vehicles_owned": [i % 3 for i in range(n)],
            "next_service_date": [date(2026, 12, 1 + i % 28) for i in range(n)],
            "lease_maturity_date": [None] * n,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "w.duckdb")
        with duckdb.connect(path) as db:
            db.register("frame", people(args.people))
            db.execute("create schema marts; create table marts.activation_people as select * from frame")
        [spec] = [s for s in load_syncs() if s.name == "customerio_people"]
        spec = replace(spec, params={"batch_size": args.batch_size})
        world = World(size="small", seed=1, as_of=date(2026, 11, 23), tables={})
        with SandboxServer(world, record_path=Path(tmp) / "r.sqlite3") as server:
            fake = server.fakes["customerio"]
            client = CustomerIOTrackClient(fake.site_id, fake.api_key, base_url=server.vendor_url("customerio"))
            warehouse = DuckDBWarehouse(path)
            phases = [
                ("first run", None),
                ("repeat", None),
                (
                    "1% changed",
                    "update marts.activation_people set journey_stage = 'intent' where hash(customer_key) % 100 = 0",
                ),
            ]
            for label, change in phases:
                if change:
                    with duckdb.connect(path) as db:
                        db.execute(change)
                before = len(server.log.rows("customerio"))
                wall, cpu = time.perf_counter(), time.process_time()
                result = run_sync(spec, warehouse, build_destination(spec, {"customerio": client}))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                sent = result.added + result.changed
                print(
                    f"{label:>11}: {args.people} people, sent {sent} (added {result.added}, changed "
                    f"{result.changed}), {len(server.log.rows('customerio')) - before} requests, "
                    f"{wall:.2f} s wall, {cpu:.2f} s CPU, {args.people / wall:,.0f} people/s diffed"
                    + (f", {sent / wall:,.0f} sent/s" if sent else "")
                )


if __name__ == "__main__":
    main()
