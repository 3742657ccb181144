"""A failed nightly run reaches the team's Slack channel (the sandbox's Slack fake) and its mail (the sandbox's
SMTP sink), with the failing step and why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import pytest

from journey_assets.definitions import build_definitions
from journey_assets.defs.ops.alerts import run_failure_alerts
from journey_assets.sandbox.mail_sink import read_mailbox
from journey_assets.sandbox.run import sandbox_mailbox, start_sandbox
from journey_assets.settings import load_settings


@pytest.fixture
def failed_nightly(small_world_data_dir, tmp_path, monkeypatch):
    """A nightly run that failed (the inventory feed down all night) and the alert sensor's context for it."""
    shutil.copytree(Path(small_world_data_dir) / "world", tmp_path / "world")
    monkeypatch.setenv("JOURNEY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JOURNEY_DUCKDB_PATH", str(tmp_path / "journey.duckdb"))
    monkeypatch.delenv("JOURNEY_ROOFTOPS_FILE", raising=False)
    server = start_sandbox(load_settings(), size="small", seed=7)
    try:
        monkeypatch.setenv("JOURNEY_SANDBOX_URL", server.url)
        defs = build_definitions(load_settings())
        server.inject("dealer_inventory", "server_error", times=-1)
        instance = dg.DagsterInstance.ephemeral()
        result = defs.resolve_job_def("nightly").execute_in_process(
            instance=instance,
            partition_key=server.world.as_of.isoformat(),
            asset_selection=[
                dg.AssetKey(["raw", "dealer_inventory"]),
                dg.AssetKey(["ops", "quarantine_dealer_inventory"]),
                dg.AssetKey(["ops", "vendor_calls_dealer_inventory"]),
            ],
            raise_on_error=False,
        )
        assert not result.success
        server.clear_faults()
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_alerts",
            dagster_event=result.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"respond_slack": defs.resources["respond_slack"], "alert_mail": defs.resources["alert_mail"]},
        ).for_run_failure()
        yield server, result, context
    finally:
        server.stop()


def test_a_failed_run_posts_its_step_and_reason_to_slack_and_mails_it(failed_nightly):
    server, result, context = failed_nightly
    run_failure_alerts(context)

    (posted,) = server.log.rows("slack")
    payload = json.loads(posted["body"])
    assert payload["text"].startswith("Dagster run failed: nightly")
    section = payload["blocks"][0]["text"]["text"]
    assert "`dealer_inventory`" in section and "503" in section
    assert f"/runs/{result.run_id}" in section

    (mail,) = read_mailbox(sandbox_mailbox(load_settings()))
    assert mail.recipients == ("data-team@dealer-journey.local",)
    assert mail.message["Subject"] == payload["text"]
    body = mail.message.get_body(preferencelist=("plain",)).get_content()
    assert "Failed in: dealer_inventory" in body and "503" in body and f"/runs/{result.run_id}" in body


def test_slack_down_still_mails_and_the_tick_fails_saying_so(failed_nightly):
    """One channel down must not silence the other: the mail goes out, then the sensor's tick fails."""
    server, _, context = failed_nightly
    server.inject("slack", "server_error", times=-1, status=400)  # refused, not retried
    with pytest.raises(dg.Failure, match="did not reach everyone: Slack"):
        run_failure_alerts(context)
    assert len(read_mailbox(sandbox_mailbox(load_settings()))) == 1
