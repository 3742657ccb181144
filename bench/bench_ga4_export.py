"""Benchmark the GA4 BigQuery export path: the sandbox renders it, the local asset lands it, dbt stages it.

Runs in a temporary data dir (the world is copied from --world-cache when given, else generated and not
timed). Prints, asserting nothing:
  render            the sandbox writing every property-day table (Parquet), rows and files
  land              the raw/ga4_export_events asset over the web window, and over one day (the nightly run)
  dbt full          stg_ga4__export_events, stg_ga4__export_sessions, int_ga4__user_stitching from scratch
  dbt incremental   the same as of the same day again (re-reads ga4_export_lookback_days)
  check             staged sessions per rooftop-day against the world's web_sessions (mismatching days)

    .venv/bin/python bench/bench_ga4_export.py [--size medium] [--seed 7] [--world-cache data]

Not for the large world (the journey helper's perf bench builds everything there).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=["small", "medium"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--world-cache", type=Path, help="a data dir whose world/ holds the world already")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-ga4-export-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        if args.world_cache and (args.world_cache / "world").is_dir():
            shutil.copytree(args.world_cache / "world", data / "world")
        database = data / "j.duckdb"
        os.environ.update(JOURNEY_ENV="local", JOURNEY_DATA_DIR=str(data), JOURNEY_DUCKDB_PATH=str(database))
        os.environ.update(JOURNEY_WORLD_SIZE=args.size, JOURNEY_WORLD_SEED=str(args.seed))
        for name in ("JOURNEY_ROOFTOPS_FILE", "JOURNEY_GA4_EXPORT_DIR", "DAGSTER_HOME", "JOURNEY_PARTITIONS_START"):
            os.environ.pop(name, None)

        from journey_assets.sandbox.ga4_export import write_ga4_export
        from journey_assets.sandbox.run import write_rooftops_config, write_world_dates
        from journey_assets.sandbox.world import ensure_world
        from journey_assets.settings import load_settings

        settings = load_settings()
        world = ensure_world(data, args.size, args.seed, settings.world_last_day)
        write_world_dates(world, settings.world_dates_file)
        write_rooftops_config(world, settings.rooftops_file)
        print(f"{world.describe()}; load average {os.getloadavg()[0]:.2f}")

        started = time.perf_counter()
        files = write_ga4_export(world, settings.ga4_export_landing_dir)
        print(f"render            {time.perf_counter() - started:7.1f}s  {len(files)} day tables")

        import dagster as dg

        from journey_assets.defs.ingest.ga4_export import ga4_export_events
        from journey_assets.defs.ingest.reference import rooftops_config
        from journey_assets.defs.resources import ingest_resources, warehouse_resources

        resources = {**warehouse_resources(settings), **ingest_resources(settings)}
        resources = {k: v for k, v in resources.items() if k in ("io_manager", "rooftops", "ga4_export_landing")}
        assert dg.materialize([rooftops_config], resources=resources).success
        window = {
            "dagster/asset_partition_range_start": world.web_first_day.isoformat(),
            "dagster/asset_partition_range_end": world.as_of.isoformat(),
        }
        for label, kwargs in (
            ("land window", {"tags": window}),
            ("land one day", {"partition_key": world.as_of.isoformat()}),
        ):
            started = time.perf_counter()
            result = dg.materialize([ga4_export_events], resources=resources, **kwargs)
            event = result.get_asset_materialization_events()[0]  # one per partition, the run's figures on each
            rows = event.materialization.metadata["rows"].value
            print(f"{label:<17} {time.perf_counter() - started:7.1f}s  {rows} events")

        from journey_assets.defs.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR

        select = [
            "stg_dealer__rooftops",
            "stg_ga4__export_events",
            "stg_ga4__export_sessions",
            "int_ga4__user_stitching",
        ]
        for label, extra in (("dbt full", ["--full-refresh"]), ("dbt incremental", [])):
            started = time.perf_counter()
            subprocess.run(
                [DBT_EXECUTABLE, "run", "--select", *select, "--target-path", str(Path(tmp) / "target"), *extra]
                + ["--vars", json.dumps({"as_of_date": world.as_of.isoformat()})],
                cwd=DBT_PROJECT_DIR,
                check=True,
                capture_output=True,
            )
            timings = json.loads((Path(tmp) / "target" / "run_results.json").read_text())["results"]
            per_model = ", ".join(f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}s" for r in timings)
            print(f"{label:<17} {time.perf_counter() - started:7.1f}s  ({per_model})")

        import duckdb

        with duckdb.connect(str(database), read_only=True) as db:
            staged = db.execute(
                "select dealer_id, strftime(session_date, '%Y-%m-%d') as day, count(*) as n"
                " from staging.stg_ga4__export_sessions group by all"
            ).df()
        sessions = world.table("web_sessions")
        expected = sessions.groupby(["dealer_id", sessions["date"].dt.strftime("%Y-%m-%d").rename("day")]).size()
        merged = staged.set_index(["dealer_id", "day"])["n"].reindex(expected.index).fillna(0)
        print(
            f"check             {int((merged != expected).sum())} of {len(expected)} rooftop-days differ;"
            f" {int(merged.sum())} sessions staged, {len(sessions)} in the world"
        )
        print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
