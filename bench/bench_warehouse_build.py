"""Benchmark the customer warehouse's dbt build: the first run's full build and the nightly run's incremental one.

Loads a world's whole history the way `journey demo` does (its first run: ingest, then `dbt build`),
then runs the nightly job once more (ingest one day, then `dbt build`, whose incremental models rebuild
only the new day). Prints, asserting nothing:
  stages        wall and CPU seconds of both runs (the nightly total is the 10-minute target)
  per model     seconds of each dbt model in the full build and in the nightly build (dbt's
                run_results.json), the incremental models marked, heaviest first
  rows          the journey, feature and identity marts after the nightly run
  load average  at start and end, to read the wall figures by

    .venv/bin/python bench/bench_warehouse_build.py [--size medium] [--seed 7] [--world-cache data] [--keep DIR]
    .venv/bin/python bench/bench_warehouse_build.py --keep DIR --first-only      # the one-time history load
    .venv/bin/python bench/bench_warehouse_build.py --nightly-only DIR           # then the nightly, on its own

Runs in a temporary data dir and a throwaway Dagster instance, or with --keep DIR in DIR and a Dagster
instance kept in DIR/dagster (left in place). --nightly-only DIR runs just the nightly (ingest one day,
then dbt) on the warehouse a --keep DIR first run loaded, so the one-time history load is not repeated;
it prints the first run's per model times saved in DIR/bench-first-run.json beside the nightly's.
--world-cache: a data dir whose world/ already holds the world (copied, not regenerated).
--sandbox-process: generate the world and serve it from a process of its own (`journey sandbox`), as
`make dev` runs it, so the world's tables and the fakes' caches are not in the measured ingesting process;
with JOURNEY_DUCKDB_MEMORY_LIMIT the warehouse's share is bounded too. The large world (1,000,000 customers)
needs both: see docs/decisions/0901-large-world-nightly.md for what was measured.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIRST_RUN_FILE = "bench-first-run.json"  # in a kept data dir: the first run's stage and per model times

MARTS = (
    "marts.dim_customers",
    "marts.customer_identity_map",
    "marts.fct_customer_journey_stages",
    "marts.customer_journey_stage_current",
    "marts.fct_customer_features_daily",
)


def newest_run_results(target: Path, after: float, as_of: str) -> dict[str, float]:
    """Model name -> seconds, from the newest run_results.json written after `after` by a build as of `as_of`.

    dagster-dbt writes one target folder per invocation under the project's target/; another process's build
    (a test's small world) may write there too, so a run is told apart by its as_of_date var.
    """
    candidates = []
    for path in target.rglob("run_results.json"):
        if path.stat().st_mtime >= after:
            results = json.loads(path.read_text())
            if (results.get("args", {}).get("vars") or {}).get("as_of_date") == as_of and any(
                r["unique_id"].startswith("model.") for r in results["results"]
            ):
                candidates.append((path.stat().st_mtime, results))
    if not candidates:
        return {}
    results = max(candidates, key=lambda c: c[0])[1]
    models = {}
    for result in results["results"]:
        unique_id = result["unique_id"]
        if unique_id.startswith("model."):
            models[unique_id.split(".")[-1]] = result["execution_time"]
    return models


class SandboxProcess:
    """`journey sandbox` in a process of its own; `world` is the served world's description (tables unread)."""

    def __init__(self, size: str, seed: int, *, timeout: float = 3 * 3600):
        import requests

        from journey_assets.sandbox.world import World, world_dir
        from journey_assets.settings import load_settings

        with socket.socket() as probe:  # a free port for it
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        settings = load_settings()
        log = settings.data_dir / "logs" / "bench-sandbox.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "journey_assets.cli", "sandbox", "--size", size, "--seed", str(seed)]
        self.process = subprocess.Popen([*command, "--port", str(port)], stdout=log.open("a"), stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout  # the large world's first start generates it and writes its drops
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the sandbox exited with {self.process.returncode}; see {log}")
            try:
                if requests.get(f"{self.url}/_sandbox/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the sandbox did not start within {timeout:.0f} s; see {log}")
            time.sleep(2)
        self.world = World.load(world_dir(settings.data_dir, size, seed, settings.world_last_day))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def materializations(target: Path) -> dict[str, str]:
    manifests = sorted(target.rglob("manifest.json"), key=lambda p: p.stat().st_mtime)
    if not manifests:
        return {}
    nodes = json.loads(manifests[-1].read_text())["nodes"]
    return {n["name"]: n["config"]["materialized"] for n in nodes.values() if n["resource_type"] == "model"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--world-cache", type=Path, help="a data dir whose world/ holds the world already")
    ap.add_argument("--keep", type=Path, help="use this data dir (and a Dagster instance in it); leave it in place")
    ap.add_argument("--first-only", action="store_true", help="stop after the first run (with --keep)")
    ap.add_argument("--nightly-only", type=Path, metavar="DIR", help="only the nightly, on DIR's loaded warehouse")
    ap.add_argument(
        "--history-days",
        type=int,
        help="a partial first run: only the calendar's first N days (CRM and DMS still load all before them);"
        " its figures are labelled partial",
    )
    ap.add_argument(
        "--sandbox-process", action="store_true", help="generate and serve the world in a process of its own"
    )
    ap.add_argument("--top", type=int, default=25, help="how many models to list (heaviest first)")
    args = ap.parse_args()
    if args.first_only and not args.keep:
        ap.error("--first-only needs --keep DIR (else the loaded warehouse is thrown away)")
    if args.nightly_only and (args.keep or args.first_only):
        ap.error("--nightly-only DIR runs on DIR's warehouse: no --keep or --first-only with it")
    kept = args.keep or args.nightly_only
    if args.nightly_only and not (kept / FIRST_RUN_FILE).is_file():
        ap.error(f"{kept} holds no finished first run ({FIRST_RUN_FILE}): run --keep {kept} --first-only first")

    tmp = None if kept else tempfile.TemporaryDirectory(prefix="bench-warehouse-")
    data = kept or Path(tmp.name) / "data"
    data.mkdir(parents=True, exist_ok=True)
    if args.world_cache and (args.world_cache / "world").is_dir() and not (data / "world").exists():
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
    if args.sandbox_process:
        server = SandboxProcess(args.size, args.seed)  # generation (once per world) and the fakes' setup included
        world = server.world
    else:
        world = ensure_world(settings.data_dir, args.size, args.seed, settings.world_last_day)
    generation = time.perf_counter() - t0
    os.environ["JOURNEY_WORLD_LAST_DAY"] = world.as_of.isoformat()

    import dagster as dg
    import duckdb

    from journey_assets.defs.transform.project import DBT_PROJECT_DIR
    from journey_assets.demo import StageTimes, run_demo
    from journey_assets.sandbox.run import start_sandbox

    target = DBT_PROJECT_DIR / "target"
    if not args.sandbox_process:
        server = start_sandbox(load_settings(), size=args.size, seed=args.seed)
    os.environ["JOURNEY_SANDBOX_URL"] = server.url
    first_times, full_models, nightly, nightly_models = None, {}, None, {}
    if kept:
        (kept / "dagster").mkdir(exist_ok=True)
    try:
        # A kept data dir keeps its Dagster instance too: the demo tells a nightly from a first run by its runs.
        with (
            dg.DagsterInstance.local_temp(str(kept / "dagster")) if kept else dg.DagsterInstance.ephemeral()
        ) as instance:
            if args.nightly_only:
                saved = json.loads((kept / FIRST_RUN_FILE).read_text())
                first_times, full_models = StageTimes(saved["seconds"], saved["cpu_seconds"]), saved["models"]
                args.history_days = saved.get("history_days")
            else:
                started = time.time()
                first = run_demo(load_settings(), server, instance=instance, say=print, history_days=args.history_days)
                first_times = first.times
                full_models = newest_run_results(target, started, world.as_of.isoformat())
                if kept:
                    saved = {"seconds": first_times.seconds, "cpu_seconds": first_times.cpu_seconds}
                    saved["history_days"] = args.history_days
                    (kept / FIRST_RUN_FILE).write_text(json.dumps({**saved, "models": full_models}, indent=1))
            if not args.first_only:
                started = time.time()
                nightly = run_demo(load_settings(), server, instance=instance, say=print)
                nightly_models = newest_run_results(target, started, world.as_of.isoformat())
    finally:
        server.stop()
    kinds = materializations(target)

    with duckdb.connect(str(data / "j.duckdb"), read_only=True) as db:
        rows = {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in MARTS}
        feature_days = db.execute(
            "select feature_date, count(*) from marts.fct_customer_features_daily group by 1 order by 1 desc limit 2"
        ).fetchall()

    print(f"\n== customer warehouse build, {world.describe()} ==")
    where = (
        "the sandbox process: generation when not cached, the fakes' setup" if args.sandbox_process else "generation"
    )
    print(f"world, {where} (excluded): {generation:.1f} s")
    label = f" (saved by the run with --keep {kept})" if args.nightly_only else ""
    history = "the whole history"
    if args.history_days:
        history = f"PARTIAL: the first {args.history_days} daily partitions, CRM and DMS whole"
    print(f"\nfirst run ({history}, then the full dbt build){label}:")
    print(first_times.table())
    if nightly is not None:
        print("\nnightly run (one day, then dbt with incremental models rebuilding that day):")
        print(nightly.times.table())

    print(f"\nper model (dbt run_results.json), heaviest {args.top} of the full build; * = incremental")
    print(f"  {'model':<46} {'full s':>8} {'nightly s':>10}")
    for name in sorted(full_models, key=lambda m: -full_models[m])[: args.top]:
        mark = "*" if kinds.get(name) == "incremental" else " "
        print(f"{mark} {name:<46} {full_models[name]:>8.1f} {nightly_models.get(name, 0.0):>10.1f}")
    incremental = [m for m in full_models if kinds.get(m) == "incremental"]
    for label, names in (
        (f"all models ({len(full_models)})", list(full_models)),
        (f"incremental ({len(incremental)})", incremental),
    ):
        full = sum(full_models[m] for m in names)
        night = sum(nightly_models.get(m, 0.0) for m in names)
        print(f"  {label:<46} {full:>8.1f} {night:>10.1f}")

    print(
        f"\nrows after the {'nightly' if nightly else 'first'} run: " + ", ".join(f"{t} {n:,}" for t, n in rows.items())
    )
    print("feature rows, newest days: " + ", ".join(f"{d} {n:,}" for d, n in feature_days))
    load_at_end = os.getloadavg()
    print(f"load average (1/5/15 min): start {load_at_start}, end {tuple(round(x, 2) for x in load_at_end)}")
    print(f"cores: {os.cpu_count()}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
