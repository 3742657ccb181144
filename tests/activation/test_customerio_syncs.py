"""The sync engine with the Customer.io destinations, against the sandbox's Customer.io fake over real HTTP,
over a hand-built DuckDB file: what is sent is read from the fake's request log, what moved from ops.*."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

import pytest

from journey_assets.activation.contract import Mode
from journey_assets.activation.engine import SyncFailed, run_sync
from journey_assets.activation.spec import SyncSpec, build_destination, parse_syncs

PEOPLE = {
    "syncs": {
        "people": {
            "destination": "customerio_people",
            "model": "marts.activation_people",
            "primary_key": "customer_key",
            "mapping": {
                "dealer_id": "dealer_id",
                "email": "email",
                "email_consent": "email_consent",
                "journey_stage": "journey_stage",
                "vehicles_owned": "vehicles_owned",
                "next_service_date": "next_service_date",
                "score_tier": "score_tier",
            },
            "optional_joins": [
                {"table": "marts.customer_scores", "using": "customer_key", "columns": {"score_tier": "tier"}}
            ],
            "max_failed_share": 0.6,
        }
    }
}


def people_spec(**changes) -> SyncSpec:
    [spec] = parse_syncs(json.loads(json.dumps(PEOPLE)))
    return replace(spec, **changes)


def run(spec, tables, sandbox, **options):
    return run_sync(spec, tables.warehouse, build_destination(spec, {"customerio": sandbox.track_client()}), **options)


def state(tables, sync="people") -> dict[str, str]:
    if not tables.warehouse.has_table("ops", "sync_state"):
        return {}
    frame = tables.query(f"select primary_key, fingerprint from ops.sync_state where sync_name = '{sync}'")
    return dict(zip(frame["primary_key"], frame["fingerprint"], strict=True))


def changelog(tables, sync="people"):
    return tables.query(f"select * from ops.sync_changelog where sync_name = '{sync}' order by \"at\", primary_key")


def sent_ids(sandbox) -> list[str]:
    return [op["identifiers"]["id"] for op, _, _ in sandbox.batch_operations()]


def test_first_run_adds_everyone_with_their_attributes_and_a_second_run_sends_nothing(sandbox, tables):
    spec = people_spec()
    first = run(spec, tables, sandbox)
    assert (first.added, first.changed, first.removed, first.failed) == (30, 0, 0, 0)
    assert len(sandbox.fake.people) == 30
    person = sandbox.fake.people["ck0004"]
    assert person["journey_stage"] == "retention" and person["vehicles_owned"] == 1
    assert person["next_service_date"].startswith("2026-12-05") and person["email"] == "p4@example.com"
    assert "score_tier" not in person  # no marts.customer_scores: the optional join gives null, not sent
    assert len(state(tables)) == 30
    log = changelog(tables)
    assert len(log) == 30 and set(log["status"]) == {"accepted"} and set(log["operation"]) == {"add"}

    sandbox.mark = sandbox.server.log.rows()[-1]["id"]
    second = run(spec, tables, sandbox)
    assert (second.added, second.changed, second.unchanged) == (0, 0, 30)
    assert sandbox.rows() == []  # not one request
    runs = tables.query("select added, unchanged, status from ops.sync_runs order by started_at")
    assert runs.values.tolist() == [[30, 0, "ok"], [0, 30, "ok"]]


def test_a_changed_attribute_sends_one_update(sandbox, tables):
    spec = people_spec()
    run(spec, tables, sandbox)
    before = state(tables)
    tables.execute("update marts.activation_people set journey_stage = 'intent' where customer_key = 'ck0007'")
    sandbox.mark = sandbox.server.log.rows()[-1]["id"]
    result = run(spec, tables, sandbox)
    assert (result.added, result.changed, result.unchanged) == (0, 1, 29)
    [(op, status, _)] = sandbox.batch_operations()
    assert (op["identifiers"]["id"], op["action"], op["attributes"]["journey_stage"], status) == (
        "ck0007",
        "identify",
        "intent",
        200,
    )
    assert sandbox.fake.people["ck0007"]["journey_stage"] == "intent"
    after = state(tables)
    assert {k for k in after if after[k] != before[k]} == {"ck0007"}


def test_an_attribute_that_became_null_is_sent_empty_to_clear_it(sandbox, tables):
    spec = people_spec()
    run(spec, tables, sandbox)
    tables.execute("update marts.activation_people set journey_stage = null where customer_key = 'ck0007'")
    sandbox.mark = sandbox.server.log.rows()[-1]["id"]
    assert run(spec, tables, sandbox).changed == 1
    [(op, _, _)] = sandbox.batch_operations()
    assert op["attributes"]["journey_stage"] == "" and op["attributes"]["dealer_id"] == "D01"


def test_the_score_tier_is_joined_when_customer_scores_exists(sandbox, tables):
    tables.execute(
        "create table marts.customer_scores as select customer_key, 'hot' as tier from marts.activation_people"
        " where customer_key = 'ck0001'"
    )
    run(people_spec(), tables, sandbox)
    assert sandbox.fake.people["ck0001"]["score_tier"] == "hot"
    assert "score_tier" not in sandbox.fake.people["ck0002"]


def test_mirror_deletes_a_person_who_left_the_model_and_upsert_does_not(sandbox, tables):
    upsert, mirror = people_spec(), people_spec(mode=Mode.MIRROR)
    run(upsert, tables, sandbox)
    tables.execute("delete from marts.activation_people where customer_key in ('ck0003', 'ck0011')")
    kept = run(upsert, tables, sandbox)
    assert (kept.removed, kept.skipped_by_mode) == (0, 2) and "ck0003" in sandbox.fake.people

    sandbox.mark = sandbox.server.log.rows()[-1]["id"]
    mirrored = run(mirror, tables, sandbox)
    assert mirrored.removed == 2
    assert sorted((op["identifiers"]["id"], op["action"]) for op, _, _ in sandbox.batch_operations()) == [
        ("ck0003", "delete"),
        ("ck0011", "delete"),
    ]
    assert "ck0003" not in sandbox.fake.people and len(sandbox.fake.people) == 28
    assert set(state(tables)) == {f"ck{i:04d}" for i in range(30)} - {"ck0003", "ck0011"}
    removes = changelog(tables).query("operation == 'remove'")
    assert sorted(removes["primary_key"]) == ["ck0003", "ck0011"] and set(removes["status"]) == {"accepted"}


def test_a_207_partial_failure_leaves_those_rows_unmoved_and_the_next_run_retries_exactly_them(sandbox, tables):
    spec = people_spec()
    sandbox.inject("partial", times=1)  # the fake rejects every operation at an odd batch_index
    first = run(spec, tables, sandbox)
    assert (first.added, first.failed) == (15, 15)
    failed = sorted(changelog(tables).query("status != 'accepted'")["primary_key"])
    assert len(failed) == 15 and set(state(tables)).isdisjoint(failed)
    assert set(changelog(tables).query("status != 'accepted'")["status"]) == {"retry"}  # reason `unavailable`
    assert all("unavailable" in e for e in changelog(tables).query("status != 'accepted'")["error"])

    sandbox.mark = sandbox.server.log.rows()[-1]["id"]
    second = run(spec, tables, sandbox)
    assert (second.added, second.failed, second.unchanged) == (15, 0, 15)
    assert sorted(sent_ids(sandbox)) == failed
    assert len(state(tables)) == 30 and len(sandbox.fake.people) == 30


def test_a_dry_run_sends_nothing_and_moves_nothing(sandbox, tables):
    result = run(people_spec(), tables, sandbox, dry_run=True)
    assert (result.added, result.dry_run) == (30, True)
    assert result.samples["add"] == ["ck0000", "ck0001", "ck0002", "ck0003", "ck0004"]
    assert sandbox.rows() == [] and sandbox.fake.people == {}
    assert not tables.warehouse.has_table("ops", "sync_state")
    assert not tables.warehouse.has_table("ops", "sync_changelog")


def test_more_failures_than_the_threshold_raise_after_recording_what_succeeded(sandbox, tables):
    spec = people_spec(max_failed_share=0.2)
    sandbox.inject("partial", times=1)
    with pytest.raises(SyncFailed) as info:
        run(spec, tables, sandbox)
    assert info.value.result.failed == 15 and "15 of 30 rows failed" in str(info.value)
    assert "@" not in str(info.value)  # no email in the error
    assert len(state(tables)) == 15 and len(changelog(tables)) == 30
    assert tables.query("select status from ops.sync_runs")["status"].tolist() == ["failed"]


def test_a_whole_batch_refused_for_a_transient_reason_is_retried_next_run(sandbox, tables):
    spec = people_spec(max_failed_share=1.0)
    sandbox.inject("server_error", times=1)  # POST is not retried inside the call: the batch fails as a whole
    first = run(spec, tables, sandbox)
    assert (first.added, first.failed) == (0, 30) and state(tables) == {}
    second = run(spec, tables, sandbox)
    assert second.added == 30


def test_a_rejected_primary_key_is_in_the_changelog_with_its_reason(sandbox, tables):
    tables.execute(
        "insert into marts.activation_people (customer_key, dealer_id) values (null, 'D01'), ('ck0002', 'D09')"
    )
    result = run(people_spec(), tables, sandbox)
    assert (result.added, result.rejected) == (30, 2)
    rejected = changelog(tables).query("status == 'rejected'")
    assert sorted(rejected["error"]) == [
        "customer_key repeats in the source; the first row is synced",
        "no customer_key",
    ]
    assert sandbox.fake.people["ck0002"]["dealer_id"] == "D02"


SEGMENT = {
    "syncs": {
        "service_due": {
            "destination": "customerio_segment",
            "sql": "select customer_key from marts.activation_people where service_due",
            "primary_key": "customer_key",
            "mode": "mirror",
            "params": {"segment_id": "${TEST_SEGMENT_ID:-7}"},
        }
    }
}


def test_a_segment_sync_adds_and_removes_ids_1000_a_call(sandbox, tables):
    from support.activation_sync import people_frame

    tables.write("marts.activation_people", people_frame(2500))
    [spec] = parse_syncs(json.loads(json.dumps(SEGMENT)))
    assert spec.params["segment_id"] == "7" and spec.source_tables() == ["marts.activation_people"]
    first = run(spec, tables, sandbox)
    assert first.added == 500 and sandbox.fake.segments[7] == {f"ck{i:04d}" for i in range(0, 2500, 5)}
    tables.execute("update marts.activation_people set service_due = true where customer_key in ('ck0001', 'ck0002')")
    tables.execute("update marts.activation_people set service_due = false where customer_key = 'ck0005'")
    sandbox.mark = sandbox.server.log.rows()[-1]["id"]
    second = run(spec, tables, sandbox)
    assert (second.added, second.removed, second.unchanged) == (2, 1, 499)
    calls = {(r["path"], tuple(json.loads(r["body"])["ids"])) for r in sandbox.rows()}
    assert calls == {
        ("/api/v1/segments/7/add_customers", ("ck0001", "ck0002")),
        ("/api/v1/segments/7/remove_customers", ("ck0005",)),
    }
    assert "ck0005" not in sandbox.fake.segments[7] and "ck0002" in sandbox.fake.segments[7]


def test_more_than_1000_new_members_go_in_calls_of_1000(sandbox, tables):
    from support.activation_sync import people_frame

    frame = people_frame(2500)
    frame["service_due"] = True
    tables.write("marts.activation_people", frame)
    [spec] = parse_syncs(json.loads(json.dumps(SEGMENT)))
    assert run(spec, tables, sandbox).added == 2500
    sizes = [len(json.loads(r["body"])["ids"]) for r in sandbox.rows()]
    assert sizes == [1000, 1000, 500] and len(sandbox.fake.segments[7]) == 2500


def test_under_20_percent_transient_faults_repeated_runs_accept_every_row_exactly_once(sandbox, tables):
    """The issue's measure: faults on a fifth of each run's requests; count acceptances from the request log."""
    from support.activation_sync import people_frame

    tables.write("marts.activation_people", people_frame(200))
    spec = people_spec(params={"batch_size": 10}, max_failed_share=1.0)
    kinds = ["server_error", "drop", "partial", "rate_limit"]
    runs, faults_injected = 0, 0
    while runs < 20:
        pending = 200 - len(state(tables))
        if pending == 0:
            break
        expected_requests = -(-pending // 10)
        faults = max(1, expected_requests // 5)  # 20% of this run's batch requests
        for n in range(faults):
            sandbox.inject(kinds[(runs + n) % len(kinds)], times=1, retry_after=0)
        faults_injected += faults
        run(spec, tables, sandbox)
        runs += 1
    sandbox.server.clear_faults()
    assert len(state(tables)) == 200 and runs > 1

    accepted: Counter[str] = Counter()
    rows = sandbox.rows("/api/v2/batch")
    for row in rows:
        operations = json.loads(row["body"])["batch"]
        for index, op in enumerate(operations):
            # the fake applied: a 200 (all), a 207 from the injected partial (even batch_index only)
            if row["status"] == 200 or (row["status"] == 207 and row["fault"] == "partial" and index % 2 == 0):
                accepted[op["identifiers"]["id"]] += 1
    assert set(accepted) == {f"ck{i:04d}" for i in range(200)}
    assert set(accepted.values()) == {1}, {k: v for k, v in accepted.items() if v != 1}
    assert sum(1 for r in rows if r["fault"]) == faults_injected
    assert faults_injected / len(rows) >= 0.15

    log = changelog(tables)
    assert (log.query("status == 'accepted'").groupby("primary_key").size() == 1).all()
    retried = set(log.query("status != 'accepted'")["primary_key"])
    assert retried  # every retried row has a failed attempt and then exactly one acceptance in a later run
    for key in retried:
        attempts = log[log["primary_key"] == key]
        assert attempts["status"].tolist()[-1] == "accepted" and attempts["run_id"].nunique() == len(attempts)
    print(f"runs={runs} requests={len(rows)} faults={faults_injected} retried_rows={len(retried)}")


def test_refused_credentials_raise_and_record_every_row_as_not_sent(sandbox, tables):
    from journey_assets.connectors.customerio import CustomerIOTrackClient
    from journey_assets.connectors.http import PermanentVendorError

    spec = people_spec()
    client = CustomerIOTrackClient(sandbox.fake.site_id, "wrong-key", base_url=sandbox.server.vendor_url("customerio"))
    with pytest.raises(PermanentVendorError):
        run_sync(spec, tables.warehouse, build_destination(spec, {"customerio": client}))
    assert state(tables) == {}
    log = changelog(tables)
    assert (
        len(log) == 30 and set(log["status"]) == {"failed"} and set(log["error"]) == {"not sent: PermanentVendorError"}
    )
    assert tables.query("select status from ops.sync_runs")["status"].tolist() == ["error"]


def test_null_integers_and_booleans_are_left_out_not_sent_as_text(sandbox, tables):
    """DuckDB gives pandas nullable Int/boolean columns whose nulls are pd.NA (the small world's demo sent
    "<NA>" for a missing best_send_hour before this)."""
    tables.execute(
        "update marts.activation_people set vehicles_owned = null, email_consent = null where customer_key = 'ck0002'"
    )
    run(people_spec(), tables, sandbox)
    person = sandbox.fake.people["ck0002"]
    assert "vehicles_owned" not in person and "email_consent" not in person
    assert (
        sandbox.fake.people["ck0003"]["vehicles_owned"] == 0 and sandbox.fake.people["ck0003"]["email_consent"] is False
    )
    assert "<NA>" not in json.dumps(sandbox.fake.people)
    sandbox.mark = sandbox.server.log.rows()[-1]["id"]
    assert run(people_spec(), tables, sandbox).unchanged == 30 and sandbox.rows() == []


def test_unsubscribed_is_sent_when_true_and_never_cleared(sandbox, tables):
    """Customer.io's reserved `unsubscribed`: the sync sets it for who unsubscribed and never sends false or "",
    which would resubscribe a person who unsubscribed in Customer.io before the warehouse heard of it."""
    spec = people_spec(mapping={**people_spec().mapping, "unsubscribed": "unsubscribed"})
    tables.execute("update marts.activation_people set unsubscribed = true where customer_key = 'ck0001'")
    sandbox.fake.people["ck0002"] = {"unsubscribed": True}  # unsubscribed in Customer.io itself
    run(spec, tables, sandbox)
    assert sandbox.fake.people["ck0001"]["unsubscribed"] is True
    assert sandbox.fake.people["ck0002"]["unsubscribed"] is True and "unsubscribed" not in sandbox.fake.people["ck0003"]
    tables.execute("update marts.activation_people set journey_stage = 'intent' where customer_key = 'ck0002'")
    assert run(spec, tables, sandbox).changed == 1  # an update of the person sends no unsubscribed at all
    assert sandbox.fake.people["ck0002"]["unsubscribed"] is True
    sent = [op["attributes"] for op, _, _ in sandbox.batch_operations() if op["identifiers"].get("id") == "ck0002"]
    assert sent and all("unsubscribed" not in attributes for attributes in sent)
