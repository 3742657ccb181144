"""A sync asset materialized in process, with the stage's resources pointed at the sandbox and a DuckDB file."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pytest
from support.activation_sync import AS_OF, people_frame

from journey_assets.defs.activate.resources import ActivationWarehouseResource, CustomerIOTrackResource
from journey_assets.defs.activate.syncs import SPECS, build_sync_asset, sync_key
from journey_assets.defs.ingest.resources import MetaResource
from journey_assets.sandbox.credentials import write_credentials_file
from journey_assets.sandbox.server import SandboxServer
from journey_assets.sandbox.world import World


@pytest.fixture
def sandbox(tmp_path):
    server = SandboxServer(World(size="small", seed=1, as_of=AS_OF, tables={}), record_path=tmp_path / "r.sqlite3")
    with server:
        yield server


def test_the_people_sync_asset_materializes_against_the_sandbox(sandbox, tmp_path):
    path = str(tmp_path / "warehouse.duckdb")
    with duckdb.connect(path) as db:
        frame = people_frame(12).assign(
            sms_consent=True,
            stage_entered_on=None,
            segments="service_due",
            preferred_channel="email",
            best_send_hour=10,
            lease_maturity_date=None,
        )
        db.register("frame", frame)
        db.execute("create schema marts")
        db.execute("create table marts.activation_people as select * from frame")
    creds = write_credentials_file(tmp_path / "credentials.json")  # what the sandbox writes when it starts
    [spec] = [s for s in SPECS if s.name == "customerio_people"]
    resources = {
        "activation_warehouse": ActivationWarehouseResource(duckdb_path=path),
        "activation_customerio": CustomerIOTrackResource(
            base_url=sandbox.vendor_url("customerio"), credentials_file=str(creds)
        ),
    }
    asset = build_sync_asset(spec)
    assert asset.key == sync_key(spec) == dg.AssetKey(["activation", "customerio_people"])
    assert dg.AssetKey(["marts", "activation_people"]) in asset.dependency_keys

    first = dg.materialize([asset], resources=resources)
    assert first.success
    [materialization] = first.asset_materializations_for_node(asset.op.name)
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert (metadata["added"], metadata["failed"], metadata["dry_run"], metadata["match_rate"]) == (12, 0, False, None)
    assert sandbox.fakes["customerio"].people["ck0003"]["segments"] == "service_due"

    second = dg.materialize([asset], resources=resources)
    [again] = second.asset_materializations_for_node(asset.op.name)
    assert (again.metadata["added"].value, again.metadata["unchanged"].value) == (0, 12)
    batches = [r for r in sandbox.log.rows("customerio") if r["path"] == "/api/v2/batch"]
    assert len(batches) == 1 and len(json.loads(batches[0]["body"])["batch"]) == 12


def test_a_sync_over_the_failed_share_fails_the_asset_after_recording(sandbox, tmp_path):
    path = str(tmp_path / "warehouse.duckdb")
    with duckdb.connect(path) as db:
        frame = people_frame(12).assign(
            sms_consent=True,
            stage_entered_on=None,
            segments=None,
            preferred_channel="email",
            best_send_hour=10,
            lease_maturity_date=None,
        )
        db.register("frame", frame)
        db.execute("create schema marts")
        db.execute("create table marts.activation_people as select * from frame")
    creds = write_credentials_file(tmp_path / "credentials.json")
    [spec] = [s for s in SPECS if s.name == "customerio_people"]
    sandbox.inject("customerio", "partial", times=1)
    result = dg.materialize(
        [build_sync_asset(spec)],
        resources={
            "activation_warehouse": ActivationWarehouseResource(duckdb_path=path),
            "activation_customerio": CustomerIOTrackResource(
                base_url=sandbox.vendor_url("customerio"), credentials_file=str(creds)
            ),
        },
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
    assert "6 of 12 rows failed" in failure.step_failure_data.error.message
    with duckdb.connect(path, read_only=True) as db:
        assert db.execute("select count(*) from ops.sync_state").fetchone()[0] == 6


def test_no_track_credentials_is_a_clear_error(tmp_path):
    empty = tmp_path / "credentials.json"
    empty.write_text("{}")
    resource = CustomerIOTrackResource(base_url="http://127.0.0.1:1/customerio", credentials_file=str(empty))
    with pytest.raises(ValueError, match="no Customer.io Track API site id / API key: .* restart the sandbox"):
        resource.client()


def test_the_sensor_asks_for_one_run_per_materialization_of_the_model():
    from journey_assets.defs.activate.syncs import sync_assets, sync_jobs, sync_sensors

    [sensor] = [s for s in sync_sensors if s.name == "activate_customerio_people_on_model"]
    resources = {
        "activation_warehouse": ActivationWarehouseResource(duckdb_path="unused.duckdb"),
        "activation_customerio": CustomerIOTrackResource(base_url="http://127.0.0.1:1/customerio"),
        "meta": MetaResource(base_url="http://127.0.0.1:1/meta", access_token="unused"),  # the Meta syncs'
    }
    defs = dg.Definitions(assets=sync_assets, jobs=list(sync_jobs.values()), sensors=sync_sensors, resources=resources)
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(instance=instance, definitions=defs)
        assert sensor.evaluate_tick(context).run_requests == []  # nothing materialized yet
        instance.report_runless_asset_event(dg.AssetMaterialization(asset_key=["marts", "activation_people"]))
        context = dg.build_sensor_context(instance=instance, definitions=defs)
        result = sensor.evaluate_tick(context)
        [request] = result.run_requests  # the sensor's one job: this sync's
        assert sensor.job_name == "activate_customerio_people" and request.run_key.startswith("customerio_people:")
        again = dg.build_sensor_context(instance=instance, definitions=defs, cursor=result.cursor)
        assert sensor.evaluate_tick(again).run_requests == []  # the same materialization: no second run


def test_a_dry_run_asset_shows_counts_and_samples_and_sends_nothing(sandbox, tmp_path):
    path = str(tmp_path / "warehouse.duckdb")
    with duckdb.connect(path) as db:
        db.register("frame", people_frame(3))
        db.execute("create schema marts")
        db.execute("create table marts.customer_segments_current as select * from frame")
    [spec] = [s for s in SPECS if s.name == "customerio_segment_service_due"]
    asset = build_sync_asset(spec)
    result = dg.materialize(
        [asset],
        resources={
            "activation_warehouse": ActivationWarehouseResource(duckdb_path=path, dry_run=True),
            "activation_customerio": CustomerIOTrackResource(
                base_url=sandbox.vendor_url("customerio"),
                credentials_file=str(write_credentials_file(tmp_path / "credentials.json")),
            ),
        },
    )
    [materialization] = result.asset_materializations_for_node(asset.op.name)
    assert materialization.metadata["dry_run"].value is True and materialization.metadata["added"].value == 1
    assert materialization.metadata["samples"].value["add"] == ["ck0000"]
    assert sandbox.log.rows("customerio") == []
