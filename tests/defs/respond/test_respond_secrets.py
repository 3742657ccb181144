"""issue 8.12: no credential reaches a log line, a ledger row or a Dagster event, on any vendor's failure path.

Every vendor the response plane calls gets a recognizable secret as its credential. The fakes
refuse them (401/403/404: the permanent paths), then serve 500s and dropped connections (the
transient paths), and a timeout on the SMS (the uncertain path). The `respond` job runs in process
on a Dagster instance; afterwards the secrets are searched for in every captured log record (with
tracebacks), every row of every ledger table, and every entry of the run's event log.
"""

from __future__ import annotations

import logging
import sqlite3

import dagster as dg
from support.respond_harness import FOLDER, IN_STOCK, Harness, new_phone, vehicle_of

from journey_assets.defs.resources import CRMResource, DealerInventoryResource, MetaResource
from journey_assets.defs.respond.features import FeatureStoreResource
from journey_assets.defs.respond.job import respond_job, run_config_for
from journey_assets.defs.respond.resources import (
    CustomerIOAppResource,
    EventStoreResource,
    RespondSettingsResource,
    ResponseLedgerResource,
    SlackResource,
    TwilioResource,
    WrikeResource,
)
from journey_assets.sandbox.fakes import twilio as twilio_fake

SECRETS = {
    "twilio": "CanaryTwilioToken7d41",
    "crm": "CanaryCrmToken5b2e",
    "wrike": "CanaryWrikeToken9c0a",
    "slack": "CanarySlackHook3f8d",
    "customerio": "CanaryCioAppKey2e6b",
    "dealer_inventory": "CanaryFeedKey8a1c",
    "meta": "CanaryMetaToken4d9f",
}


def resources(harness: Harness) -> dict:
    url = harness.url
    return {
        "respond_events": EventStoreResource(spec=str(harness.store_path)),
        "respond_ledger": ResponseLedgerResource(path=str(harness.ledger_path)),
        "respond_settings": RespondSettingsResource(
            rooftops_file=str(harness.rooftops_file),
            salespeople_file=str(harness.salespeople_file),
            wrike_folder_id=FOLDER,
        ),
        "respond_twilio": TwilioResource(
            base_url=url("twilio"),
            account_sid=twilio_fake.DEFAULT_ACCOUNT_SID,
            auth_token=SECRETS["twilio"],
            from_number="+13125550100",
            timeout_seconds=2,
        ),
        "respond_wrike": WrikeResource(base_url=url("wrike"), token=SECRETS["wrike"], timeout_seconds=2),
        "respond_slack": SlackResource(
            webhook_url=f"{url('slack')}/services/T0CANARY/B0CANARY/{SECRETS['slack']}", timeout_seconds=2
        ),
        "respond_customerio": CustomerIOAppResource(
            base_url=url("customerio"), app_api_key=SECRETS["customerio"], timeout_seconds=2
        ),
        "crm": CRMResource(base_url=url("crm"), token=SECRETS["crm"], timeout_seconds=2),
        "dealer_inventory": DealerInventoryResource(
            base_url=url("dealer_inventory"), api_key=SECRETS["dealer_inventory"], timeout_seconds=2
        ),
        "meta": MetaResource(base_url=url("meta"), access_token=SECRETS["meta"], timeout_seconds=2),
        "respond_features": FeatureStoreResource(spec=str(harness.ledger_path.parent / "features.sqlite3")),
    }


def run_job(harness: Harness, instance: dg.DagsterInstance, events: int) -> dg.ExecuteInProcessResult:
    cursor = harness.cursor
    harness.read_new()  # moves the harness's cursor past these events; the job reads them itself
    return respond_job.execute_in_process(
        run_config=run_config_for(cursor, events), resources=resources(harness), instance=instance
    )


def ledger_text(harness: Harness) -> str:
    with sqlite3.connect(harness.ledger_path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(row) for table in tables for row in conn.execute(f"SELECT * FROM {table}"))


def event_log_text(instance: dg.DagsterInstance, run_id: str) -> str:
    return "\n".join(dg.serialize_value(entry) for entry in instance.all_logs(run_id))


def test_no_secret_reaches_logs_ledger_or_dagster_events_on_any_failure_path(harness: Harness, caplog, capfd):
    slack = harness.server.fakes["slack"]
    slack.revoked_tokens.add(SECRETS["slack"])  # a deleted webhook: 404 no_service
    instance = dg.DagsterInstance.ephemeral()
    runs = []
    # INFO: the level the job logs at (urllib3's own DEBUG lines name every URL it requests, a Slack
    # webhook's included; that logger stays off in every environment).
    with caplog.at_level(logging.INFO):
        # permanent: every vendor refuses the credential
        for _ in range(2):
            harness.intent("test_drive_request", phone=new_phone(), vehicle=vehicle_of(IN_STOCK))
        runs.append(run_job(harness, instance, 2))
        # transient, before any credential is checked: a 500 on the CRM writes, a dropped Slack connection
        # (POSTs: not retried), and a timed-out SMS (the uncertain path)
        harness.server.inject("crm", "server_error", times=-1, status=500)
        harness.server.inject("slack", "drop", times=-1)
        harness.server.inject("twilio", "timeout", delay=2.5, times=-1)
        harness.intent("test_drive_request", phone=new_phone(), vehicle=vehicle_of(IN_STOCK))
        runs.append(run_job(harness, instance, 1))
        harness.server.clear_faults()

    assert all(run.success for run in runs)
    actions = [a for a in harness.ledger.actions() if a.action in ("sms", "crm_lead", "wrike_task", "slack_alert")]
    assert {a.status for a in actions} >= {"failed", "pending"}  # both kinds of failure path were taken
    assert harness.ledger.dead_letters()
    # python logging (the connectors, the workflow) and Dagster's console log (context.log), with tracebacks
    logged = (
        capfd.readouterr().err
        + caplog.text
        + "\n".join(str(r.exc_info[1]) + repr(r.exc_info[1].__cause__) for r in caplog.records if r.exc_info)
    )
    stored, events = ledger_text(harness), "\n".join(event_log_text(instance, run.run_id) for run in runs)
    assert "refused by" in logged and "failed" in stored and "respond:" in events  # the failures were recorded
    for vendor, secret in SECRETS.items():
        assert secret not in logged, f"{vendor}'s secret in a log line"
        assert secret not in stored, f"{vendor}'s secret in the ledger"
        assert secret not in events, f"{vendor}'s secret in Dagster's event log"
