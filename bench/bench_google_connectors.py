"""Benchmark the Google connectors (GA4, Google Ads, Business Profile, PageSpeed) against the sandbox.

Generates a world (`generate_world(size)`), serves it from the real sandbox on
loopback and measures, per connector:

  fetch+parse      the client alone over every rooftop for the last N days
                   (real HTTP, pagination, JSON parsing, our column mapping): records/s
  fetch-parse-load the real Dagster asset for one daily partition materialized into a
                   temp DuckDB with the local warehouse IO manager (quality gates, typed frames,
                   the IO manager's write): rows loaded and records/s, Dagster overhead included
  GA4 bulk         one 90-day sessions report per property through the client with 10,000-row
                   pages, to show paging throughput without the per-day request overhead

It prints figures and asserts nothing (timings live here, not in tests).

Reading the figures: every request also pays the sandbox's own costs (a
SQLite commit per request for the request log, the fake's pandas work), and the
first pass over a rooftop pays for the fake indexing the world, so the cold GA4
line on a large world measures the fake, not the client. The warm lines and the
GA4 bulk line are the closest to the clients' own fetch and parse throughput.

    .venv/bin/python bench/bench_google_connectors.py [--size medium] [--days 7] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

import dagster as dg  # noqa: E402
import duckdb  # noqa: E402

from journey_assets.connectors.ga4 import EVENTS_REPORT, SESSIONS_REPORT, GA4Client  # noqa: E402
from journey_assets.connectors.gbp import GBPClient  # noqa: E402
from journey_assets.connectors.google_ads import QUERIES, GoogleAdsClient  # noqa: E402
from journey_assets.connectors.google_api import google_auth  # noqa: E402
from journey_assets.connectors.pagespeed import PageSpeedClient  # noqa: E402
from journey_assets.defs.ingest.dealer_inventory import dealer_inventory  # noqa: E402
from journey_assets.defs.ingest.ga4 import ga4  # noqa: E402
from journey_assets.defs.ingest.gbp import gbp_reviews  # noqa: E402
from journey_assets.defs.ingest.google_ads import google_ads  # noqa: E402
from journey_assets.defs.ingest.pagespeed import pagespeed  # noqa: E402
from journey_assets.defs.io_managers import WarehouseDuckDBIOManager  # noqa: E402
from journey_assets.defs.resources import (  # noqa: E402
    DealerInventoryResource,
    GA4Resource,
    GBPResource,
    GoogleAdsResource,
    PageSpeedResource,
    RooftopsResource,
)
from journey_assets.sandbox.run import write_rooftops_config  # noqa: E402
from journey_assets.sandbox.server import SandboxServer  # noqa: E402
from journey_assets.sandbox.world import generate_world  # noqa: E402

TOKEN = "bench"


def rate(records: int, seconds: float) -> str:
    return f"{records:>9,} records in {seconds:6.2f} s = {records / seconds if seconds else 0:>10,.0f} records/s"


def fetch_parse(server: SandboxServer, rooftops: list[dict], days: list) -> dict[str, tuple[int, float, int]]:
    """(records, seconds, requests) per connector, the clients alone."""
    out: dict[str, tuple[int, float, int]] = {}
    auth = google_auth("bench", [], access_token=TOKEN)

    def timed(name: str, work) -> None:
        before = len(server.log.rows(name))
        start = time.perf_counter()
        records = work()
        out[name] = (records, time.perf_counter() - start, len(server.log.rows(name)) - before)

    ga = GA4Client(server.vendor_url("ga4"), auth=auth)
    timed(
        "ga4",
        lambda: sum(
            1
            for r in rooftops
            for d in days
            for report in (SESSIONS_REPORT, EVENTS_REPORT)
            for _ in ga.report(report, r["ga4_property_id"], d, d)
        ),
    )
    ads = GoogleAdsClient(server.vendor_url("google_ads"), auth=auth)
    timed(
        "google_ads",
        lambda: sum(
            1
            for r in rooftops
            if r.get("google_ads_customer_id")
            for d in days
            for q in QUERIES
            for _ in ads.report(q, r["google_ads_customer_id"], d, d)
        ),
    )
    gbp = GBPClient(server.vendor_url("gbp"), auth=auth)
    timed("gbp", lambda: sum(1 for r in rooftops for _ in gbp.iter_reviews("bench", r["gbp_location_id"])))
    psi = PageSpeedClient(server.vendor_url("pagespeed"), "bench")
    perf = server.world.table("site_performance")
    timed(
        "pagespeed",
        lambda: sum(1 for url, strategy in perf[["url", "strategy"]].itertuples(index=False) if psi.run(url, strategy)),
    )
    return out


def ga4_bulk(server: SandboxServer, rooftops: list[dict], first, last) -> tuple[int, float, int]:
    client = GA4Client(server.vendor_url("ga4"), auth=google_auth("bench", [], access_token=TOKEN), page_size=10_000)
    before = len(server.log.rows("ga4"))
    start = time.perf_counter()
    records = sum(1 for r in rooftops for _ in client.report(SESSIONS_REPORT, r["ga4_property_id"], first, last))
    return records, time.perf_counter() - start, len(server.log.rows("ga4")) - before


def materialize(server: SandboxServer, rooftops_file: Path, database: Path, day) -> dict[str, tuple[int, int, float]]:
    """(rows loaded, rows quarantined, seconds) per asset for one partition."""
    resources = {
        "io_manager": WarehouseDuckDBIOManager(database=str(database)),
        "rooftops": RooftopsResource(path=str(rooftops_file)),
        "dealer_inventory": DealerInventoryResource(base_url=server.vendor_url("dealer_inventory"), api_key=TOKEN),
        "ga4": GA4Resource(base_url=server.vendor_url("ga4"), access_token=TOKEN),
        "google_ads": GoogleAdsResource(base_url=server.vendor_url("google_ads"), access_token=TOKEN),
        "gbp": GBPResource(base_url=server.vendor_url("gbp"), account_id="bench", access_token=TOKEN),
        "pagespeed": PageSpeedResource(base_url=server.vendor_url("pagespeed"), api_key=TOKEN),
    }
    instance = dg.DagsterInstance.ephemeral()
    # The VDP PageSpeed measures comes from that day's inventory feed: load it first (not timed).
    dg.materialize([dealer_inventory], partition_key=day.isoformat(), resources=resources, instance=instance)
    out = {}
    for name, asset, tables, quarantine in (
        ("ga4", ga4, ["raw.ga4_sessions", "raw.ga4_events"], "ops.quarantine_ga4"),
        (
            "google_ads",
            google_ads,
            [f"raw.google_ads_{t}" for t in ("campaign_stats", "ad_group_stats", "keyword_stats", "search_terms")],
            "ops.quarantine_google_ads",
        ),
        ("gbp", gbp_reviews, ["raw.gbp_reviews"], "ops.quarantine_gbp"),
        ("pagespeed", pagespeed, ["raw.pagespeed_results"], "ops.quarantine_pagespeed"),
    ):
        start = time.perf_counter()
        dg.materialize(
            [dealer_inventory, asset],
            selection=[asset],
            partition_key=day.isoformat(),
            resources=resources,
            instance=instance,
        )
        seconds = time.perf_counter() - start
        with duckdb.connect(str(database), read_only=True) as con:
            present = {
                r[0]
                for r in con.execute(
                    "select table_schema || '.' || table_name from information_schema.tables"
                ).fetchall()
            }
            loaded = sum(con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables if t in present)
            rejected = con.execute(f"select count(*) from {quarantine}").fetchone()[0] if quarantine in present else 0
        out[name] = (loaded, rejected, seconds)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=7, help="days of GA4 and Ads fetched by the client-only pass")
    args = parser.parse_args()
    logging.getLogger("dagster").setLevel(logging.WARNING)

    start = time.perf_counter()
    world = generate_world(args.size, args.seed)
    sizes = {
        t: len(world.table(t))
        for t in (
            "rooftops",
            "web_sessions",
            "web_events",
            "ad_stats_daily",
            "search_terms_daily",
            "reviews",
            "site_performance",
        )
    }
    print(f"world {args.size}/{args.seed} generated in {time.perf_counter() - start:.1f} s: {json.dumps(sizes)}")
    day = world.as_of - timedelta(days=1)
    days = [world.as_of - timedelta(days=n) for n in range(args.days, 0, -1)]

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        rooftops_file = write_rooftops_config(world, tmp_path / "rooftops.json")
        rooftops = json.loads(rooftops_file.read_text())
        with SandboxServer(world, record_path=tmp_path / "requests.sqlite3") as server:
            # The fakes index the world on first use (per rooftop and report); the first pass pays that,
            # the second measures the clients against a warm sandbox.
            for label, figures in (
                ("cold sandbox", fetch_parse(server, rooftops, days)),
                ("warm sandbox", fetch_parse(server, rooftops, days)),
            ):
                print(
                    f"\nfetch+parse, client only, {label} ({len(rooftops)} rooftops; GA4 and Ads over {args.days} days):"
                )
                for name, (records, seconds, requests) in figures.items():
                    print(
                        f"  {name:<11} {rate(records, seconds)}  ({requests} requests, {requests / seconds:,.0f} req/s)"
                    )

            records, seconds, requests = ga4_bulk(server, rooftops, world.as_of - timedelta(days=90), day)
            print("\nGA4 bulk, one 90-day sessions report per property, 10,000-row pages:")
            print(f"  {'ga4':<11} {rate(records, seconds)}  ({requests} requests)")

            print(f"\nfetch-parse-load, one partition ({day}) materialized into DuckDB (Dagster run included):")
            for name, (loaded, rejected, seconds) in materialize(
                server, rooftops_file, tmp_path / "bench.duckdb", day
            ).items():
                print(f"  {name:<11} {rate(loaded + rejected, seconds)}  ({loaded:,} loaded, {rejected:,} quarantined)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
