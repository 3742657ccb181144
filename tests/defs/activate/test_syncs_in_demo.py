"""After the demo over the small world (the nightly's selection), the syncs have run against the sandbox's
Customer.io and Meta: one state row per person of activation_people, one per member of each Meta audience, a
changelog row per record, and a repeat of the people sync over a copy of the warehouse sends nothing."""

from __future__ import annotations

import shutil

import duckdb
from support.activation_sync import Sandbox

from journey_assets.activation.engine import read_desired, run_sync
from journey_assets.activation.spec import build_destination, load_syncs
from journey_assets.activation.state import SyncStateStore
from journey_assets.sandbox.server import SandboxServer
from journey_assets.warehouse import DuckDBWarehouse


def test_the_demo_ran_every_sync_and_a_repeat_sends_nothing(small_warehouse, tmp_path):
    specs = {spec.name: spec for spec in load_syncs()}
    with duckdb.connect(str(small_warehouse.duckdb_path), read_only=True) as db:
        people = db.execute("select count(*), count(distinct customer_key) from marts.activation_people").fetchone()
        customers = db.execute("select count(*) from marts.dim_customers").fetchone()[0]
        runs = db.execute("select sync_name, status, added, failed from ops.sync_runs").fetchall()
        states = dict(db.execute("select sync_name, count(*) from ops.sync_state group by 1").fetchall())
        logged = dict(db.execute("select sync_name, count(*) from ops.sync_changelog group by 1").fetchall())
        service_due = db.execute("select count(*) from marts.customer_segments_current where service_due").fetchone()[0]
        stages = db.execute("select count(journey_stage), count(*) from marts.activation_people").fetchone()
        meta_rows = dict(
            db.execute(
                "select audience_name, count(*) from (select audience_name from marts.activation_meta_retargeting"
                " union all select audience_name from marts.activation_meta_exclusions) group by 1"
            ).fetchall()
        )
        meta_keys = db.execute(
            "select count(*) from ops.sync_state where sync_name like 'meta_%' and primary_key not like '%/%'"
        ).fetchone()[0]
    assert people[0] == people[1] == customers > 0
    assert 0 < stages[0] <= stages[1]
    assert {name for name, *_ in runs} == set(specs)
    assert all(status == "ok" and failed == 0 for _, status, _, failed in runs), runs
    assert states["customerio_people"] == logged["customerio_people"] == people[0]
    assert states.get("customerio_segment_service_due", 0) == service_due
    # the Meta syncs: one state row per member of each audience, keyed by ad account (decision 1141)
    for sync, audience in (
        ("meta_retargeting_vdp_no_lead", "retargeting_vdp_no_lead"),
        ("meta_retargeting_quiet_high_intent", "retargeting_quiet_high_intent"),
        ("meta_exclusion_frequency_capped", "exclusion_frequency_capped"),
        ("meta_exclusion_recent_buyers", "exclusion_recent_buyers"),
    ):
        assert states.get(sync, 0) == meta_rows.get(audience, 0), (sync, states, meta_rows)
    assert meta_rows.get("retargeting_vdp_no_lead", 0) > 0 and meta_keys == 0

    copy = tmp_path / "journey.duckdb"
    shutil.copy(small_warehouse.duckdb_path, copy)
    with SandboxServer(small_warehouse.world, record_path=tmp_path / "r.sqlite3") as server:
        sandbox = Sandbox(server)
        spec = specs["customerio_people"]
        warehouse = DuckDBWarehouse(str(copy))
        accepted = SyncStateStore(warehouse).accepted(spec.name)
        desired = read_desired(spec, warehouse).rows
        differ = sorted({f for k, row in desired.items() for f in row if row[f] != accepted[k].fields.get(f)})
        result = run_sync(spec, warehouse, build_destination(spec, {"customerio": sandbox.track_client()}))
        assert (result.added, result.changed, result.unchanged) == (0, 0, people[0]), differ
        assert sandbox.rows() == []
    print(f"people={people[0]} service_due={service_due} meta={meta_rows} runs={runs}")
