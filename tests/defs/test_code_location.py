"""The code location loads in both environments, with the expected assets, checks, jobs and schedule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from journey_assets.definitions import build_definitions
from journey_assets.settings import load_settings

REPO = Path(__file__).resolve().parents[2]

# The spine of the batch plane; sources added later extend it, they must not break it.
EXPECTED_ASSETS = {
    "raw/dealer_inventory",
    "ops/quarantine_dealer_inventory",
    "staging/stg_dealer__inventory",
    "intermediate/int_inventory__price_changes",
    "marts/fct_inventory_price_history",
    "marts/dim_inventory_vehicles",
}


def test_local_code_location_loads_with_lineage_and_checks(monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    defs = build_definitions(load_settings())
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys >= EXPECTED_ASSETS
    staging = graph.get(dg.AssetKey(["staging", "stg_dealer__inventory"]))
    assert dg.AssetKey(["raw", "dealer_inventory"]) in staging.parent_keys
    check_names = {(c.asset_key.to_user_string(), c.name) for c in graph.asset_check_keys}
    assert ("raw/dealer_inventory", "no_quarantined_rows") in check_names
    assert any(asset == "marts/dim_inventory_vehicles" and name.startswith("unique") for asset, name in check_names)
    assert graph.get(dg.AssetKey(["raw", "dealer_inventory"])).freshness_policy is not None
    assert graph.get(dg.AssetKey(["marts", "dim_inventory_vehicles"])).freshness_policy is not None
    job = defs.resolve_job_def("nightly")
    assert job.tags.get("journey/warehouse") == "duckdb"
    assert defs.resolve_sensor_def("run_failure_alerts").default_status == dg.DefaultSensorStatus.RUNNING
    schedule = defs.resolve_schedule_def("nightly_schedule")
    assert schedule.cron_schedule == "0 3 * * *"
    assert type(defs.resources["io_manager"]).__name__ == "WarehouseDuckDBIOManager"


def test_prod_code_location_loads_with_bigquery_and_env_secrets(tmp_path):
    # A fresh interpreter: the environment is read at import, as in a deployed code location.
    script = (
        "import json; from journey_assets.definitions import defs;"
        "r = defs.resources;"
        "print(json.dumps({'io': type(r['io_manager']).__name__, 'dbt_target': r['dbt'].target,"
        " 'inventory_key': repr(r['dealer_inventory'].api_key), 'nightly_tags': defs.resolve_job_def('nightly').tags,"
        " 'assets': len(list(defs.resolve_asset_graph().get_all_asset_keys()))}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEY_")}
    env.update({"JOURNEY_ENV": "prod", "JOURNEY_DATA_DIR": str(tmp_path)})
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["io"] == "BigQueryPandasIOManager"
    assert loaded["dbt_target"] == "prod"
    assert "JOURNEY_DEALER_INVENTORY_API_KEY" in loaded["inventory_key"]  # an EnvVar, not a value
    assert "journey/warehouse" not in loaded["nightly_tags"]
    assert loaded["assets"] >= len(EXPECTED_ASSETS)


def test_every_check_says_what_it_checks_and_source_tests_are_checks_on_the_raw_tables(monkeypatch, tmp_path):
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    graph = build_definitions(load_settings()).resolve_asset_graph()
    checks = {(c.asset_key.to_user_string(), c.name): graph.get_check_spec(c) for c in graph.asset_check_keys}
    dbt_checks = {name: spec for name, spec in checks.items() if "dagster_dbt/unique_id" in spec.metadata}
    assert len(dbt_checks) >= 150  # every dbt test, the 38 on sources included
    undescribed = sorted(name for name, spec in checks.items() if not spec.description)
    assert not undescribed  # every check, the ingest stage's own included, says what it checks
    assert checks[("marts/dim_inventory_vehicles", "unique_dim_inventory_vehicles_vehicle_id")].description == (
        "`vehicle_id` is unique in marts/dim_inventory_vehicles."
    )
    # dbt's tests on sources check the raw tables the ingest stage writes, beside its quarantine check.
    raw_inventory = {name for asset, name in checks if asset == "raw/dealer_inventory"}
    assert "no_quarantined_rows" in raw_inventory
    assert any(name.startswith("source_not_null_") for name in raw_inventory), raw_inventory
