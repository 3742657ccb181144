"""The response plane in Dagster: the code location's sensor reads the intake's store by cursor, asks for
one `respond` run per batch, and the job (run in process, with the location's own resources) answers
the lead over the sandbox exactly once, while another process holds the DuckDB file."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import dagster as dg
import pytest
from freezegun import freeze_time
from support.respond_harness import FOLDER, IN_STOCK, Harness, new_phone, vehicle_of

from journey_assets.definitions import build_definitions
from journey_assets.settings import load_settings


@pytest.fixture
def location(harness: Harness, monkeypatch, tmp_path):
    """The code location, pointed at this test's sandbox, intake store, ledger and configuration."""
    env = {
        "JOURNEY_ENV": "local",
        "JOURNEY_DATA_DIR": str(tmp_path / "data"),
        "JOURNEY_SANDBOX_URL": harness.server.url,
        "JOURNEY_ROOFTOPS_FILE": str(harness.rooftops_file),
        "JOURNEY_SALESPEOPLE_FILE": str(harness.salespeople_file),
        "JOURNEY_SANDBOX_CREDENTIALS_FILE": str(harness.credentials_file),
        "JOURNEY_INTAKE_STORE": str(harness.store_path),
        "JOURNEY_RESPONSE_LEDGER": str(harness.ledger_path),
        "JOURNEY_INTAKE_PUBLIC_URL": harness.intake.url,
        "JOURNEY_WRIKE_FOLDER_ID": FOLDER,
        "JOURNEY_DRY_RUN": "0",
        # build_definitions exports this for dbt; set through monkeypatch so it is restored afterwards
        "JOURNEY_DUCKDB_PATH": str(tmp_path / "data" / "journey.duckdb"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return build_definitions(load_settings())


@contextmanager
def duckdb_held_by_another_process(path: str) -> Iterator[None]:
    """A process holding the DuckDB file open for writing, as the nightly run does for minutes."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    script = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('create table if not exists t (x int)');"
        "print('locked', flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(10)


def _tick(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None):
    sensor = defs.resolve_sensor_def("intake_events_sensor")
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=defs.resources)
    return sensor(context)


def test_sensor_launches_one_respond_run_per_batch_and_the_run_answers_once(harness: Harness, location):
    instance = dg.DagsterInstance.ephemeral()
    phone = new_phone()
    body = harness.intent("test_drive_request", phone=phone, vehicle=vehicle_of(IN_STOCK))

    result = _tick(location, instance, None)
    assert isinstance(result, dg.SensorResult) and len(result.run_requests) == 1
    request = result.run_requests[0]
    assert request.run_key == f"events:0->{result.cursor}"
    assert request.tags["journey/plane"] == "realtime" and "journey/warehouse" not in request.tags

    job = location.resolve_job_def("respond")
    # The job's responder reads the wall clock, so at night in Chicago it would defer the SMS to the morning:
    # the run goes at the harness's daytime instead (still ticking), whenever the suite runs.
    with (
        duckdb_held_by_another_process(os.environ["JOURNEY_DUCKDB_PATH"]),
        freeze_time(harness.now(), tick=True),
    ):
        run = job.execute_in_process(run_config=request.run_config, instance=instance, tags=request.tags)
    assert run.success
    output = next(e for e in run.events_for_node("respond_batch") if e.event_type_value == "STEP_OUTPUT")
    metadata = output.event_specific_data.metadata
    assert metadata["events"].value == 1 and metadata["results"].value == {"lead:hot": 1}

    sms = [r for r in harness.rows("twilio") if r["path"].endswith("/Messages.json")]
    assert [parse_qs(r["body"])["To"][0] for r in sms] == [phone]
    assert parse_qs(sms[0]["body"])["StatusCallback"] == [f"{harness.intake.url}/twilio/status"]
    assert len([r for r in harness.rows("crm") if r["path"] == "/leads"]) == 1
    assert len([r for r in harness.rows("crm") if r["path"] == "/leads/adf"]) == 1
    assert len([r for r in harness.rows("wrike") if r["path"].endswith("/tasks")]) == 1
    assert len(harness.rows("slack")) == 1
    assert {a.status for a in harness.ledger.actions(body["event_id"])} == {"done"}

    # the run again (a retry of the same run config) sends nothing; the next tick has nothing new to
    # launch but the Twilio status callbacks that arrived meanwhile
    assert job.execute_in_process(run_config=request.run_config, instance=instance).success
    assert len([r for r in harness.rows("twilio") if r["path"].endswith("/Messages.json")]) == 1
    assert len(harness.rows("slack")) == 1
    later = _tick(location, instance, result.cursor)
    if isinstance(later, dg.SensorResult):
        assert all(r.run_key.startswith(f"events:{result.cursor}->") for r in later.run_requests)


def test_the_respond_job_is_not_an_asset_job_and_not_in_the_nightly_selection(location):
    job = location.resolve_job_def("respond")
    assert not job.asset_layer.executable_asset_keys  # an op job: no assets, no IO manager, no DuckDB
    assert job.tags.get("journey/warehouse") is None
    assert job.executor_def.name == "in_process"
    nightly = location.resolve_job_def("nightly")
    assert "respond_batch" not in {node.name for node in nightly.nodes_in_topological_order}
    sensor = location.resolve_sensor_def("intake_events_sensor")
    assert sensor.minimum_interval_seconds == 2 and sensor.job_name == "respond"


def _post_reporting(harness: Harness, events: list[dict]) -> None:
    from journey_assets.sandbox.fakes.customerio_reporting import ReportingWebhooks

    webhooks = ReportingWebhooks(harness.intake.url + "/customerio/reporting")
    try:
        assert [webhooks.post(e) for e in events] == [200] * len(events)
    finally:
        webhooks.close()


def _reporting_event(n: int, metric: str, email: str = "pat@example.com") -> dict:
    return {
        "event_id": f"01JREPORTING{n:014d}",
        "object_type": "email",
        "metric": metric,
        "timestamp": 1795000000 + n,
        "data": {"customer_id": "c1", "email_address": email, "delivery_id": f"d{n}", "newsletter_id": 2001},
    }


def test_reporting_events_the_workflow_ignores_launch_no_run_an_unsubscribe_does(harness: Harness, location):
    instance = dg.DagsterInstance.ephemeral()
    _post_reporting(harness, [_reporting_event(1, "delivered"), _reporting_event(2, "opened")])
    quiet = _tick(location, instance, None)
    assert isinstance(quiet, dg.SensorResult) and quiet.run_requests == [] and quiet.cursor  # read, nothing to run
    _post_reporting(harness, [_reporting_event(3, "unsubscribed")])
    loud = _tick(location, instance, quiet.cursor)
    assert isinstance(loud, dg.SensorResult) and len(loud.run_requests) == 1
    assert loud.run_requests[0].run_key.startswith(f"events:{quiet.cursor}->")


def test_the_raw_asset_lands_every_reporting_event_from_the_store(harness: Harness, location):
    import duckdb

    events = [_reporting_event(10, "sent"), _reporting_event(11, "clicked", "Pat@Example.com")]
    _post_reporting(harness, events + events[:1])  # a retry stores nothing twice
    harness.intent("test_drive_request", phone=new_phone())  # another kind stays out of the table
    key = dg.AssetKey(["raw", "customerio_reporting_events"])
    Path(os.environ["JOURNEY_DUCKDB_PATH"]).parent.mkdir(parents=True, exist_ok=True)
    job = location.resolve_implicit_global_asset_job_def()
    assert job.execute_in_process(asset_selection=[key], instance=dg.DagsterInstance.ephemeral()).success
    with duckdb.connect(os.environ["JOURNEY_DUCKDB_PATH"], read_only=True) as db:
        rows = db.execute(
            "select event_id, metric, email_address, newsletter_id, occurred_at, payload "
            "from raw.customerio_reporting_events order by event_id"
        ).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("01JREPORTING00000000000010", "sent", "pat@example.com", "2001"),
        ("01JREPORTING00000000000011", "clicked", "pat@example.com", "2001"),
    ]
    assert rows[0][4].timestamp() == 1795000010 and '"metric":"sent"' in rows[0][5]


def test_with_a_live_responder_the_sensor_skips_what_it_answered_and_catches_up_what_it_did_not(
    harness: Harness, location
):
    """The catch-up path: a fresh heartbeat leaves new events to `journey respond`; past the grace, a run."""
    instance = dg.DagsterInstance.ephemeral()
    answered = harness.intent("test_drive_request", phone=new_phone())
    waiting = harness.intent("test_drive_request", phone=new_phone())
    stored = {e.event_id: e for e in harness.store.read_since(None, 100)[0]}
    first, second = stored[answered["event_id"]], stored[waiting["event_id"]]
    store_id = harness.store.read_since(None, 1)[1].rpartition(":")[0]
    now = datetime.now(UTC)
    # What `journey respond` writes after answering the first event: its cursor there, and a heartbeat.
    harness.ledger.save_consumer("responder", now, position=f"{store_id}:{first.seq}")

    fresh = _tick(location, instance, None)
    assert isinstance(fresh, dg.SensorResult) and not fresh.run_requests
    assert fresh.cursor == f"{store_id}:{first.seq}"  # the answered event skipped; the waiting one left to it
    assert "left to it" in str(fresh.skip_reason)

    with freeze_time(now + timedelta(seconds=31)):  # past the grace, the heartbeat still fresh (beaten again)
        harness.ledger.save_consumer("responder", now + timedelta(seconds=31))
        late = _tick(location, instance, fresh.cursor)
    assert isinstance(late, dg.SensorResult) and len(late.run_requests) == 1
    config = late.run_requests[0].run_config["ops"]["respond_batch"]["config"]
    assert (config["after"], config["first_seq"], config["last_seq"]) == (fresh.cursor, second.seq, second.seq)

    with freeze_time(now + timedelta(seconds=60)):  # the heartbeat is 29 s old: no responder, every event a run
        dead = _tick(location, instance, None)
    assert isinstance(dead, dg.SensorResult) and len(dead.run_requests) == 1
    assert dead.run_requests[0].run_config["ops"]["respond_batch"]["config"]["first_seq"] == first.seq
