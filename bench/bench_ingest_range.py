"""Benchmark a first run of every ingest asset over a partition range: one single-run backfill per source.

Serves the world (`small` by default) with the real sandbox, makes the range's
first day the first partition (JOURNEY_PARTITIONS_START), so CRM and DMS load
their whole history on it, and materializes each source's raw multi-asset over
the last `--days` days in ONE run (the tags Dagster's backfill daemon sets for
`BackfillPolicy.single_run()`), into a temporary DuckDB. Prints seconds and rows
per source; asserts nothing.

    .venv/bin/python bench/bench_ingest_range.py [--size small|medium] [--days 90] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="small", choices=["small", "medium", "large"])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--data-dir", default="", help="a data dir with the cached world (default: a temp dir)")
    args = parser.parse_args()

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="bench-ingest-"))
    os.environ.update(JOURNEY_ENV="local", JOURNEY_DATA_DIR=str(data_dir))
    os.environ["JOURNEY_DUCKDB_PATH"] = str(Path(tempfile.mkdtemp(prefix="bench-wh-")) / "bench.duckdb")

    from journey_assets.sandbox.run import ensure_world

    started = time.perf_counter()
    world = ensure_world(data_dir, args.size, 7)
    first_day, last_day = world.as_of - timedelta(days=args.days - 1), world.as_of
    os.environ["JOURNEY_PARTITIONS_START"] = first_day.isoformat()  # before the code location is imported
    print(f"world {args.size}: {time.perf_counter() - started:.1f}s; range {first_day}..{last_day}", flush=True)

    import dagster as dg
    import duckdb

    from journey_assets.defs.ingest import (
        crm,
        dealer_inventory,
        dms,
        ga4,
        gbp,
        google_ads,
        meta,
        metricool,
        pagespeed,
    )
    from journey_assets.defs.resources import resources_for
    from journey_assets.sandbox.run import start_sandbox
    from journey_assets.settings import load_settings

    server = start_sandbox(load_settings(), size=args.size, seed=7)
    os.environ["JOURNEY_SANDBOX_URL"] = server.url
    resources = resources_for(load_settings())
    tags = {
        "dagster/asset_partition_range_start": first_day.isoformat(),
        "dagster/asset_partition_range_end": last_day.isoformat(),
    }
    runs = [
        ("dealer_inventory + pagespeed", [dealer_inventory.dealer_inventory, pagespeed.pagespeed]),
        ("ga4", [ga4.ga4]),
        ("google_ads", [google_ads.google_ads]),
        ("meta insights", [meta.meta_ad_insights]),
        ("meta lead ads", [meta.meta_lead_ads]),
        ("gbp reviews", [gbp.gbp_reviews]),
        ("metricool", [metricool.metricool_posts]),
        ("crm (history on day one)", [crm.crm_leads_and_activities]),
        ("dms (history on day one)", [dms.dms_exports]),
    ]
    total = 0.0
    try:
        for label, assets in runs:
            began = time.perf_counter()
            result = dg.materialize(assets, resources=resources, tags=tags, raise_on_error=True)
            seconds = time.perf_counter() - began
            total += seconds
            rows = {
                event.asset_key.to_user_string(): event.materialization.metadata["rows"].value
                for event in result.get_asset_materialization_events()
                if "rows" in event.materialization.metadata
            }
            shown = ", ".join(f"{k} {v:,}" for k, v in rows.items() if not k.startswith("ops/quarantine"))
            print(f"  {label:<30} {seconds:>7.1f}s  {shown}", flush=True)
    finally:
        server.stop()
    print(f"all sources, {args.days} days: {total:.1f}s", flush=True)
    with duckdb.connect(os.environ["JOURNEY_DUCKDB_PATH"], read_only=True) as db:
        for table in ("raw.crm_leads", "raw.dms_sales", "raw.dms_service_visits", "raw.ga4_sessions"):
            print(f"  {table}: {db.execute(f'select count(*) from {table}').fetchone()[0]:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
