"""Benchmark a slice of the CRM's first run (its whole history) on a world: where each record's time goes.

A first run reads every CRM lead and activity through the real client from the fake, makes each a row and
runs the row rules (journey_assets/sources/crm.py). This serves the world's CRM (the sandbox, no DMS drops
or GA4 export), reads the first `--pages` pages of 200 activities and of 200 leads, and times per record:
  fetch   the HTTP pages (client, fake, JSON)
  rows    within_day + lead_row / activity_row
  rules   the table's row rules (apply_rules: quarantine and repeats)
in CPU seconds of this process (the fake's threads included: on a shared machine wall time misleads),
with the timestamps read by pandas (as before 0901) and by the standard library (now), checks the rows come
out identical, and extrapolates to the world's whole CRM history. Prints, asserting nothing.

    .venv/bin/python bench/bench_crm_first_run.py [--size large] [--pages 100] [--world-cache DIR]

--world-cache: a data dir whose world/ holds the world (read in place). See docs/decisions/0901-*.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pandas_stamp(value):
    """The CRM source's timestamp reading before 0901: pandas for every value."""
    if value in (None, ""):
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if pd.isna(stamp):
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="large", choices=["small", "medium", "large"])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--world-cache", type=Path, help="a data dir whose world/ holds the world")
    args = ap.parse_args()
    load_at_start = os.getloadavg()

    from journey_assets.connectors.crm import MAX_PER_PAGE, CRMClient
    from journey_assets.sandbox.server import SandboxServer
    from journey_assets.sandbox.world import ensure_world
    from journey_assets.sources import crm
    from journey_assets.sources.spec import Batch, Window, apply_rules

    data = args.world_cache or Path(tempfile.mkdtemp(prefix="bench-crm-"))
    world = ensure_world(data, args.size, args.seed, None)
    started = time.perf_counter()
    server = SandboxServer(world, record_path=Path(tempfile.mkdtemp(prefix="bench-crm-log-")) / "r.sqlite3").start()
    print(f"{world.describe()}; sandbox up in {time.perf_counter() - started:.1f} s", flush=True)
    client = CRMClient(server.vendor_url("crm"), "sandbox-crm-token", timeout=60.0)
    window, loaded_at = Window(world.first_day, world.as_of), datetime.now(UTC)
    kinds = (
        ("activities", client.iter_activities, "occurred_at", crm.activity_row, crm.ACTIVITIES, "crm_activities"),
        ("leads", client.iter_leads, "updated_at", crm.lead_row, crm.LEADS, "leads"),
    )
    estimate, original = {}, crm._stamp
    try:
        for name, pages, column, make_row, table, world_table in kinds:
            started = time.process_time()
            next(pages(None, per_page=1))  # the fake reads and sorts its table once: not a per-record cost
            warm_up = time.process_time() - started
            started = time.process_time()
            records = list(islice(pages(None, per_page=MAX_PER_PAGE), args.pages * MAX_PER_PAGE))
            fetch = time.process_time() - started
            out, seconds = {}, {}
            for reading, stamp in (("pandas", pandas_stamp), ("stdlib", crm._stamp)):
                crm._stamp = stamp  # the module's reading, swapped for the comparison
                started = time.process_time()
                rows = [make_row(r, loaded_at) for r in crm.within_day(iter(records), column, date.max.replace(day=30))]
                made = time.process_time() - started
                started = time.process_time()
                good, bad = apply_rules(table, Batch(table.name, world.as_of, rows, window=window), "crm")
                seconds[reading] = (made, time.process_time() - started)
                out[reading] = ([{k: v for k, v in r.items() if k != "loaded_at"} for r in good], len(bad))
            n, total = len(records), len(world.table(world_table))
            print(f"\n{name}: {n:,} records of {total:,} ({args.pages} pages of {MAX_PER_PAGE})")
            print(f"  the fake's table read and sorted once: {warm_up:.1f} CPU s")
            print(f"  fetch   {fetch / n * 1e6:8.1f} CPU us/record")
            for reading, (made, ruled) in seconds.items():
                print(f"  {reading}: rows {made / n * 1e6:8.1f} us/record, rules {ruled / n * 1e6:8.1f} us/record")
            print(f"  rows identical: {out['pandas'] == out['stdlib']} ({len(out['stdlib'][0]):,} loaded)")
            per_record = {r: fetch / n + sum(s) / n for r, s in seconds.items()}
            estimate[name] = {r: per * total for r, per in per_record.items()}
    finally:
        crm._stamp = original
        server.stop()
    print("\nwhole CRM history, CPU s extrapolated from the slice (fetch + rows + rules, contacts not included):")
    for reading in ("pandas", "stdlib"):
        print(f"  {reading}: {sum(e[reading] for e in estimate.values()):8.0f} s")
    print(f"load average (1/5/15 min): start {load_at_start}, end {tuple(round(x, 2) for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
