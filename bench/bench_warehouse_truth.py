"""Score the customer warehouse against the world's ground truth: identity pairwise P/R/F1 and each segment's P/R.

Runs `journey demo` (the whole history, then dbt) on the medium world in a temporary data dir,
or scores a warehouse already built, then prints what bench/warehouse_truth.py measures
(targets: identity F1 >= 0.98; service_due, service_state, dormant, lease_end_window,
high_value, at_risk >= 0.99). Asserts nothing.

    .venv/bin/python bench/bench_warehouse_truth.py [--size medium] [--seed 7] [--world-cache data]
        [--keep DIR]                      keep the built data dir (warehouse and world) in DIR
    .venv/bin/python bench/bench_warehouse_truth.py --warehouse DIR/j.duckdb --world DIR/world/medium-7-<day>
        score a built warehouse against the world it was loaded from (no demo run)
    [--examples N]                        print N records of each identity error kind (default 0)
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

from warehouse_truth import IdentityReport, report_lines, score_warehouse


def build_warehouse(size: str, seed: int, world_cache: Path | None, data: Path) -> tuple[Path, Path]:
    """The demo's first run into `data`: returns (warehouse, world directory)."""
    if world_cache and (world_cache / "world").is_dir():
        shutil.copytree(world_cache / "world", data / "world")
    os.environ.update(JOURNEY_ENV="local", JOURNEY_DATA_DIR=str(data), JOURNEY_DUCKDB_PATH=str(data / "j.duckdb"))
    os.environ.update(JOURNEY_WORLD_SIZE=size, JOURNEY_WORLD_SEED=str(seed))
    for name in ("JOURNEY_ROOFTOPS_FILE", "JOURNEY_SALESPEOPLE_FILE", "JOURNEY_DMS_LANDING_DIR", "DAGSTER_HOME"):
        os.environ.pop(name, None)

    import dagster as dg

    from journey_assets.demo import run_demo
    from journey_assets.sandbox.run import start_sandbox
    from journey_assets.sandbox.world import ensure_world
    from journey_assets.settings import load_settings

    settings = load_settings()
    world = ensure_world(settings.data_dir, size, seed, settings.world_last_day)
    os.environ["JOURNEY_WORLD_LAST_DAY"] = world.as_of.isoformat()
    server = start_sandbox(load_settings(), size=size, seed=seed)
    os.environ["JOURNEY_SANDBOX_URL"] = server.url
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            started = time.perf_counter()
            run_demo(load_settings(), server, instance=instance, say=lambda line: print("  " + line))
            print(f"demo first run: {time.perf_counter() - started:.0f} s")
    finally:
        server.stop()
    assert world.directory is not None
    return data / "j.duckdb", world.directory


def print_examples(identity: IdentityReport, n: int) -> None:
    columns = ["customer_key", "person_id", "source", "source_record_id", "match_rule"]
    print(f"\nfalse merges (records of clusters holding more than one person), first {n}:")
    print(identity.false_merges[columns].head(n).to_string(index=False))
    print(f"\nmissed (records of persons split over clusters), first {n}:")
    print(identity.missed[columns].head(n).to_string(index=False))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--world-cache", type=Path, help="a data dir whose world/ holds the world already")
    ap.add_argument("--keep", type=Path, help="build into this data dir and keep it")
    ap.add_argument("--warehouse", type=Path, help="score this built DuckDB warehouse instead of running the demo")
    ap.add_argument("--world", type=Path, help="with --warehouse: the world directory it was loaded from")
    ap.add_argument("--examples", type=int, default=0)
    args = ap.parse_args()

    if args.warehouse:
        if not args.world:
            ap.error("--warehouse needs --world")
        warehouse, world_directory = args.warehouse, args.world
        identity, segments = score_warehouse(warehouse, world_directory)
    elif args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        warehouse, world_directory = build_warehouse(args.size, args.seed, args.world_cache, args.keep)
        identity, segments = score_warehouse(warehouse, world_directory)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-truth-") as tmp:
            data = Path(tmp) / "data"
            data.mkdir()
            warehouse, world_directory = build_warehouse(args.size, args.seed, args.world_cache, data)
            identity, segments = score_warehouse(warehouse, world_directory)

    print(f"\n== warehouse against the truth: {world_directory.name} ==")
    print("\n".join(report_lines(identity, segments)))
    if args.examples:
        print_examples(identity, args.examples)


if __name__ == "__main__":
    main()
