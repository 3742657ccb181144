"""Failed runs alert the data team's Slack channel (the same incoming webhook as hot-lead alerts)."""

import dagster as dg

from journey_assets.connectors.slack import run_failure_alert
from journey_assets.defs.respond.resources import SlackResource
from journey_assets.settings import load_settings

# Where the Dagster UI is reachable from the team's browsers (a link in each alert).
DAGSTER_UI_URL = load_settings().dagster_ui_url


@dg.run_failure_sensor(
    name="run_failure_alerts",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Posts every failed run (nightly, respond, DMS) to Slack with the failing steps and the first line of the error.",
)
def run_failure_alerts(context: dg.RunFailureSensorContext, respond_slack: SlackResource) -> None:
    run = context.dagster_run
    failed_steps = sorted({event.step_key for event in context.get_step_failure_events() if event.step_key})
    step_errors = [
        _root_cause(event.event_specific_data.error)
        for event in context.get_step_failure_events()
        if event.event_specific_data and event.event_specific_data.error
    ]
    payload = run_failure_alert(
        job=run.job_name,
        run_id=run.run_id,
        failed_steps=failed_steps,
        error=step_errors[0] if step_errors else (context.failure_event.message or ""),
        run_url=f"{DAGSTER_UI_URL}/runs/{run.run_id}",
    )
    respond_slack.client().post_payload(payload)
    context.log.info(f"alerted Slack: {payload['text']}")


def _root_cause(error) -> str:
    """Dagster wraps a step's exception ("Error occurred while executing op"); the vendor's words are at the bottom."""
    while error.cause is not None:
        error = error.cause
    return error.message
