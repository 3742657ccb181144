"""Benchmark `journey demo` end to end: the first run (the world's whole history, then dbt) and the nightly run after it.

World generation is timed apart and excluded (the world is generated once and
cached). Runs in a temporary data dir and a throwaway Dagster instance, so the
project's own data/ is untouched. Prints, asserting nothing:
  per stage     wall seconds and CPU seconds (this process and dbt): the CPU
                figure says what the work costs when other jobs share the cores
  per step      each ingest asset's seconds inside the history run
  load average  at start and end, to read the wall figures by
  rows          raw.dms_sales, raw.crm_leads, raw.ga4_sessions after the first run

    .venv/bin/python bench/bench_demo.py [--size medium] [--seed 7] [--world-cache data]

--world-cache: a data dir whose data/world/ already holds the world (copied,
not regenerated).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--world-cache", type=Path, help="a data dir whose world/ holds the world already")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        if args.world_cache and (args.world_cache / "world").is_dir():
            shutil.copytree(args.world_cache / "world", data / "world")
        os.environ.update(JOURNEY_ENV="local", JOURNEY_DATA_DIR=str(data), JOURNEY_DUCKDB_PATH=str(data / "j.duckdb"))
        os.environ.update(JOURNEY_WORLD_SIZE=args.size, JOURNEY_WORLD_SEED=str(args.seed))
        for name in ("JOURNEY_ROOFTOPS_FILE", "JOURNEY_SALESPEOPLE_FILE", "JOURNEY_DMS_LANDING_DIR", "DAGSTER_HOME"):
            os.environ.pop(name, None)
        load_at_start = os.getloadavg()

        from journey_assets.sandbox.world import ensure_world
        from journey_assets.settings import load_settings

        settings = load_settings()
        t0 = time.perf_counter()
        world = ensure_world(settings.data_dir, args.size, args.seed, settings.world_last_day)
        generation = time.perf_counter() - t0
        os.environ["JOURNEY_WORLD_LAST_DAY"] = world.as_of.isoformat()

        import dagster as dg

        from journey_assets.demo import StageTimes, run_demo
        from journey_assets.sandbox.run import start_sandbox

        times = StageTimes()
        with times.stage("sandbox start (DMS drops written once)"):
            server = start_sandbox(load_settings(), size=args.size, seed=args.seed)
        os.environ["JOURNEY_SANDBOX_URL"] = server.url
        lines: list[str] = []
        try:
            with dg.DagsterInstance.ephemeral() as instance:
                first = run_demo(load_settings(), server, instance=instance, say=lines.append)
                nightly = run_demo(load_settings(), server, instance=instance, say=lambda _: None)
                steps = instance.get_run_step_stats(first.run_ids["history"])
        finally:
            server.stop()

        import duckdb

        with duckdb.connect(str(data / "j.duckdb"), read_only=True) as db:
            rows = {
                t: db.execute(f"select count(*) from raw.{t}").fetchone()[0]
                for t in ("dms_sales", "dms_service_visits", "crm_leads", "ga4_sessions")
            }

    print(f"\n== journey demo, {world.describe()} ==")
    print(f"world generation (excluded): {generation:.1f} s")
    print("\nfirst run (history, then dbt):")
    first_times = StageTimes({**times.seconds, **first.times.seconds}, {**times.cpu_seconds, **first.times.cpu_seconds})
    print(first_times.table())
    print("\n  ingest steps inside the history run:")
    for s in steps:
        if s.start_time and s.end_time:
            print(f"    {s.step_key:<40} {s.end_time - s.start_time:>8.1f} s")
    print("\nnightly run after it (one day, then dbt):")
    print(nightly.times.table())
    print("\nrows after the first run: " + ", ".join(f"raw.{t} {n:,}" for t, n in rows.items()))
    load_at_end = os.getloadavg()
    print(f"load average (1/5/15 min): start {load_at_start}, end {tuple(round(x, 2) for x in load_at_end)}")
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
