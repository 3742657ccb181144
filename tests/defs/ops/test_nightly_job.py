"""The nightly job, end to end on the small world: sandbox over HTTP -> DuckDB -> dbt -> checks."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from journey_assets.definitions import build_definitions
from journey_assets.sandbox.run import start_sandbox
from journey_assets.settings import load_settings


@pytest.fixture
def local_env(small_world_data_dir, tmp_path, monkeypatch):
    shutil.copytree(Path(small_world_data_dir) / "world", tmp_path / "world")
    monkeypatch.setenv("JOURNEY_ENV", "local")
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JOURNEY_DUCKDB_PATH", str(tmp_path / "journey.duckdb"))
    monkeypatch.delenv("JOURNEY_ROOFTOPS_FILE", raising=False)
    server = start_sandbox(load_settings(), size="small", seed=7)
    monkeypatch.setenv("JOURNEY_SANDBOX_URL", server.url)
    yield load_settings(), server
    server.stop()


# The inventory multi-asset's outputs: its raw table, its quarantine and the vendor calls it made.
INVENTORY_INGEST = [
    dg.AssetKey(["raw", "dealer_inventory"]),
    dg.AssetKey(["ops", "quarantine_dealer_inventory"]),
    dg.AssetKey(["ops", "vendor_calls_dealer_inventory"]),
]


def in_stock_on(world, day) -> pd.DataFrame:
    inventory = world.table("inventory")
    day = pd.Timestamp(day)
    return inventory[
        (pd.to_datetime(inventory["date_in_stock"]) <= day)
        & (inventory["date_sold"].isna() | (pd.to_datetime(inventory["date_sold"]) > day))
    ]


def test_nightly_job_builds_the_warehouse_and_quarantines_bad_vins(local_env):
    settings, server = local_env
    world = server.world
    defs = build_definitions(settings)
    nightly = defs.resolve_job_def("nightly")
    instance = dg.DagsterInstance.ephemeral()
    yesterday, today = world.as_of - timedelta(days=1), world.as_of

    first = nightly.execute_in_process(
        instance=instance, partition_key=yesterday.isoformat(), asset_selection=INVENTORY_INGEST
    )
    assert first.success
    result = nightly.execute_in_process(instance=instance, partition_key=today.isoformat())
    assert result.success

    # Every dbt test ran as an asset check, and passed.
    evaluations = result.get_asset_check_evaluations()
    dbt_checks = [e for e in evaluations if not e.check_name.startswith("no_quarantined")]
    assert len(dbt_checks) >= 10
    # ... and none at error severity failed (the KPI anomaly checks warn by design on two days of history)
    failed = [e.check_name for e in dbt_checks if not e.passed and e.severity != dg.AssetCheckSeverity.WARN]
    assert not failed, failed

    # What the world had in stock is what landed, minus exactly its corrupted VINs.
    stock = in_stock_on(world, today)
    corrupted = set(world.table("truth_vin_errors")["vehicle_uuid"]) & set(stock["vehicle_uuid"])
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as db:
        loaded = db.execute("select vehicle_id from raw.dealer_inventory where snapshot_date = ?", [today]).df()
        quarantined = db.execute(
            "select record_key, reason from ops.quarantine_dealer_inventory where snapshot_date = ?", [today]
        ).df()
        in_mart = db.execute("select count(*) from marts.dim_inventory_vehicles where is_in_stock").fetchone()[0]
        in_mart_all = db.execute("select count(*) from marts.dim_inventory_vehicles").fetchone()[0]
        days = db.execute("select count(distinct snapshot_date) from staging.stg_dealer__inventory").fetchone()[0]
    assert set(loaded["vehicle_id"]) == set(stock["vehicle_uuid"]) - corrupted
    assert set(quarantined["record_key"]) == corrupted
    assert quarantined["reason"].str.contains("VIN").all()
    assert in_mart == len(loaded)
    assert days == 2

    # dbt's tables carry their row counts (views are not counted, as in dagster-dbt).
    row_counts = {
        event.asset_key.to_user_string(): event.materialization.metadata.get("dagster/row_count")
        for event in result.get_asset_materialization_events()
    }
    assert row_counts["marts/dim_inventory_vehicles"].value == in_mart_all
    assert row_counts["staging/stg_dealer__inventory"] is None

    quarantine_check = next(
        e for e in evaluations if e.check_name == "no_quarantined_rows" and e.asset_key == INVENTORY_INGEST[0]
    )
    assert quarantine_check.passed == (not corrupted)

    # Re-running a partition replaces it: no duplicates.
    again = nightly.execute_in_process(
        instance=instance, partition_key=today.isoformat(), asset_selection=INVENTORY_INGEST
    )
    assert again.success
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as db:
        reloaded = db.execute("select count(*) from raw.dealer_inventory where snapshot_date = ?", [today]).fetchone()[
            0
        ]
    assert reloaded == len(loaded)

    # The sandbox recorded every page the pipeline asked for.
    pages = server.log.rows("dealer_inventory")
    assert pages and all(r["status"] == 200 for r in pages)
