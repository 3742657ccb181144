"""Time a Meta retargeting sync end to end against the sandbox over HTTP: N members over A rooftops, each
rooftop's audience in its own ad account (decision 1141). Phases: a first run (every member added: a full
refresh, one replace session per account), a repeat (nothing to send: expect 0 requests), 1% changed (new
emails: adds of the new identifiers), and 1% leaving (removes).

Prints wall and CPU seconds (this process, the fake's threads included), members per second, the Meta requests
the fake received by kind, and each account's audience size; asserts nothing.

    nice .venv/bin/python bench/bench_meta_syncs.py [--members 60000] [--accounts 6]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from journey_assets.activation.engine import run_sync
from journey_assets.activation.spec import build_destination, load_syncs
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World
from journey_assets.warehouse import DuckDBWarehouse

AS_OF = date(2026, 11, 23)


def account(n: int) -> str:
    return f"{1_000_000_000_000 + n + 1}"


def rooftops(accounts: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dealer_id": [f"D{n + 1:02d}" for n in range(accounts)],
            "name": [f"Rooftop {n + 1}" for n in range(accounts)],
            "timezone": ["America/Chicago"] * accounts,
            "meta_ad_account_id": [account(n) for n in range(accounts)],
            "meta_page_id": [f"{100_000_000_000_000 + n}" for n in range(accounts)],
        }
    )


def members(n: int, accounts: int) -> pd.DataFrame:
    """marts.activation_meta_retargeting's columns, every member in vdp_no_lead."""
    keys = [f"{i:032x}" for i in range(n)]
    where = [i % accounts for i in range(n)]
    return pd.DataFrame(
        {
            "audience_name": ["retargeting_vdp_no_lead"] * n,
            "member_key": [f"{account(a)}/{k}" for a, k in zip(where, keys, strict=True)],
            "customer_key": keys,
            "dealer_id": [f"D{a + 1:02d}" for a in where],
            "meta_ad_account_id": [account(a) for a in where],
            "email": [f"Person.{i}@Example.com" for i in range(n)],
            "phone": [f"+1404{i % 10_000_000:07d}" if i % 3 else None for i in range(n)],
            "fn": ["Ann", "José", "Li", "O'Brien"] * (n // 4) + ["Ann"] * (n % 4),
            "ln": ["Lee"] * n,
            "zip": ["30301"] * n,
            "country": ["US"] * n,
            "external_id": keys,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=60_000)
    parser.add_argument("--accounts", type=int, default=6)
    args = parser.parse_args()
    print(
        f"{args.members:,} members over {args.accounts} ad accounts; cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}"
    )
    [spec] = [s for s in load_syncs() if s.name == "meta_retargeting_vdp_no_lead"]
    spec = replace(spec, params={**spec.params, "audience_name": "bench_vdp_no_lead"})
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "w.duckdb")
        with duckdb.connect(path) as db:
            db.register("frame", members(args.members, args.accounts))
            db.execute("create schema marts; create table marts.activation_meta_retargeting as select * from frame")
        world = World(size="small", seed=1, as_of=AS_OF, tables={"rooftops": rooftops(args.accounts)})
        with SandboxServer(world, record_path=Path(tmp) / "r.sqlite3") as server:
            client = MetaGraphClient(
                server.vendor_url("meta"), "bench-token", throttle=ThrottlePolicy(threshold_pct=95, max_pause=0.0)
            )
            warehouse = DuckDBWarehouse(path)
            phases = [
                ("first run", None),
                ("repeat", None),
                (
                    "1% changed",
                    "update marts.activation_meta_retargeting set email = 'new.' || email"
                    " where hash(customer_key) % 100 = 0",
                ),
                ("1% leaving", "delete from marts.activation_meta_retargeting where hash(customer_key) % 100 = 1"),
            ]
            for label, change in phases:
                if change:
                    with duckdb.connect(path) as db:
                        db.execute(change)
                before = len(server.log.rows("meta"))
                wall, cpu = time.perf_counter(), time.process_time()
                result = run_sync(spec, warehouse, build_destination(spec, {"meta": client}))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                calls = server.log.rows("meta")[before:]
                kinds = Counter(f"{r['method']} {r['path'].rsplit('/', 1)[-1]}" for r in calls)
                print(
                    f"{label:>11}: desired {result.desired:,}, added {result.added:,}, changed {result.changed:,},"
                    f" removed {result.removed:,}, failed {result.failed}, full refresh {result.full_refresh};"
                    f" {len(calls)} requests {dict(sorted(kinds.items()))}; {wall:.2f} s wall, {cpu:.2f} s CPU,"
                    f" {result.desired / wall:,.0f} members/s diffed"
                )
            fake = server.fakes["meta"]
            sizes = {a.name: len(fake.members_of(a.id)) for a in fake.audiences.values()}
            print("audiences:", dict(sorted(sizes.items())))


if __name__ == "__main__":
    main()
