"""Benchmark the retention campaigns' runner over a SQLite response ledger: what a nightly and an hourly rerun cost.

Builds `--people` synthetic audience rows (service_due, a written SMS consent, Chicago), then times in CPU
and wall seconds:
  first   the first pass at noon Chicago with no vendor client: every send is decided through the send
          policy and deferred (claim + finish: two ledger writes a person), as a nightly run's decisions cost
  rerun   the same rows an hour earlier than the deferral's retry: a read per person, no write (what the
          hourly `retention_campaigns` job pays for people not due)
  dry     a dry run of fresh rows: decisions and renders, no ledger writes
No vendor is called (the sends' HTTP cost is the vendors'). Prints, asserting nothing.

    .venv/bin/python bench/bench_retention_campaigns.py [--people 5000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from journey_assets.activation.campaigns import CampaignDeps, load_campaigns, run_campaigns
from journey_assets.response.ledger_sqlite import SQLiteLedger

AS_OF = date(2026, 11, 23)
NOON_CHICAGO = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def rows(n: int, prefix: str) -> list[dict]:
    return [
        {
            "audience": "service_due",
            "customer_key": f"{prefix}{i:07d}",
            "dealer_id": "D01",
            "first_name": "Ann",
            "email": f"{prefix}{i}@example.com",
            "phone": f"+1312{i % 10_000_000:07d}",
            "email_consent": True,
            "sms_consent": True,
            "zip5": "60614",
            "rooftop_timezone": "America/Chicago",
            "preferred_channel": "sms",
            "vehicle_name": "2021 Honda Civic",
            "next_service_due_date": date(2026, 12, 10),
            "rooftop_name": "Lakeside Honda",
            "rooftop_phone": "+13125550100",
            "rooftop_address": "100 N Lake St, Chicago, IL 60601",
            "rooftop_website": "https://www.lakesidehonda.example",
        }
        for i in range(n)
    ]


def timed(label: str, n: int, fn) -> None:  # type: ignore[no-untyped-def]
    cpu, wall = time.process_time(), time.perf_counter()
    report = fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{label:6s} {n:>7,} people  {wall:7.2f} s wall  {cpu:7.2f} s CPU  {n / wall:9,.0f} people/s  "
        f"decisions={len(report.sends):,} already={sum(report.already.values()):,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    args = parser.parse_args()
    campaigns = tuple(c for c in load_campaigns() if c.key == "service_reminder")
    with tempfile.TemporaryDirectory() as tmp:
        ledger = SQLiteLedger(Path(tmp) / "ledger.sqlite3")
        people = rows(args.people, "p")
        first = CampaignDeps(ledger, None, None, clock=lambda: NOON_CHICAGO)
        timed("first", args.people, lambda: run_campaigns(campaigns, people, first, as_of=AS_OF))
        rerun = CampaignDeps(ledger, None, None, clock=lambda: NOON_CHICAGO + timedelta(minutes=5))
        timed("rerun", args.people, lambda: run_campaigns(campaigns, people, rerun, as_of=AS_OF))
        dry = CampaignDeps(ledger, None, None, clock=lambda: NOON_CHICAGO, dry_run=True)
        fresh = rows(args.people, "q")
        timed("dry", args.people, lambda: run_campaigns(campaigns, fresh, dry, as_of=AS_OF))
        ledger.close()


if __name__ == "__main__":
    main()
