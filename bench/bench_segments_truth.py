"""Why segments miss the world's truth: each miss traced to the data behind it. Prints; asserts nothing.

bench/bench_warehouse_truth.py gives the precision and recall; this says where the misses come from, for a
warehouse already built from a world (e.g. the one `bench_warehouse_truth.py --keep DIR` leaves):

- service_due, per held vehicle: the truth's due flag (last service or delivery + the vendors.md interval at
  the vehicle's true annual mileage) against int_segments__vehicle_service's, by how the warehouse found the
  mileage (odometer_trend, lifetime_average, assumed) or "not in the DMS" (bought elsewhere, never serviced);
- dormant and at_risk, per record the warehouse gets wrong: whether the exports (deals, repair orders, leads,
  web sessions whose device ever logged in) hold any activity of that person in the window; when they hold
  none, the truth counts activity no source attributes (anonymous web sessions).

    .venv/bin/python bench/bench_segments_truth.py --warehouse DIR/j.duckdb --world DIR/world/medium-7-<day>
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

MONTH_DAYS, YEAR_DAYS = 30.44, 365.25


def world_table(world: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(world / f"{name}.parquet")


def truth_vehicle_due(world: Path, as_of: date) -> pd.DataFrame:
    """Per owned vehicle, the truth's rule at its true annual mileage (generate.py's ground truth)."""
    owned = world_table(world, "owned_vehicles")
    visits = world_table(world, "service_visits")
    last_visit = visits.groupby("vin")["visit_date"].max()
    clock = np.maximum(owned["acquired_date"], owned["vin"].map(last_visit).fillna(pd.Timestamp.min))
    synthetic = owned["oil_type"] == "synthetic"
    interval = np.minimum(
        np.where(synthetic, 12, 6) * MONTH_DAYS, np.where(synthetic, 10_000, 5_000) / owned["annual_miles"] * YEAR_DAYS
    )
    until = interval - (pd.Timestamp(as_of) - clock).dt.days
    return owned.assign(truth_due=(until <= 30) & (until >= -180))[["vin", "acquired_here", "truth_due"]]


def service_due_by_basis(db: duckdb.DuckDBPyConnection, world: Path, as_of: date) -> pd.DataFrame:
    predicted = db.execute(
        "select vin, bool_or(is_service_due) as predicted_due, any_value(annual_miles_basis) as basis"
        " from intermediate.int_segments__vehicle_service group by vin"
    ).df()
    vehicles = truth_vehicle_due(world, as_of).merge(predicted, on="vin", how="left")
    vehicles["basis"] = vehicles["basis"].fillna("not in the DMS")
    vehicles["predicted_due"] = vehicles["predicted_due"].astype("boolean").fillna(False).astype(bool)
    vehicles["outcome"] = np.select(
        [
            vehicles["truth_due"] & vehicles["predicted_due"],
            vehicles["truth_due"],
            vehicles["predicted_due"],
        ],
        ["both due", "missed (truth due)", "extra (truth not due)"],
        "both not due",
    )
    return pd.crosstab(vehicles["basis"], vehicles["outcome"], margins=True)


def exported_activity(world: Path, tz: dict[str, str]) -> pd.DataFrame:
    """(person_id, day, kind) of everything the exports let the warehouse attribute to a person."""
    person = world_table(world, "truth_identity").set_index("customer_id")["person_id"]

    def local_day(frame: pd.DataFrame, column: str) -> pd.Series:
        stamps = pd.to_datetime(frame[column], utc=True)
        return pd.Series(
            [s.tz_convert(tz[d]).date() for s, d in zip(stamps, frame["dealer_id"], strict=True)], index=frame.index
        )

    visits, sales, leads = (world_table(world, t) for t in ("service_visits", "sales", "leads"))
    sessions = world_table(world, "web_sessions")
    logged_in = sessions.dropna(subset=["user_id"]).groupby("client_id")["user_id"].last()
    sessions = sessions.assign(customer_id=sessions["client_id"].map(logged_in)).dropna(subset=["customer_id"])
    parts = [
        pd.DataFrame({"customer_id": visits["customer_id"], "day": visits["visit_date"].dt.date, "kind": "service"}),
        pd.DataFrame({"customer_id": sales["customer_id"], "day": local_day(sales, "sold_at"), "kind": "deal"}),
        pd.DataFrame({"customer_id": leads["customer_id"], "day": local_day(leads, "created_at"), "kind": "lead"}),
        pd.DataFrame({"customer_id": sessions["customer_id"], "day": sessions["date"].dt.date, "kind": "web"}),
    ]
    activity = pd.concat(parts, ignore_index=True)
    return activity.assign(person_id=activity["customer_id"].map(person))


def record_misses(db: duckdb.DuckDBPyConnection, world: Path) -> pd.DataFrame:
    """Per CRM/DMS record: truth and predicted dormant and at_risk (the bench's join: record -> customer_key)."""
    segments = db.execute(
        "select m.source_record_id as customer_id, s.dormant, s.at_risk"
        " from marts.customer_identity_map as m"
        " inner join marts.customer_segments_current as s on m.customer_key = s.customer_key"
        " where m.source in ('crm', 'dms')"
    ).df()
    truth = world_table(world, "truth_customer")[["customer_id", "person_id", "dormant", "at_risk"]]
    return truth.merge(segments.drop_duplicates("customer_id"), on="customer_id", suffixes=("_truth", ""))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warehouse", type=Path, required=True)
    ap.add_argument("--world", type=Path, required=True, help="the world directory the warehouse was loaded from")
    args = ap.parse_args()
    as_of = date.fromisoformat(json.loads((args.world / "world.json").read_text())["as_of"])
    with duckdb.connect(str(args.warehouse), read_only=True) as db:
        print(f"service_due per held vehicle (world {args.world.name}, as of {as_of}):")
        print(service_due_by_basis(db, args.world, as_of).to_string())
        records = record_misses(db, args.world)

    rooftops = world_table(args.world, "rooftops")
    activity = exported_activity(args.world, dict(zip(rooftops["dealer_id"], rooftops["timezone"], strict=True)))
    last_any = activity.groupby("person_id")["day"].max()
    last_touch = activity[activity["kind"].isin(["lead", "web"])].groupby("person_id")["day"].max()
    dormant_cut, quiet_cut = as_of - timedelta(days=365), as_of - timedelta(days=89)

    wrong = records[records["dormant"] & ~records["dormant_truth"]]
    seen = wrong["person_id"].map(last_any)
    unattributed = int((seen.isna() | (seen < dormant_cut)).sum())
    print(f"\ndormant predicted, truth active: {len(wrong):,} records; the exports hold no activity of the person")
    print(f"  in the window for {unattributed:,} of them (activity only in web sessions no login ties to them)")
    missed = int((~records["dormant"] & records["dormant_truth"]).sum())
    print(f"dormant truth, predicted active: {missed:,} records")

    wrong = records[records["at_risk"] & ~records["at_risk_truth"]]
    touch = wrong["person_id"].map(last_touch)
    unattributed = int((touch.isna() | (touch < quiet_cut)).sum())
    print(f"\nat_risk predicted, truth not: {len(wrong):,} records; no exported lead or logged-in session in 90 days")
    print(f"  for {unattributed:,} of them (a quiet lease end only because anonymous sessions are not theirs)")
    missed = int((~records["at_risk"] & records["at_risk_truth"]).sum())
    print(f"at_risk truth, predicted not: {missed:,} records")


if __name__ == "__main__":
    main()
