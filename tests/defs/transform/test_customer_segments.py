"""The segment marts on the small world's warehouse (the demo's first run): one wide row per customer, the
same memberships as rows with a reason each, every rooftop covered, and the rules re-checked from the marts'
own columns. (bench/warehouse_truth.py scores them against the world's truth; this checks their shape.)"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd
import pytest

BOOLEAN_SEGMENTS = ("service_due", "dormant", "lease_end_window", "high_value", "at_risk")


@pytest.fixture(scope="module")
def marts(small_warehouse):
    with duckdb.connect(str(small_warehouse.duckdb_path), read_only=True) as db:
        current = db.execute("select * from marts.customer_segments_current").df()
        memberships = db.execute("select * from marts.fct_customer_segments").df()
        customers = db.execute("select customer_key, dealer_id from marts.dim_customers").df()
        rooftops = db.execute("select dealer_id from staging.stg_dealer__rooftops").df()
        vehicles = db.execute("select * from intermediate.int_segments__vehicle_service").df()
    return current, memberships, customers, rooftops, vehicles, small_warehouse.world.as_of


def test_one_row_per_customer_and_every_rooftop_has_segments(marts):
    current, memberships, customers, rooftops, _, _ = marts
    assert sorted(current["customer_key"]) == sorted(customers["customer_key"])
    assert set(rooftops["dealer_id"]) == set(current["dealer_id"]) == set(memberships["dealer_id"])
    for dealer_id, rows in memberships.groupby("dealer_id"):
        assert {"retention", "behavioral", "demographic", "preference"} <= set(rows["segment_family"]), dealer_id
    assert memberships["reason"].notna().all() and (memberships["reason"].str.len() > 0).all()


def test_the_wide_flags_and_the_membership_rows_agree(marts):
    current, memberships, *_ = marts
    members = memberships.groupby("segment")["customer_key"].apply(set)
    for segment in BOOLEAN_SEGMENTS:
        flagged = set(current.loc[current[segment], "customer_key"])
        assert flagged, f"the small world has {segment} customers"
        assert flagged == members.get(segment, set()), segment
    for state in ("active", "recently_lost", "defected", "never"):
        assert set(current.loc[current["service_state"] == state, "customer_key"]) == members[f"service_{state}"]
    # every customer is in exactly one service state
    states = memberships[memberships["segment"].str.startswith("service_") & (memberships["segment"] != "service_due")]
    assert states["customer_key"].is_unique and len(states) == len(current)


def test_service_state_and_due_follow_the_dates_they_report(marts):
    current, memberships, _, _, vehicles, as_of = marts
    last = current.dropna(subset=["last_service_date"])
    since = pd.to_datetime(last["last_service_date"]).map(lambda day: (as_of - day.date()).days)
    assert (last.loc[since <= 365, "service_state"] == "active").all()
    assert (last.loc[(since > 365) & (since <= 730), "service_state"] == "recently_lost").all()
    assert (last.loc[since > 730, "service_state"] == "defected").all()
    assert (current.loc[current["last_service_date"].isna(), "service_state"] == "never").all()

    due = vehicles[vehicles["is_service_due"]]
    assert len(due) > 0
    assert (due["days_until_service_due"].between(-180, 30)).all()
    window = vehicles[vehicles["is_in_lease_end_window"]]
    maturities = pd.to_datetime(window["lease_maturity_date"]).dt.date
    assert len(window) > 0 and maturities.map(lambda day: as_of <= day <= as_of + timedelta(days=183)).all()
    reasons = memberships.loc[memberships["segment"] == "service_due", "reason"]
    assert reasons.str.contains(r"\d{4} .+ (?:next oil service due|oil service overdue since) \d{4}-\d{2}-\d{2}").all()
    assert reasons.str.contains(r"mi/yr").all()
