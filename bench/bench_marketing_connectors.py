"""Benchmark the marketing and dealer-system connectors against the sandbox: records/s per connector.

Generates a world (`small` by default) in a temporary directory, serves it with
the real SandboxServer on loopback, and reads through each real client the way
the ingest assets do:

  meta insights (sync)   one GET per account and day, paged (level=ad, time_increment=1)
  meta insights (async)  one report run per account for the whole window, polled, then paged
  meta lead ads          promote_pages -> leadgen_forms -> leads per form over the window
  metricool posts        brands -> posts per brand and network over the window
  crm leads/activities   updated_since / since the window start, paged
  dms files              the sandbox writes a day's CSV drops per rooftop; DmsLoader loads each day
                         (checksum, manifest, schema and VIN checks, moves)

then materializes the five ingest assets for the last day into a temporary
DuckDB. Client and fakes share one process (and its GIL) on the same cores, so
the figures are a floor for the client's own cost; they are printed, never
asserted.

    .venv/bin/python bench/bench_marketing_connectors.py [--size small|medium] [--days 30]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from journey_assets.connectors.crm import CRMClient
from journey_assets.connectors.dms import DmsLoader, LocalLanding
from journey_assets.connectors.meta import MetaGraphClient, day_window
from journey_assets.connectors.metricool import MetricoolClient
from journey_assets.sandbox.dms_drops import write_dms_drops
from journey_assets.sandbox.run import write_rooftops_config
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import generate_world


def timed(label: str, fn: Callable[[], int], server: SandboxServer, vendor: str | None, results: list) -> None:
    before = len(server.log.rows(vendor)) if vendor else 0
    started = time.perf_counter()
    records = fn()
    seconds = time.perf_counter() - started
    requests = len(server.log.rows(vendor)) - before if vendor else 0
    results.append((label, records, requests, seconds))
    print(
        f"  {label:<26} {records:>9,} records {requests:>6,} requests {seconds:>8.2f}s {records / seconds:>11,.0f} records/s",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--days", type=int, default=30, help="window read by every connector, ending the day before as_of"
    )
    parser.add_argument("--skip-assets", action="store_true", help="skip the Dagster materialization")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (world, landing, DuckDB)")
    parser.add_argument(
        "--tcp-nodelay",
        action="store_true",
        help="set TCP_NODELAY on the sandbox's sockets: without it each answer written in two sends waits "
        "~40 ms for the client's delayed ACK (Nagle), which dominates small pages",
    )
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-marketing-"))
    started = time.perf_counter()
    world = generate_world(args.size, args.seed)
    print(f"world {args.size} (seed {args.seed}) generated in {time.perf_counter() - started:.1f}s; temp dir {tmp}")
    last = world.as_of - timedelta(days=1)
    first = last - timedelta(days=args.days - 1)
    rooftops = world.table("rooftops").to_dict("records")
    print(f"window {first} .. {last} ({args.days} days), {len(rooftops)} rooftops")

    results: list = []
    server = SandboxServer(world, record_path=tmp / "requests.sqlite3")
    if args.tcp_nodelay:
        server._httpd.RequestHandlerClass.disable_nagle_algorithm = True  # socketserver's switch for TCP_NODELAY
    print(f"sandbox sockets: {'TCP_NODELAY' if args.tcp_nodelay else 'Nagle on (as the sandbox ships)'}")
    with server:
        meta = MetaGraphClient(server.vendor_url("meta"), "bench", poll_interval=0.05, page_size=500)
        server.fakes["meta"].async_step = 25

        def meta_sync() -> int:
            n = 0
            for r in rooftops:
                day = first
                while day <= last:
                    n += sum(1 for _ in meta.insights(r["meta_ad_account_id"], day, day))
                    day += timedelta(days=1)
            return n

        def meta_async() -> int:
            return sum(
                sum(1 for _ in meta.insights(r["meta_ad_account_id"], first, last, force_async=True)) for r in rooftops
            )

        def meta_leads() -> int:
            start, _ = day_window(first)
            _, end = day_window(last)
            n = 0
            for r in rooftops:
                for page in meta.promoted_pages(r["meta_ad_account_id"]):
                    for form in meta.lead_forms(page):
                        n += sum(1 for _ in meta.leads(form["id"], start, end))
            return n

        metricool = MetricoolClient(server.vendor_url("metricool"), "bench", "1")

        def metricool_posts() -> int:
            zones = {r["name"]: r["timezone"] for r in rooftops}
            n = 0
            for brand in metricool.brands():
                for network in MetricoolClient.connected_networks(brand):
                    n += len(metricool.posts(brand["id"], network, first, last, zones.get(brand["label"], "UTC")))
            return n

        crm = CRMClient(server.vendor_url("crm"), "sandbox-crm-token")
        since = day_window(first)[0]

        def crm_leads() -> int:
            return sum(1 for _ in crm.iter_leads(since, per_page=200))

        def crm_activities() -> int:
            return sum(1 for _ in crm.iter_activities(since, per_page=200))

        print("connectors (client + fake over loopback HTTP):")
        timed("meta insights (sync)", meta_sync, server, "meta", results)
        timed("meta insights (async)", meta_async, server, "meta", results)
        timed("meta lead ads", meta_leads, server, "meta", results)
        timed("metricool posts", metricool_posts, server, "metricool", results)
        timed("crm leads", crm_leads, server, "crm", results)
        timed("crm activities", crm_activities, server, "crm", results)
        if meta.pauses:
            print(
                f"  (meta paused {len(meta.pauses)} times, {sum(s for _, s in meta.pauses):.1f}s, mostly report polling)"
            )

        landing_root = tmp / "landing"
        written_at = time.perf_counter()
        files = write_dms_drops(world, landing_root, first, last)
        print(f"  dms: sandbox wrote {len(files)} files in {time.perf_counter() - written_at:.2f}s")
        loader = DmsLoader(LocalLanding(landing_root))

        def dms_load() -> int:
            n, day = 0, first
            while day <= last:
                load = loader.load_day(day)
                n += sum(len(v) for v in load.rows.values()) + sum(len(v) for v in load.rejections.values())
                day += timedelta(days=1)
            return n

        def dms_reload() -> int:
            return dms_load()

        timed("dms files (first load)", dms_load, server, None, results)
        timed("dms files (re-run)", dms_reload, server, None, results)

        if not args.skip_assets:
            assets_bench(server, world, tmp, last, landing_root)
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def assets_bench(server: SandboxServer, world, tmp: Path, day, landing_root: Path) -> None:
    import dagster as dg
    import duckdb
    from dagster_duckdb_pandas import DuckDBPandasIOManager

    from journey_assets.defs.ingest.crm import crm_leads_and_activities
    from journey_assets.defs.ingest.dms import dms_exports
    from journey_assets.defs.ingest.meta import meta_ad_insights, meta_lead_ads
    from journey_assets.defs.ingest.metricool import metricool_posts
    from journey_assets.defs.resources import (
        CRMResource,
        DmsLandingResource,
        MetaResource,
        MetricoolResource,
        RooftopsResource,
    )

    rooftops_file = write_rooftops_config(world, tmp / "rooftops.json")
    database = tmp / "bench.duckdb"
    resources = {
        "io_manager": DuckDBPandasIOManager(database=str(database)),
        "rooftops": RooftopsResource(path=str(rooftops_file)),
        "meta": MetaResource(base_url=server.vendor_url("meta"), access_token="bench", poll_interval_seconds=0.05),
        "metricool": MetricoolResource(base_url=server.vendor_url("metricool"), user_token="bench", user_id="1"),
        "dms_landing": DmsLandingResource(root=str(landing_root)),
        "crm": CRMResource(base_url=server.vendor_url("crm"), token="sandbox-crm-token", per_page=200),
    }
    print(f"assets (dg.materialize, partition {day}, temp DuckDB):")
    tables = {
        "meta_ad_insights": ["raw.meta_ad_insights"],
        "meta_lead_ads": ["raw.meta_leads", "ops.quarantine_meta_leads"],
        "metricool_posts": ["raw.metricool_posts"],
        "dms_exports": ["raw.dms_sales", "raw.dms_service_visits", "ops.quarantine_dms"],
        "crm_leads_and_activities": ["raw.crm_leads", "raw.crm_activities", "ops.quarantine_crm"],
    }
    for asset in (meta_ad_insights, meta_lead_ads, metricool_posts, dms_exports, crm_leads_and_activities):
        started = time.perf_counter()
        result = dg.materialize(
            [asset],
            partition_key=day.isoformat(),
            resources=resources,
            raise_on_error=True,
            tags={"bench": "marketing"},
        )
        seconds = time.perf_counter() - started
        with duckdb.connect(str(database), read_only=True) as conn:
            present = {
                f"{s}.{t}"
                for s, t in conn.execute("select table_schema, table_name from information_schema.tables").fetchall()
            }
            # The DuckDB IO manager creates no table for an empty first write: "absent" means no rows yet.
            counts = {
                t: conn.execute(f"select count(*) from {t}").fetchone()[0] if t in present else "absent"
                for t in tables[asset.node_def.name]
            }
        print(
            f"  {asset.node_def.name:<26} {'ok' if result.success else 'FAILED':<6} {seconds:>6.2f}s  "
            + json.dumps(counts)
        )


if __name__ == "__main__":
    raise SystemExit(main())
