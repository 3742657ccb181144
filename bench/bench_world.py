"""Benchmark the synthetic dealer group: how fast each size builds and how much memory it takes.

Each size runs in a fresh subprocess (so peak memory is that size's own), calls
`generate_world(size, seed)` and, with --save, also writes the world to Parquet
in a temporary directory with `World.save`. It prints, with no assertion on
speed:
  seconds        wall time of generate_world (and of save)
  rows           rows per table and in total
  rows/s         total rows over generation seconds
  peak RSS       the process's maximum resident set (resource.getrusage)

    .venv/bin/python bench/bench_world.py [--large] [--save] [--seed 7] [--last-day YYYY-MM-DD]

The world ends yesterday unless --last-day says otherwise (as a first `make demo` would build it).

small (2,000 customers) and medium (40,000) always run; --large adds the
1,000,000-customer world (about two minutes and ~9 GB peak on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run_one(size: str, seed: int, save: bool, last_day: str | None) -> dict:
    from datetime import date

    from journey_assets.sandbox.world import SIZES, generate_world

    t0 = time.perf_counter()
    world = generate_world(size, seed, date.fromisoformat(last_day) if last_day else None)
    gen_s = time.perf_counter() - t0
    rows = {name: len(frame) for name, frame in world.tables.items()}
    out = {"size": size, "customers": SIZES[size], "seconds": gen_s, "rows": rows, "dates": world.describe()}
    if save:
        with tempfile.TemporaryDirectory() as tmp:
            t1 = time.perf_counter()
            world.save(Path(tmp) / "world")
            out["save_seconds"] = time.perf_counter() - t1
            out["parquet_mb"] = sum(p.stat().st_size for p in (Path(tmp) / "world").glob("*.parquet")) / 1e6
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    return out


def report(r: dict) -> None:
    total = sum(r["rows"].values())
    print(f"\n== {r['size']}: {r['customers']:,} customers; {r['dates']} ==")
    for name, n in r["rows"].items():
        print(f"  {name:<20} {n:>12,}")
    print(f"  {'TOTAL':<20} {total:>12,}")
    print(f"  generate: {r['seconds']:.2f} s, {total / r['seconds']:,.0f} rows/s, peak RSS {r['peak_rss_mb']:,.0f} MB")
    if "save_seconds" in r:
        print(f"  save:     {r['save_seconds']:.2f} s, {r['parquet_mb']:,.1f} MB of Parquet")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--large", action="store_true", help="also build the 1,000,000-customer world")
    ap.add_argument("--save", action="store_true", help="also time World.save to Parquet")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--last-day", help="the world's last day (default: yesterday)")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # child mode: one size, JSON on stdout
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.seed, args.save, args.last_day)))
        return
    sizes = ["small", "medium"] + (["large"] if args.large else [])
    for size in sizes:
        cmd = [sys.executable, __file__, "--one", size, "--seed", str(args.seed)] + (["--save"] if args.save else [])
        cmd += ["--last-day", args.last_day] if args.last_day else []
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        report(json.loads(proc.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
