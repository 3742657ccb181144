"""The GA4 export end to end on the small world: the sandbox writes it, the local asset lands it, dbt stages it.

Real assets and resources against the real sandbox over HTTP (the Data API reports for the reconciliation),
a temporary DuckDB, and dbt run as the code location runs it, on the models of the export only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from journey_assets.defs.ingest.ga4 import ga4
from journey_assets.defs.ingest.ga4_export import ga4_export_events
from journey_assets.defs.ingest.reference import rooftops_config
from journey_assets.defs.resources import ingest_resources, warehouse_resources
from journey_assets.defs.transform.project import DBT_EXECUTABLE, DBT_PROJECT_DIR
from journey_assets.sandbox.run import start_sandbox
from journey_assets.settings import load_settings

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
SELECTION = [
    "+stg_ga4__export_sessions",
    "int_ga4__user_stitching",
    "stg_ga4__sessions",
]  # with the Data API, reconciled
RECONCILIATION = "assert_export_sessions_match_the_data_api"


class Warehouse:
    def __init__(self, root: Path, world):
        self.root, self.world = root, world
        self.database = root / "journey.duckdb"

    def dbt_build(self, as_of: date, *extra: str) -> dict[str, str]:
        """`dbt build` of the export's models as of a day; returns each node's status."""
        target = self.root / "dbt-target"
        env = {**os.environ, "JOURNEY_ENV": "local", "JOURNEY_DUCKDB_PATH": str(self.database)}
        result = subprocess.run(
            [DBT_EXECUTABLE, "build", "--select", *SELECTION, "--vars", json.dumps({"as_of_date": str(as_of)})]
            # cautious: a test runs only when all its models are selected (not a mart's relationship test to
            # the rooftops, which are selected here, while the mart is not built)
            + ["--indirect-selection", "cautious", "--target-path", str(target), *extra],
            cwd=DBT_PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-4000:]
        results = json.loads((target / "run_results.json").read_text())["results"]
        return {r["unique_id"].split(".")[-1]: r["status"] for r in results}

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(str(self.database), read_only=True) as db:
            return db.execute(sql).df()

    def table(self, name: str, order: str) -> pd.DataFrame:
        return self.query(f"select * from {name} order by {order}").reset_index(drop=True)


@pytest.fixture(scope="module")
def warehouse(small_world_data_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("ga4-export-warehouse")
    shutil.copytree(Path(small_world_data_dir) / "world", root / "world")
    patch = pytest.MonkeyPatch()
    patch.setenv("JOURNEY_ENV", "local")
    patch.setenv("JOURNEY_DATA_DIR", str(root))
    patch.setenv("JOURNEY_DUCKDB_PATH", str(root / "journey.duckdb"))
    for name in ("JOURNEY_ROOFTOPS_FILE", "JOURNEY_GA4_EXPORT_DIR"):
        patch.delenv(name, raising=False)
    server = start_sandbox(load_settings(), size="small", seed=7)
    patch.setenv("JOURNEY_SANDBOX_URL", server.url)
    try:
        settings = load_settings()
        resources = {**warehouse_resources(settings), **ingest_resources(settings)}
        resources = {k: v for k, v in resources.items() if k in ("io_manager", "rooftops", "ga4", "ga4_export_landing")}
        world = server.world
        web_window = {RANGE_START_TAG: world.web_first_day.isoformat(), RANGE_END_TAG: world.as_of.isoformat()}
        assert dg.materialize([ga4, ga4_export_events], resources=resources, tags=web_window).success
        assert dg.materialize([rooftops_config], resources=resources).success  # property -> rooftop
        house = Warehouse(root, world)
        house.resources = resources
        house.first_build = house.dbt_build(world.as_of)
        yield house
    finally:
        server.stop()
        patch.undo()


def test_the_export_lands_as_day_tables_per_property_under_bigquerys_names(warehouse):
    world = warehouse.world
    tables = warehouse.query("select schema_name, table_name from duckdb_tables() where schema_name like 'analytics_%'")
    assert set(tables["schema_name"]) == {f"analytics_{p}" for p in world.table("rooftops")["ga4_property_id"]}
    assert len(tables) == 3 * 90
    nesting = warehouse.query(
        "select data_type from duckdb_columns() where table_name = 'events_20261123' and column_name = 'event_params'"
    )
    assert set(nesting["data_type"]) == {
        'STRUCT("key" VARCHAR, "value" STRUCT(string_value VARCHAR, int_value BIGINT, float_value DOUBLE, '
        "double_value DOUBLE))[]"
    }


def test_export_sessions_reproduce_the_worlds_sessions_per_rooftop_and_day(warehouse):
    sessions = warehouse.world.table("web_sessions")
    expected = (
        sessions.assign(day=sessions["date"].dt.strftime("%Y-%m-%d"))
        .groupby(["dealer_id", "day"])
        .agg(sessions=("session_id", "size"), page_views=("pageviews", "sum"), vdp_views=("vdp_views", "sum"))
        .reset_index()
    )
    staged = warehouse.query(
        "select dealer_id, strftime(session_date, '%Y-%m-%d') as day, count(*) as sessions,"
        " sum(page_views) as page_views, sum(vdp_views) as vdp_views"
        " from staging.stg_ga4__export_sessions group by all order by all"
    )
    pd.testing.assert_frame_equal(staged, expected, check_dtype=False)
    assert warehouse.first_build["stg_ga4__export_sessions"] == "success"


def test_sessions_keep_their_traffic_source_channel_and_engagement(warehouse):
    world = warehouse.world.table("web_sessions")
    staged = warehouse.query(
        "select ga_session_id, user_pseudo_id, source, medium, campaign_id, default_channel_group, is_engaged,"
        " landing_page_path from staging.stg_ga4__export_sessions"
    )
    joined = world.merge(
        staged,
        left_on=["client_id", "ga_session_id"],
        right_on=["user_pseudo_id", "ga_session_id"],
        suffixes=("", "_x"),
    )
    assert len(joined) == len(world)
    assert (joined["source"] == joined["source_x"]).all() and (joined["medium"] == joined["medium_x"]).all()
    assert (joined["campaign_id"].fillna("") == joined["campaign_id_x"].fillna("")).all()
    assert (joined["engaged"] == joined["is_engaged"]).all()
    assert (joined["landing_page"] == joined["landing_page_path"]).all()
    channel = {
        "organic": "Organic Search",
        "paid_search": "Paid Search",
        "paid_social": "Paid Social",
        "email": "Email",
        "direct": "Direct",
        "referral": "Referral",
    }
    assert (joined["channel"].map(channel) == joined["default_channel_group"]).all()


def test_stitching_gives_a_devices_anonymous_sessions_before_login_to_its_user(warehouse):
    sessions = warehouse.world.table("web_sessions").sort_values("started_at")
    logged_in = sessions[sessions["user_id"].notna()]
    first_login = logged_in.groupby("client_id")["started_at"].min()
    last_user = logged_in.groupby("client_id")["user_id"].last()
    before = sessions[sessions["user_id"].isna() & sessions["client_id"].isin(first_login.index)]
    before = before[before["started_at"] < before["client_id"].map(first_login)]
    assert len(before) > 20  # the small world has devices browsing anonymously before they log in

    stitched = warehouse.query(
        "select s.ga_session_id, s.user_pseudo_id, s.user_id as session_user_id, m.user_id"
        " from staging.stg_ga4__export_sessions s"
        " left join intermediate.int_ga4__user_stitching m on s.user_pseudo_id = m.user_pseudo_id"
    )
    found = before.merge(stitched, left_on=["client_id", "ga_session_id"], right_on=["user_pseudo_id", "ga_session_id"])
    assert len(found) == len(before)
    assert found["session_user_id"].isna().all()  # anonymous in the export...
    assert (found["user_id_y"] == found["client_id"].map(last_user)).all()  # ...and the user's once stitched
    mapping = warehouse.query("select user_pseudo_id, user_id from intermediate.int_ga4__user_stitching")
    assert set(mapping["user_pseudo_id"]) == set(first_login.index)
    assert dict(zip(mapping["user_pseudo_id"], mapping["user_id"], strict=True)) == last_user.to_dict()


def test_export_sessions_reconcile_with_the_data_api(warehouse):
    statuses = {k: v for k, v in warehouse.first_build.items() if RECONCILIATION in k}
    assert list(statuses.values()) == ["pass"]


def test_rerunning_days_is_idempotent_and_a_run_after_a_gap_catches_up(warehouse):
    world = warehouse.world
    events_order, sessions_order = "event_key", "session_key"
    full_events = warehouse.table("staging.stg_ga4__export_events", events_order)
    full_sessions = warehouse.table("staging.stg_ga4__export_sessions", sessions_order)
    assert len(full_events) > 20_000

    # The nightly run again: the last day re-landed, the last three days re-read.
    last = world.as_of.isoformat()
    assert dg.materialize([ga4_export_events], resources=warehouse.resources, partition_key=last).success
    statuses = warehouse.dbt_build(world.as_of)
    assert statuses["stg_ga4__export_events"] == "success"
    pd.testing.assert_frame_equal(warehouse.table("staging.stg_ga4__export_events", events_order), full_events)
    pd.testing.assert_frame_equal(warehouse.table("staging.stg_ga4__export_sessions", sessions_order), full_sessions)

    # Built as of a week earlier, then incrementally as of the last day: the same tables as one full build.
    warehouse.dbt_build(world.as_of - timedelta(days=7), "--full-refresh")
    earlier = warehouse.query("select max(session_date) as d from staging.stg_ga4__export_sessions")["d"][0]
    assert pd.Timestamp(earlier).date() == world.as_of - timedelta(days=7)
    warehouse.dbt_build(world.as_of)
    pd.testing.assert_frame_equal(warehouse.table("staging.stg_ga4__export_events", events_order), full_events)
    pd.testing.assert_frame_equal(warehouse.table("staging.stg_ga4__export_sessions", sessions_order), full_sessions)
