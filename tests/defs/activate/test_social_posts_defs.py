"""The drafting asset and the schedule_social_posts job over a small hand-built DuckDB and the Metricool fake."""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pandas as pd
import pytest

from journey_assets.defs.activate.metricool import schedule_social_posts, social_post_drafts
from journey_assets.defs.ingest.resources import MetricoolResource, RooftopsResource
from journey_assets.defs.report.resources import ReportWarehouseResource

DRAFTS_KEY = dg.AssetKey(["activation", "social_post_drafts"])


@pytest.fixture
def world(tmp_path):
    path = str(tmp_path / "warehouse.duckdb")
    vehicles = pd.DataFrame(
        [
            {
                "vehicle_id": vid,
                "dealer_id": "D01",
                "condition": "new",
                "model_year": 2025,
                "make": "Honda",
                "model": model,
                "trim_level": "EX-L",
                "exterior_color": "Platinum White Pearl",
                "vdp_url": f"https://lakeshorehonda.example/new/{vid}.htm",
                "image_url": f"https://img.example/{vid}.jpg",
                "current_listed_price": price,
                "first_seen_date": pd.Timestamp(first_seen),
                "last_seen_date": pd.Timestamp("2026-11-23"),
                "is_in_stock": True,
            }
            for vid, model, price, first_seen in [
                ("veh-1", "Pilot", 45995.0, "2026-11-22"),
                ("veh-2", "Accord", 29995.0, "2026-09-01"),
            ]
        ]
    )
    spells = pd.DataFrame(
        [
            {
                "price_spell_id": "ps-1",
                "vehicle_id": "veh-2",
                "listed_price": 31995.0,
                "previous_price": None,
                "price_change": None,
                "valid_from": pd.Timestamp("2026-09-01"),
                "is_current": False,
            },
            {
                "price_spell_id": "ps-2",
                "vehicle_id": "veh-2",
                "listed_price": 29995.0,
                "previous_price": 31995.0,
                "price_change": -2000.0,
                "valid_from": pd.Timestamp("2026-11-21"),
                "is_current": True,
            },
            {
                "price_spell_id": "ps-3",
                "vehicle_id": "veh-1",
                "listed_price": 45995.0,
                "previous_price": None,
                "price_change": None,
                "valid_from": pd.Timestamp("2026-11-22"),
                "is_current": True,
            },
        ]
    )
    with duckdb.connect(path) as db:
        db.execute("create schema marts")
        db.register("v", vehicles)
        db.register("s", spells)
        db.execute("create table marts.dim_inventory_vehicles as select * from v")
        db.execute("create table marts.fct_inventory_price_history as select * from s")
    rooftops = tmp_path / "rooftops.json"
    rooftops.write_text(json.dumps([{"dealer_id": "D01", "name": "Lakeshore Honda", "timezone": "America/Chicago"}]))
    return path, str(rooftops)


def resources(path: str, rooftops: str, server=None) -> dict:
    found = {"report_warehouse": ReportWarehouseResource(duckdb_path=path), "rooftops": RooftopsResource(path=rooftops)}
    if server is not None:
        found["metricool"] = MetricoolResource(
            base_url=server.vendor_url("metricool"), user_token="mc-token", user_id="42", timeout_seconds=5
        )
    return found


def drafted_ids(path: str) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as db:
        return db.execute("select draft_id, network, event_type, vehicle_id from ops.social_post_drafts").df()


def test_drafts_show_in_the_assets_metadata_then_a_marketer_approves_and_they_are_scheduled(world, fresh_sandbox):
    path, rooftops = world
    config = {"ops": {"activation__social_post_drafts": {"config": {"networks": ["facebook", "instagram"]}}}}
    result = dg.materialize([social_post_drafts], resources=resources(path, rooftops), run_config=config)
    assert result.success
    (materialization,) = result.asset_materializations_for_node("activation__social_post_drafts")
    meta = materialization.metadata
    assert meta["new_drafts"].value == 4 and meta["events"].value == 2 and meta["as_of"].value == "2026-11-23"
    table = meta["awaiting_review"].value
    drafts = drafted_ids(path)
    assert sorted(zip(drafts["vehicle_id"], drafts["event_type"], strict=True)) == [
        ("veh-1", "new_arrival"),
        ("veh-1", "new_arrival"),
        ("veh-2", "price_drop"),
        ("veh-2", "price_drop"),
    ]
    for the_id in drafts["draft_id"]:
        assert f"| {the_id} |" in table
    assert "Price drop at Lakeshore Honda: New 2025 Honda Accord EX-L" in table

    again = dg.materialize([social_post_drafts], resources=resources(path, rooftops), run_config=config)
    (second,) = again.asset_materializations_for_node("activation__social_post_drafts")
    assert second.metadata["new_drafts"].value == 0 and len(drafted_ids(path)) == 4  # nothing drafted twice

    approve = drafts[drafts["network"] == "facebook"]["draft_id"].tolist()
    reject = drafts[drafts["network"] == "instagram"]["draft_id"].tolist()
    run = schedule_social_posts.execute_in_process(
        run_config={
            "ops": {"review_and_schedule": {"config": {"reviewer": "maria", "approve": approve, "reject": reject}}}
        },
        resources=resources(path, rooftops, fresh_sandbox),
    )
    assert run.success
    scheduled = [p for p in fresh_sandbox.fakes["metricool"].scheduled.values() if any(i in p["text"] for i in approve)]
    assert len(scheduled) == 2 and all(p["providers"] == [{"network": "facebook"}] for p in scheduled)
    with duckdb.connect(path, read_only=True) as db:
        log = db.execute("select draft_id, decision, decided_by from ops.social_post_decisions").df()
    assert set(log[log["decision"] == "approved"]["decided_by"]) == {"maria"}
    assert sorted(log[log["decision"] == "scheduled"]["draft_id"]) == sorted(approve)
    assert sorted(log[log["decision"] == "rejected"]["draft_id"]) == sorted(reject)

    after = dg.materialize([social_post_drafts], resources=resources(path, rooftops), run_config=config)
    (third,) = after.asset_materializations_for_node("activation__social_post_drafts")
    assert third.metadata["awaiting_review"].value == "No drafts await review."
    assert third.metadata["states"].value == {"rejected": 2, "scheduled": 2}


def test_an_unknown_draft_id_fails_the_job_and_records_nothing(world, fresh_sandbox):
    path, rooftops = world
    assert dg.materialize([social_post_drafts], resources=resources(path, rooftops)).success
    run = schedule_social_posts.execute_in_process(
        run_config={"ops": {"review_and_schedule": {"config": {"reviewer": "maria", "approve": ["sp_nope"]}}}},
        resources=resources(path, rooftops, fresh_sandbox),
        raise_on_error=False,
    )
    assert not run.success
    failure = run.failure_data_for_node("review_and_schedule")
    assert "no such drafts: sp_nope" in failure.error.message
    with duckdb.connect(path, read_only=True) as db:
        assert set(db.execute("select decision from ops.social_post_decisions").df()["decision"]) == {"drafted"}


def test_the_code_location_runs_the_drafting_nightly_and_offers_the_job():
    from journey_assets.definitions import defs

    nightly = defs.resolve_job_def("nightly")
    assert DRAFTS_KEY in nightly.asset_layer.executable_asset_keys
    assert defs.resolve_job_def("schedule_social_posts") is not None
    spec = defs.resolve_assets_def(DRAFTS_KEY)
    assert spec.group_names_by_key[DRAFTS_KEY] == "activation"
    deps = spec.asset_deps[DRAFTS_KEY]
    assert {
        dg.AssetKey(["marts", "dim_inventory_vehicles"]),
        dg.AssetKey(["marts", "fct_inventory_price_history"]),
    } <= deps


def test_a_run_with_nothing_approved_schedules_nothing(world, fresh_sandbox):
    path, rooftops = world  # no drafts yet: the queue's tables do not even exist
    run = schedule_social_posts.execute_in_process(resources=resources(path, rooftops, fresh_sandbox))
    assert run.success
    (output,) = [e for e in run.all_node_events if e.event_type_value == "STEP_OUTPUT"]
    assert output.event_specific_data.metadata["scheduled"].value == 0
    assert not any(r["method"] == "POST" for r in fresh_sandbox.log.rows()[fresh_sandbox.mark :])
