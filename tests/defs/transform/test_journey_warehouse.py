"""Journey stage spells and point-in-time features on the small world's warehouse (built once by the demo).

The spells and the current stage are checked against a plain re-derivation from the signal models (each
stage held on a day if one of its signals fell in its window; the first held stage of the precedence
wins), so a bug in the sweep that builds spells shows up as a disagreement. Features are recomputed in
pandas from the attributed sources for the earliest feature date, where later data could leak the most,
and an incremental nightly run must give the same rows as a full build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from journey_assets.defs.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR

VARS = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
STAGES = VARS["journey_stage_precedence"]
WINDOWS = {stage: VARS[f"journey_{stage}_window_days"] for stage in STAGES}


def query(warehouse, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse.duckdb_path), read_only=True) as db:
        return db.execute(sql).df()


def as_of(warehouse) -> date:
    return warehouse.world.as_of


def test_every_rooftop_has_spells_a_current_stage_and_features(small_warehouse):
    rooftops = set(small_warehouse.world.table("rooftops")["dealer_id"])
    assert rooftops
    for table in ("fct_customer_journey_stages", "customer_journey_stage_current", "fct_customer_features_daily"):
        counts = query(small_warehouse, f"select dealer_id, count(*) as n from marts.{table} group by 1")
        assert set(counts["dealer_id"]) == rooftops, table
        assert (counts["n"] > 0).all(), table
    stages = set(query(small_warehouse, "select distinct stage from marts.fct_customer_journey_stages")["stage"])
    assert stages == set(STAGES)


def test_spells_follow_each_other_without_overlap(small_warehouse):
    spells = query(
        small_warehouse,
        "select customer_key, stage, entered_on, exited_on from marts.fct_customer_journey_stages"
        " order by customer_key, entered_on",
    )
    assert (spells["exited_on"].isna() | (spells["exited_on"] > spells["entered_on"])).all()
    following = spells.groupby("customer_key")["entered_on"].shift(-1)
    has_next = following.notna()
    # the next spell starts on or after this one's exit, and only the last spell can still hold
    assert spells.loc[has_next, "exited_on"].notna().all()
    assert (following[has_next] >= spells.loc[has_next, "exited_on"]).all()
    # back to back, two spells of the same customer never share a stage (they would be one spell)
    same_day = has_next & (following == spells["exited_on"])
    next_stage = spells.groupby("customer_key")["stage"].shift(-1)
    assert (spells.loc[same_day, "stage"] != next_stage[same_day]).all()


def stage_on(signals: pd.DataFrame, day: date) -> pd.Series:
    """Each customer's stage on `day` straight from the signals: the first held stage of the precedence."""
    day = pd.Timestamp(day)
    held = signals[
        (signals["signal_date"] <= day)
        & (signals["signal_date"] > day - pd.to_timedelta(signals["stage"].map(WINDOWS), unit="D"))
    ]
    rank = held["stage"].map({stage: i for i, stage in enumerate(STAGES)})
    return held.assign(rank=rank).sort_values("rank").drop_duplicates("customer_key").set_index("customer_key")["stage"]


@pytest.fixture(scope="module")
def signals(small_warehouse) -> pd.DataFrame:
    union = " union all ".join(
        f"select customer_key, '{stage}' as stage, signal_date from intermediate.int_journey__{stage}_signals"
        for stage in STAGES
    )
    frame = query(small_warehouse, union)
    frame["signal_date"] = pd.to_datetime(frame["signal_date"])
    return frame


def test_the_current_stage_is_the_first_held_stage_of_the_precedence_on_as_of(small_warehouse, signals):
    expected = stage_on(signals, as_of(small_warehouse))
    current = query(small_warehouse, "select customer_key, stage from marts.customer_journey_stage_current")
    assert len(expected) > 100
    assert current.set_index("customer_key")["stage"].sort_index().to_dict() == expected.sort_index().to_dict()


def test_the_spells_give_every_customer_the_signals_stage_on_every_day(small_warehouse, signals):
    spells = query(
        small_warehouse, "select customer_key, stage, entered_on, exited_on from marts.fct_customer_journey_stages"
    )
    spells["entered_on"] = pd.to_datetime(spells["entered_on"])
    spells["exited_on"] = pd.to_datetime(spells["exited_on"]).fillna(
        pd.Timestamp(as_of(small_warehouse)) + pd.Timedelta(days=1)
    )
    # days across the history: the web window, the years of deals and service visits
    for days_back in (0, 7, 29, 45, 88, 200, 400, 900):
        day = as_of(small_warehouse) - timedelta(days=days_back)
        ts = pd.Timestamp(day)
        holding = spells[(spells["entered_on"] <= ts) & (spells["exited_on"] > ts)]
        assert not holding["customer_key"].duplicated().any(), day
        got = holding.set_index("customer_key")["stage"].sort_index().to_dict()
        assert got == stage_on(signals, day).sort_index().to_dict(), day


def test_features_on_the_earliest_day_count_only_what_was_known_by_then(small_warehouse):
    features = query(
        small_warehouse,
        "select customer_key, feature_date, vdp_views_30d, sessions_30d, leads_90d, latest_lead_type_30d,"
        " prior_purchases from marts.fct_customer_features_daily"
        " where feature_date = (select min(feature_date) from marts.fct_customer_features_daily)",
    ).set_index("customer_key")
    day = pd.Timestamp(features["feature_date"].iloc[0])
    assert day < pd.Timestamp(as_of(small_warehouse))

    # sessions from staging: a device's session counts once the device had logged in, by the feature date
    sessions = query(
        small_warehouse,
        "select m.customer_key, s.user_pseudo_id, s.user_id, s.session_date, s.vdp_views"
        " from staging.stg_ga4__export_sessions s join marts.customer_identity_map m"
        " on m.source = 'ga4' and m.source_record_id = s.user_pseudo_id",
    )
    sessions["session_date"] = pd.to_datetime(sessions["session_date"])
    logins = sessions[sessions["user_id"].notna()].groupby("user_pseudo_id")["session_date"].min()
    sessions["identified_on"] = sessions["user_pseudo_id"].map(logins)
    known = sessions[
        (sessions["session_date"] <= day)
        & (sessions["session_date"] > day - pd.Timedelta(days=30))
        & (sessions["identified_on"] <= day)
    ]
    vdp = known.groupby("customer_key")["vdp_views"].sum()
    assert vdp.sum() > 0
    assert features["vdp_views_30d"].to_dict() == vdp.reindex(features.index, fill_value=0).to_dict()
    count = known.groupby("customer_key").size()
    assert features["sessions_30d"].to_dict() == count.reindex(features.index, fill_value=0).to_dict()

    leads = query(
        small_warehouse,
        "select customer_key, crm_lead_id, lead_type, created_at, lead_on from intermediate.int_journey__customer_leads",
    )
    leads["lead_on"] = pd.to_datetime(leads["lead_on"])
    in_90 = leads[(leads["lead_on"] <= day) & (leads["lead_on"] > day - pd.Timedelta(days=90))]
    assert (
        features["leads_90d"].to_dict()
        == in_90.groupby("customer_key").size().reindex(features.index, fill_value=0).to_dict()
    )
    in_30 = in_90[in_90["lead_on"] > day - pd.Timedelta(days=30)].sort_values(["created_at", "crm_lead_id"])
    latest = in_30.drop_duplicates("customer_key", keep="last").set_index("customer_key")["lead_type"]
    assert len(latest) > 0
    assert features["latest_lead_type_30d"].dropna().sort_index().to_dict() == latest.sort_index().to_dict()

    vehicles = query(
        small_warehouse,
        "select customer_key, acquired_date from intermediate.int_journey__customer_vehicles where acquired_here",
    )
    bought = vehicles[pd.to_datetime(vehicles["acquired_date"]) <= day].groupby("customer_key").size()
    assert features["prior_purchases"].to_dict() == bought.reindex(features.index, fill_value=0).to_dict()


def run_dbt(database: Path, target: Path, *args: str) -> None:
    env = {**os.environ, "JOURNEY_ENV": "local", "JOURNEY_DUCKDB_PATH": str(database)}
    result = subprocess.run(
        [DBT_EXECUTABLE, "run", "--target-path", str(target), *args],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def test_a_nightly_incremental_run_gives_the_rows_a_full_build_gives(small_warehouse, tmp_path):
    database = tmp_path / "journey.duckdb"
    shutil.copy(small_warehouse.duckdb_path, database)
    day = as_of(small_warehouse)
    select = ["--select", "fct_customer_features_daily"]
    # the night before: a full build ending the day before as_of, then the nightly run adds as_of
    run_dbt(
        database, tmp_path / "target", *select, "--full-refresh", "--vars", f"{{as_of_date: {day - timedelta(days=1)}}}"
    )
    with duckdb.connect(str(database), read_only=True) as db:
        assert db.execute("select max(feature_date) from marts.fct_customer_features_daily").fetchone()[0] < day
    run_dbt(database, tmp_path / "target", *select, "--vars", f"{{as_of_date: {day}}}")
    columns = "* exclude (feature_date), cast(feature_date as date) as feature_date"
    with duckdb.connect(str(database), read_only=True) as db:
        db.execute(f"attach '{small_warehouse.duckdb_path}' as full_build (read_only)")
        newest = db.execute(
            f"select {columns} from marts.fct_customer_features_daily where feature_date = ?"
            f" except select {columns} from full_build.marts.fct_customer_features_daily",
            [day],
        ).fetchall()
        overlap = db.execute(
            f"select count(*) from (select {columns} from full_build.marts.fct_customer_features_daily"
            f" except select {columns} from marts.fct_customer_features_daily)"
        ).fetchone()[0]
        days = db.execute("select count(distinct feature_date) from marts.fct_customer_features_daily").fetchone()[0]
    assert newest == []
    assert overlap == 0  # every row of the full build is there, the day before included
    assert days == VARS["features_window_days"] + 1
