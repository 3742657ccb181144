"""Paused Meta ad sets for the retargeting audiences (decision 1142), against the sandbox's Meta fake over HTTP."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from support.marketing_world import ACCOUNTS, FAST

from journey_assets.activation.meta_ad_sets import (
    CAMPAIGN_ENV,
    AdSetConfigError,
    audience_name,
    ensure_ad_sets,
    load_ad_sets,
    parse_ad_sets,
)
from journey_assets.activation.spec import load_syncs
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy
from journey_assets.sandbox.server import SandboxServer

NO_WAIT = ThrottlePolicy(threshold_pct=75, max_pause=0.0, retries=3, backoff=0.0)
SPECS = {spec.name: spec for spec in load_syncs()}
CONFIG = load_ad_sets(SPECS)
ROOFTOPS = [("D01", ACCOUNTS["D01"]), ("D02", ACCOUNTS["D02"])]


def client(server: SandboxServer) -> MetaGraphClient:
    return MetaGraphClient(server.vendor_url("meta"), "test-token", retry=FAST, timeout=2.0, throttle=NO_WAIT)


def renamed(tag: str) -> dict:
    """The syncs with this test's own audience names (the sandbox is shared by the module)."""
    return {
        n: replace(s, params={**s.params, "audience_name": f"{s.params['audience_name']}{tag}"})
        for n, s in SPECS.items()
        if "audience_name" in s.params
    }


def make_audiences(meta: MetaGraphClient, specs: dict, names: list[str]) -> dict[tuple[str, str], str]:
    """(sync, rooftop) -> audience id, created in each rooftop's account as the syncs would."""
    made = {}
    for rooftop, account in ROOFTOPS:
        for name in names:
            status, _ = meta.find_or_create_audience(account, audience_name(specs[name], rooftop))
            made[(name, rooftop)] = status.id
    return made


ALL = ["meta_retargeting_vdp_no_lead", "meta_retargeting_quiet_high_intent", *CONFIG.exclude_syncs]


def test_the_config_names_the_two_retargeting_syncs_and_refuses_a_bad_cap():
    assert set(CONFIG.plans) == {"meta_retargeting_vdp_no_lead", "meta_retargeting_quiet_high_intent"}
    assert set(CONFIG.exclude_syncs) == {"meta_exclusion_recent_buyers", "meta_exclusion_frequency_capped"}
    bad = {
        "ad_sets": {
            "meta_retargeting_vdp_no_lead": {
                "daily_budget": 100,
                "frequency_cap": {"max_frequency": 0, "interval_days": 7},
            }
        }
    }
    with pytest.raises(AdSetConfigError, match="max_frequency and interval_days in 1..90"):
        parse_ad_sets(bad, SPECS)
    with pytest.raises(AdSetConfigError, match="ad_sets.nope: not a Meta audience sync"):
        parse_ad_sets({"ad_sets": {"nope": {}}}, SPECS)
    assert CONFIG.campaign_for("act_123", {CAMPAIGN_ENV + "123": "c9"}) == "c9"


def test_created_paused_with_the_cap_and_exclusions_then_a_second_run_creates_nothing(fresh_sandbox):
    fake, meta, specs = fresh_sandbox.fakes["meta"], client(fresh_sandbox), renamed("_as1")
    ids = make_audiences(meta, specs, ALL)
    env = {CAMPAIGN_ENV + account: f"77{account}" for _, account in ROOFTOPS}
    for _, account in ROOFTOPS:
        fake.campaigns.setdefault(account, set()).add(f"77{account}")
    before = set(fake.ad_sets)

    first = ensure_ad_sets(meta, CONFIG, specs, ROOFTOPS, env=env)
    assert (first.count("created"), first.count("skipped"), first.count("failed")) == (4, 0, 0), first.outcomes
    made = {i: fake.ad_sets[i] for i in set(fake.ad_sets) - before}
    assert len(made) == 4
    vdp_d01 = next(
        a
        for a in made.values()
        if a["name"] == audience_name(specs["meta_retargeting_vdp_no_lead"], "D01") + " (review)"
    )
    assert vdp_d01["status"] == "PAUSED" and vdp_d01["account_id"] == ACCOUNTS["D01"]
    assert vdp_d01["campaign_id"] == f"77{ACCOUNTS['D01']}" and vdp_d01["optimization_goal"] == "REACH"
    assert vdp_d01["frequency_control_specs"] == [{"event": "IMPRESSIONS", "interval_days": 7, "max_frequency": 2}]
    assert vdp_d01["targeting"]["custom_audiences"] == [{"id": ids[("meta_retargeting_vdp_no_lead", "D01")]}]
    excluded = {a["id"] for a in vdp_d01["targeting"]["excluded_custom_audiences"]}
    assert excluded == {ids[(n, "D01")] for n in CONFIG.exclude_syncs}  # D01's own exclusions, not D02's

    second = ensure_ad_sets(meta, CONFIG, specs, ROOFTOPS, env=env)
    assert (second.count("existing"), second.count("created")) == (4, 0)
    assert set(fake.ad_sets) - before == set(made)  # nothing created twice
    assert {o.ad_set_id for o in second.outcomes} == set(made)


def test_an_account_without_a_campaign_is_skipped_with_the_reason(fresh_sandbox):
    fake, meta, specs = fresh_sandbox.fakes["meta"], client(fresh_sandbox), renamed("_as2")
    make_audiences(meta, specs, ALL)
    d01 = ACCOUNTS["D01"]
    fake.campaigns.setdefault(d01, set()).add("5501")
    before = set(fake.ad_sets)

    report = ensure_ad_sets(meta, CONFIG, specs, ROOFTOPS, env={CAMPAIGN_ENV + d01: "5501"})
    by = {(o.rooftop, o.outcome) for o in report.outcomes}
    assert by == {("D01", "created"), ("D02", "skipped")}
    skipped = [o for o in report.outcomes if o.outcome == "skipped"]
    assert all(f"no campaign id for act_{ACCOUNTS['D02']}" in o.reason and CAMPAIGN_ENV in o.reason for o in skipped)
    assert {a["account_id"] for i, a in fake.ad_sets.items() if i not in before} == {d01}


def test_a_missing_audience_is_skipped_not_created(fresh_sandbox):
    meta, specs = client(fresh_sandbox), renamed("_as3")
    env = {CAMPAIGN_ENV + account: "1" for _, account in ROOFTOPS}
    report = ensure_ad_sets(meta, CONFIG, specs, ROOFTOPS, env=env)
    assert report.count("skipped") == 4 and all("not created yet" in o.reason for o in report.outcomes)


def test_the_fake_refuses_a_bad_request_clearly_and_the_other_account_goes_on(fresh_sandbox):
    fake, meta, specs = fresh_sandbox.fakes["meta"], client(fresh_sandbox), renamed("_as4")
    make_audiences(meta, specs, ALL)
    d01, d02 = ACCOUNTS["D01"], ACCOUNTS["D02"]
    fake.campaigns.setdefault(d01, set()).add("6601")
    # D02's campaign id does not exist in its account: Meta refuses the ad set
    report = ensure_ad_sets(meta, CONFIG, specs, ROOFTOPS, env={CAMPAIGN_ENV + d01: "6601", CAMPAIGN_ENV + d02: "404"})
    failed = [o for o in report.outcomes if o.outcome == "failed"]
    assert {o.rooftop for o in failed} == {"D02"} and report.count("created") == 2
    assert all(f"campaign 404 does not exist in act_{d02}" in o.reason and "code 100" in o.reason for o in failed)

    # and a cap outside Meta's range, sent by hand, is a 400 naming the parameter, never a 5xx
    vdp = next(
        a for a in fake.audiences.values() if a.name == audience_name(specs["meta_retargeting_vdp_no_lead"], "D01")
    )
    form = {
        "name": "bad cap",
        "campaign_id": "6601",
        "status": "PAUSED",
        "billing_event": "IMPRESSIONS",
        "optimization_goal": "REACH",
        "daily_budget": "100",
        "targeting": json.dumps({"geo_locations": {"countries": ["US"]}, "custom_audiences": [{"id": vdp.id}]}),
        "frequency_control_specs": json.dumps([{"event": "IMPRESSIONS", "interval_days": 7, "max_frequency": 500}]),
    }
    answer = meta.session.post(fresh_sandbox.vendor_url("meta") + f"/v25.0/act_{d01}/adsets", data=form, timeout=2)
    assert answer.status_code == 400
    assert "frequency_control_specs" in answer.json()["error"]["message"] and answer.json()["error"]["code"] == 100


def test_the_asset_reports_created_then_existing_and_the_skipped_account(fresh_sandbox, tmp_path, monkeypatch):
    import dagster as dg
    import duckdb

    from journey_assets.defs.activate.meta_ad_sets import meta_retargeting_ad_sets
    from journey_assets.defs.activate.resources import ActivationWarehouseResource
    from journey_assets.defs.ingest.resources import MetaResource

    fake, meta = fresh_sandbox.fakes["meta"], client(fresh_sandbox)
    make_audiences(meta, SPECS, ALL)  # the syncs' real names: only this test uses them
    path = str(tmp_path / "w.duckdb")
    with duckdb.connect(path) as db:
        db.execute("create schema staging")
        db.execute(
            "create table staging.stg_dealer__rooftops as select * from (values "
            f"('D01', 'act_{ACCOUNTS['D01']}'), ('D02', '{ACCOUNTS['D02']}'), ('D03', null)) t(dealer_id, meta_ad_account_id)"
        )
    d01 = ACCOUNTS["D01"]
    fake.campaigns.setdefault(d01, set()).add("8801")
    monkeypatch.setenv(CAMPAIGN_ENV + d01, "8801")
    resources = {
        "activation_warehouse": ActivationWarehouseResource(duckdb_path=path),
        "meta": MetaResource(base_url=fresh_sandbox.vendor_url("meta"), access_token="test-token"),
    }

    def run() -> dict:
        done = dg.materialize([meta_retargeting_ad_sets], resources=resources)
        [materialization] = done.asset_materializations_for_node(meta_retargeting_ad_sets.op.name)
        return {k: v.value for k, v in materialization.metadata.items()}

    first = run()
    assert (first["created"], first["existing"], first["skipped"], first["failed"]) == (2, 0, 2, 0)
    assert f"no campaign id for act_{ACCOUNTS['D02']}" in first["ad_sets"]
    second = run()
    assert (second["created"], second["existing"]) == (0, 2)
    assert all(a["status"] == "PAUSED" for a in fake.ad_sets.values())
