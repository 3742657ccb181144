"""The Meta syncs syncs.yml declares, run by the engine over a hand-built DuckDB table against the sandbox's Meta
fake over HTTP: one audience per sync and rooftop in the rooftop's own ad account (decision 1141)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import dagster as dg
import duckdb
import pandas as pd
import pytest
from support.marketing_world import ACCOUNTS, FAST, new_requests

from journey_assets.activation.contract import Change, Operation
from journey_assets.activation.engine import run_sync
from journey_assets.activation.meta_audience import BY_ACCOUNT_KIND, NO_ACCOUNT, MetaAudiencesByAccount
from journey_assets.activation.spec import SyncSpec, SyncSpecError, build_destination, load_syncs, parse_syncs
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy
from journey_assets.defs.activate.resources import ActivationWarehouseResource
from journey_assets.defs.activate.syncs import build_sync_asset
from journey_assets.defs.ingest.resources import MetaResource
from journey_assets.journey.audience import sha256_hex
from journey_assets.sandbox.server import SandboxServer
from journey_assets.warehouse import DuckDBWarehouse

NO_WAIT = ThrottlePolicy(threshold_pct=75, max_pause=0.0, retries=3, backoff=0.0)
SPECS = {spec.name: spec for spec in load_syncs()}
VDP = SPECS["meta_retargeting_vdp_no_lead"]


@pytest.fixture
def sandbox(fresh_sandbox: SandboxServer) -> Iterator[SandboxServer]:
    meta = fresh_sandbox.fakes["meta"]
    saved = meta.targetable_minimum
    yield fresh_sandbox
    meta.targetable_minimum = saved


def client(server: SandboxServer) -> MetaGraphClient:
    return MetaGraphClient(server.vendor_url("meta"), "test-token", retry=FAST, timeout=2.0, throttle=NO_WAIT)


def retargeting(people: dict[str, int], dealers: dict[str, str] | None = None) -> pd.DataFrame:
    """marts.activation_meta_retargeting's columns: `people` {customer_key: n} in vdp_no_lead."""
    dealers = dealers or {}
    rows = []
    for key, n in people.items():
        dealer = dealers.get(key, "D01" if n % 2 == 0 else "D02")
        account = ACCOUNTS[dealer]
        rows.append(
            {
                "audience_name": "retargeting_vdp_no_lead",
                "member_key": f"{account}/{key}",
                "customer_key": key,
                "dealer_id": dealer,
                "meta_ad_account_id": account,
                "email": f"Buyer{n}@Example.com",
                "phone": f"+1404555{n:04d}",
                "fn": "Ann",
                "ln": "Lee",
                "zip": "30301",
                "country": "US",
                "external_id": key,
            }
        )
    return pd.DataFrame(rows)


def write(path: str, frame: pd.DataFrame) -> None:
    with duckdb.connect(path) as db:
        db.register("frame", frame)
        db.execute("create schema if not exists marts")
        db.execute("create or replace table marts.activation_meta_retargeting as select * from frame")


def audiences(server: SandboxServer) -> dict[tuple[str, str], set[str]]:
    """(account, name) -> the members' hashed emails."""
    fake = server.fakes["meta"]
    out = {}
    for audience in list(fake.audiences.values()):
        emails = {v for member in fake.members_of(audience.id) for k, v in member if k == "EMAIL"}
        out[(audience.account, audience.name)] = emails
    return out


def ours(server: SandboxServer, spec: SyncSpec) -> dict[str, set[str]]:
    """This test's audiences of `spec` by account (every test names its own audiences: `spec_named`)."""
    name = f"{spec.params['audience_name']} "
    return {account: emails for (account, n), emails in audiences(server).items() if n.startswith(name)}


def spec_named(prefix: str, spec: SyncSpec = VDP, **changes) -> SyncSpec:
    from dataclasses import replace

    return replace(spec, params={**spec.params, "audience_name": f"{spec.params['audience_name']}{prefix}"}, **changes)


def run(spec: SyncSpec, path: str, server: SandboxServer):
    return run_sync(spec, DuckDBWarehouse(path), build_destination(spec, {"meta": client(server)}))


def test_the_four_meta_syncs_are_declared_per_account():
    meta = {name: spec for name, spec in SPECS.items() if spec.destination == BY_ACCOUNT_KIND}
    assert set(meta) == {
        "meta_retargeting_vdp_no_lead",
        "meta_retargeting_quiet_high_intent",
        "meta_exclusion_frequency_capped",
        "meta_exclusion_recent_buyers",
    }
    for spec in meta.values():
        assert spec.primary_key == "member_key" and spec.mode.value == "mirror"
        assert spec.params["account_field"] == "meta_ad_account_id" and "meta_ad_account_id" in spec.mapping
    assert SPECS["meta_exclusion_recent_buyers"].source_tables() == ["marts.activation_meta_exclusions"]
    with pytest.raises(SyncSpecError, match="params.account_field is 'account', which the mapping does not carry"):
        [bad] = parse_syncs(
            {
                "syncs": {
                    "x": {
                        "destination": BY_ACCOUNT_KIND,
                        "model": "marts.x",
                        "primary_key": "k",
                        "mapping": {"email": "email", "dealer_id": "dealer_id"},
                        "params": {"audience_name": "a", "account_field": "account"},
                    }
                }
            }
        )
        build_destination(bad, {"meta": object()})


def test_per_account_audiences_hashed_then_a_repeat_sends_nothing_and_a_removal_removes(sandbox, tmp_path):
    path = str(tmp_path / "w.duckdb")
    people = {f"c{n:03d}": n for n in range(8)}  # even n at D01, odd at D02
    write(path, retargeting(people))
    spec = spec_named("_t1")

    first = run(spec, path, sandbox)
    assert (first.added, first.failed, first.desired) == (8, 0, 8)
    held = ours(sandbox, spec)
    assert set(held) == set(ACCOUNTS.values())  # one audience in each rooftop's own account
    assert held[ACCOUNTS["D01"]] == {sha256_hex(f"buyer{n}@example.com") for n in range(0, 8, 2)}
    assert held[ACCOUNTS["D02"]] == {sha256_hex(f"buyer{n}@example.com") for n in range(1, 8, 2)}
    names = {n for (_, n) in audiences(sandbox) if n.startswith("journey_retargeting_vdp_no_lead_t1")}
    assert names == {"journey_retargeting_vdp_no_lead_t1 D01", "journey_retargeting_vdp_no_lead_t1 D02"}
    sent_bodies = " ".join(r["body"] or "" for r in new_requests(sandbox, "meta"))
    assert "example.com" not in sent_bodies.lower() and "buyer" not in sent_bodies.lower()  # only hashes left
    assert first.metrics["num_invalid_entries"] == 0 and first.match_rate == 1.0
    state = DuckDBWarehouse(path).query(
        "select primary_key from ops.sync_state where sync_name = 'meta_retargeting_vdp_no_lead'"
    )
    assert set(state["primary_key"]) == {f"{ACCOUNTS['D01' if n % 2 == 0 else 'D02']}/c{n:03d}" for n in range(8)}

    sandbox.mark = len(sandbox.log.rows())  # type: ignore[attr-defined]
    again = run(spec, path, sandbox)
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 8)
    assert new_requests(sandbox, "meta") == []  # not even a lookup

    # c000 leaves the model; c002 moves from D01 to D02 (its key changes with the account)
    write(path, retargeting({k: n for k, n in people.items() if k != "c000"}, dealers={"c002": "D02"}))
    third = run(spec, path, sandbox)
    assert (third.removed, third.added, third.failed, third.full_refresh) == (2, 1, 0, False)
    held = ours(sandbox, spec)
    assert held[ACCOUNTS["D01"]] == {sha256_hex(f"buyer{n}@example.com") for n in (4, 6)}
    assert held[ACCOUNTS["D02"]] == {sha256_hex(f"buyer{n}@example.com") for n in (1, 2, 3, 5, 7)}


def test_a_full_refresh_empties_an_account_with_nobody_left(sandbox, tmp_path):
    """replace(desired, leaving): D02's people all leave while D01's change; D01 is replaced in a session, and
    D02, where no replace runs, has its leaving members removed."""
    path = str(tmp_path / "w.duckdb")
    write(path, retargeting({f"c{n:03d}": n for n in range(6)}))
    spec = spec_named("_t2")
    run(spec, path, sandbox)
    write(path, retargeting({f"n{n:03d}": n for n in range(100, 106, 2)}))  # three new D01 people only
    refreshed = run(spec, path, sandbox)
    assert refreshed.full_refresh and (refreshed.added, refreshed.removed, refreshed.failed) == (3, 6, 0)
    held = ours(sandbox, spec)
    assert held[ACCOUNTS["D01"]] == {sha256_hex(f"buyer{n}@example.com") for n in range(100, 106, 2)}
    assert held[ACCOUNTS["D02"]] == set()
    assert any(r["path"].endswith("/usersreplace") for r in new_requests(sandbox, "meta"))
    state = DuckDBWarehouse(path).query("select count(*) as n from ops.sync_state")
    assert state["n"][0] == 3
    removes = DuckDBWarehouse(path).query(
        "select count(*) as n from ops.sync_changelog where operation = 'remove' and status = 'accepted'"
    )
    assert removes["n"][0] == 6  # logged once each


def test_a_too_small_audience_is_not_targeted_and_the_asset_says_so(sandbox, tmp_path):
    path = str(tmp_path / "w.duckdb")
    write(path, retargeting({f"c{n:03d}": n for n in range(5)}))  # D01: 3 people, D02: 2
    sandbox.fakes["meta"].targetable_minimum = 3
    spec = spec_named("_t3")
    resources = {
        "activation_warehouse": ActivationWarehouseResource(duckdb_path=path),
        "meta": MetaResource(base_url=sandbox.vendor_url("meta"), access_token="test-token"),
    }
    asset = build_sync_asset(spec)
    done = dg.materialize([asset], resources=resources)
    [materialization] = done.asset_materializations_for_node(asset.op.name)
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert metadata["added"] == 5 and metadata["match_rate"] == 1.0
    facts = metadata["destination"]
    d01, d02 = f"{ACCOUNTS['D01']}/D01", f"{ACCOUNTS['D02']}/D02"
    assert facts["audiences"][d01]["targetable"] and not facts["audiences"][d02]["targetable"]
    assert set(facts["not_targeted"]) == {d02} and "300" in facts["not_targeted"][d02]
    assert d02 in metadata["not_targeted"] and d01 not in metadata["not_targeted"]
    assert "test-token" not in json.dumps(facts)


def test_a_row_without_an_account_fails_with_a_reason(sandbox):
    dest = MetaAudiencesByAccount(client(sandbox), "x_t4", account_field="meta_ad_account_id")
    sent = dest.send([Change("k1", Operation.ADD, {"email": "a@example.com", "dealer_id": "D01"})])
    [row] = sent.results
    assert not row.accepted and not row.transient and row.error == NO_ACCOUNT
    assert new_requests(sandbox, "meta") == []


def test_each_meta_sync_has_its_sensor_and_is_in_the_daily_catch_up():
    from journey_assets.defs.activate.syncs import activation_catchup_job, sync_assets, sync_sensors

    sensors = {s.name: s for s in sync_sensors}
    keys = {key for asset in sync_assets for key in asset.keys}
    for name, spec in SPECS.items():
        if spec.destination != BY_ACCOUNT_KIND:
            continue
        assert dg.AssetKey(["activation", name]) in keys
        sensor = sensors[f"activate_{name}_on_model"]
        assert sensor.asset_key == dg.AssetKey(spec.source_tables()[0].split("."))
        assert sensor.job_name == f"activate_{name}"
    assert activation_catchup_job.selection == dg.AssetSelection.groups("activation")


def test_an_account_meta_refuses_fails_its_rows_and_the_others_go_on(sandbox):
    dest = MetaAudiencesByAccount(client(sandbox), "x_t5", account_field="meta_ad_account_id")
    rows = [
        Change(
            "good", Operation.ADD, {"email": "a@example.com", "dealer_id": "D01", "meta_ad_account_id": ACCOUNTS["D01"]}
        ),
        Change("lost", Operation.ADD, {"email": "b@example.com", "dealer_id": "D07", "meta_ad_account_id": "999"}),
    ]
    by_key = {r.primary_key: r for r in dest.send(rows).results}
    assert by_key["good"].accepted
    assert not by_key["lost"].accepted and not by_key["lost"].transient and "ad account 999" in by_key["lost"].error
    assert "test-token" not in by_key["lost"].error
