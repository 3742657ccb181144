"""Benchmark drafting social posts from inventory marts of a given size (journey_assets/journey/social_posts.py).

Builds `--vehicles` synthetic in-stock vehicles over `--rooftops` rooftops (a tenth arrived in the window, a
tenth marked down in it), then times, in CPU seconds of this process: `vehicle_events` (the window's new
arrivals and price drops) and `draft_posts` (one draft per event and network, texts fitted to each limit);
then, in wall seconds, `record_drafts` into a fresh DuckDB file (first run, and a second run that finds
every draft already there) and reading the queue back.
Prints, asserting nothing.

    .venv/bin/python bench/bench_social_posts.py [--vehicles 20000] [--rooftops 20] [--networks facebook,instagram,twitter]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from journey_assets.activation.social_queue import queue, record_drafts
from journey_assets.journey.social_posts import TEXT_LIMITS, draft_posts, vehicle_events
from journey_assets.warehouse import DuckDBWarehouse

AS_OF = date(2026, 11, 23)


def marts(n: int, rooftops: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = [f"veh-{i:07d}" for i in range(n)]
    arrived = rng.random(n) < 0.1
    first_seen = [
        AS_OF - timedelta(days=int(d)) for d in np.where(arrived, rng.integers(0, 7, n), rng.integers(8, 120, n))
    ]
    price = rng.integers(90, 700, n) * 100.0
    vehicles = pd.DataFrame(
        {
            "vehicle_id": ids,
            "dealer_id": [f"D{i % rooftops:02d}" for i in range(n)],
            "condition": rng.choice(["new", "used", "cpo"], n),
            "model_year": rng.integers(2015, 2027, n),
            "make": rng.choice(["Honda", "Toyota", "Ford", "Chevrolet"], n),
            "model": rng.choice(["Civic", "RAV4", "F-150", "Silverado 1500"], n),
            "trim_level": rng.choice(["EX", "XLE Premium", "Lariat", "LT Trail Boss"], n),
            "exterior_color": rng.choice(["Blue", "Midnight Black Metallic", "White"], n),
            "vdp_url": [f"https://dealer{i % rooftops}.example/inventory/{v}" for i, v in enumerate(ids)],
            "image_url": [f"https://img.example/{v}.jpg" for v in ids],
            "current_listed_price": price,
            "first_seen_date": pd.to_datetime(first_seen),
            "last_seen_date": pd.Timestamp(AS_OF),
            "is_in_stock": True,
        }
    )
    dropped = rng.random(n) < 0.1
    spells = pd.DataFrame(
        {
            "price_spell_id": [f"{v}-current" for v in ids],
            "vehicle_id": ids,
            "listed_price": price,
            "previous_price": np.where(dropped, price + 500, np.nan),
            "price_change": np.where(dropped, -500.0, np.nan),
            "valid_from": pd.to_datetime([AS_OF - timedelta(days=int(d)) for d in rng.integers(0, 7, n)]),
            "is_current": True,
        }
    )
    return vehicles, spells


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--vehicles", type=int, default=20_000)
    parser.add_argument("--rooftops", type=int, default=20)
    parser.add_argument("--networks", default="facebook,instagram,twitter")
    args = parser.parse_args()
    networks = [n for n in args.networks.split(",") if n in TEXT_LIMITS]
    vehicles, spells = marts(args.vehicles, args.rooftops)
    rooftops = {f"D{i:02d}": {"name": f"Rooftop number {i} Motors"} for i in range(args.rooftops)}
    started = time.process_time()
    events = vehicle_events(vehicles, spells, AS_OF, 7)
    found = time.process_time()
    drafts, skipped = draft_posts(events, rooftops, networks)
    done = time.process_time()
    print(f"vehicles {len(vehicles):,}  events {len(events):,}  drafts {len(drafts):,}  skipped {len(skipped):,}")
    print(f"vehicle_events  {found - started:.3f} s CPU")
    print(f"draft_posts     {done - found:.3f} s CPU  ({len(drafts) / max(done - found, 1e-9):,.0f} drafts/s)")

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.duckdb")
        duckdb.connect(path).close()
        warehouse = DuckDBWarehouse(path)
        for label in ("record_drafts (first run)", "record_drafts (again)"):
            started = time.perf_counter()
            fresh = record_drafts(warehouse, drafts, datetime.now(UTC), "bench")
            print(f"{label:27s} {time.perf_counter() - started:.3f} s wall  ({len(fresh):,} new)")
        started = time.perf_counter()
        current = queue(warehouse)
        print(f"{'queue (read back)':27s} {time.perf_counter() - started:.3f} s wall  ({len(current):,} drafts)")


if __name__ == "__main__":
    main()
