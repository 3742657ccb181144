"""Diff, normalize and hash a one-million-member Meta audience (issue 11's target: >= 500,000 rows/s).

Synthetic members (generated here; no world needed): a desired audience of N people against a last accepted
state that shares 95 % of them. Prints rows per second for

- diff: `journey.audience.diff_audience` on the primary keys (adds, removes, unchanged);
- normalize+hash: the per-row path (`meta_row`, the baseline, timed on a sample) and the vectorized path
  (`meta_rows`: DuckDB SHA-256 for email and phone, once per distinct value for the rest) on every member,
  for the destination's nine-key schema and for an email + phone schema; the two paths' rows are compared
  on the sample, so a faster path that hashed differently would say so;
- both: diff, then hash every desired member (what a full refresh sends).

    nice .venv/bin/python bench/bench_audience_hashing.py [--members 1000000] [--sample 50000]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from journey_assets.activation.meta_audience import SCHEMA
from journey_assets.journey.audience import diff_audience, meta_row, meta_rows

FIRST = ["Ann", "José", "Bob", "Mary-Kate", "Li", "O'Brien", "Zoë", "Sam"]
LAST = ["Smith", "García", "Nguyen", "O'Neil", "Brown", "Müller", "Lee"]
CITIES = ["Atlanta", "Marietta", "St. Louis", "Kansas City", "Decatur"]
STATES = ["GA", "Georgia", "MO", "missouri", "KS"]


def members(n: int, seed: int = 7) -> dict[str, list]:
    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    pick = lambda options: [options[i] for i in rng.integers(0, len(options), n)]  # noqa: E731
    return {
        "external_id": [f"ck_{i:09d}" for i in ids],
        "email": [f" Owner.{i}@Example.com " if i % 7 else f"owner{i}@mail.example.org" for i in ids],
        "phone": [f"(404) {i % 10_000_000:07d}" if i % 5 else None for i in ids],
        "fn": pick(FIRST),
        "ln": pick(LAST),
        "zip": [f"{30000 + int(z):05d}-{int(z) % 9999:04d}" for z in rng.integers(0, 900, n)],
        "ct": pick(CITIES),
        "st": pick(STATES),
        "country": ["US"] * n,
    }


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:>12,.0f} rows/s  ({seconds:.2f} s for {rows:,})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000, help="members the per-row baseline hashes")
    args = parser.parse_args()
    n = args.members
    print(f"audience: {n:,} members; cpus {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")

    built = time.perf_counter()
    desired = members(n)
    keys = desired["external_id"]
    shift = n // 20  # 5 % leave, 5 % arrive
    accepted = [f"ck_{i:09d}" for i in range(shift, n + shift)]
    print(f"generated in {time.perf_counter() - built:.1f} s")

    started = time.perf_counter()
    diff = diff_audience(keys, accepted)
    diff_s = time.perf_counter() - started
    print(f"diff                      {rate(n, diff_s)}  adds {len(diff.adds):,} removes {len(diff.removes):,}")

    columns = {k.upper(): v for k, v in desired.items()}
    meta_rows({k: v[:10] for k, v in columns.items()}, list(SCHEMA))  # imports (DuckDB, pyarrow) off the clock
    for label, schema in (("nine keys", list(SCHEMA)), ("email+phone", ["EMAIL", "PHONE"])):
        sample = min(args.sample, n)
        records = [{k: columns[k][i] for k in columns} for i in range(sample)]
        started = time.perf_counter()
        baseline = [meta_row(r, schema) for r in records]
        per_row_s = time.perf_counter() - started
        started = time.perf_counter()
        fast = meta_rows(columns, schema)
        fast_s = time.perf_counter() - started
        same = [list(r) for r in fast[:sample]] == baseline
        print(f"hash {label:<12} per-row {rate(sample, per_row_s)}")
        print(
            f"hash {label:<12} vector  {rate(n, fast_s)}  x{(n / fast_s) / (sample / per_row_s):.1f}, same rows: {same}"
        )
        if not same:
            raise SystemExit("the vectorized rows differ from meta_row")
        both = diff_s + fast_s
        print(
            f"diff+hash {label:<12}    {rate(n, both)}  target 500,000: {'met' if n / both >= 500_000 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
