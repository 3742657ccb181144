"""Failed runs alert the data team: its Slack channel (the same incoming webhook as hot-lead alerts) and its mail.

A failed blocking asset check fails its run, so it alerts here too. Slack and mail are tried independently: one
channel down must not silence the other; the tick fails (and Dagster shows it) only after both were tried.
"""

from email.message import EmailMessage
from html import escape

import dagster as dg

from journey_assets.connectors import smtp_mail
from journey_assets.connectors.http import VendorError
from journey_assets.connectors.slack import run_failure_alert
from journey_assets.defs.report.resources import ReportMailResource
from journey_assets.defs.respond.resources import SlackResource
from journey_assets.settings import load_settings

# Where the Dagster UI is reachable from the team's browsers (a link in each alert).
DAGSTER_UI_URL = load_settings().dagster_ui_url


@dg.run_failure_sensor(
    name="run_failure_alerts",
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Posts every failed run (nightly, respond, DMS) to Slack and mails it to the data team "
    "(JOURNEY_ALERT_MAIL_TO), with the failing steps and the first line of the error.",
)
def run_failure_alerts(
    context: dg.RunFailureSensorContext, respond_slack: SlackResource, alert_mail: ReportMailResource
) -> None:
    run = context.dagster_run
    failed_steps = sorted({event.step_key for event in context.get_step_failure_events() if event.step_key})
    step_errors = [
        _root_cause(event.event_specific_data.error)
        for event in context.get_step_failure_events()
        if event.event_specific_data and event.event_specific_data.error
    ]
    error = step_errors[0] if step_errors else (context.failure_event.message or "")
    run_url = f"{DAGSTER_UI_URL}/runs/{run.run_id}"
    payload = run_failure_alert(
        job=run.job_name, run_id=run.run_id, failed_steps=failed_steps, error=error, run_url=run_url
    )
    problems: list[str] = []
    try:
        respond_slack.client().post_payload(payload)
        context.log.info(f"alerted Slack: {payload['text']}")
    except VendorError as exc:  # its message names the vendor and the status, never the webhook's token
        problems.append(f"Slack: {exc}")
    recipients = alert_mail.recipient_list()
    if recipients:
        try:
            smtp_mail.send(
                alert_mail.smtp(),
                failure_mail(alert_mail.sender, recipients, payload["text"], failed_steps, error, run_url),
            )
            context.log.info(f"alerted {len(recipients)} mail recipient(s): {payload['text']}")
        except VendorError as exc:  # smtp_mail maps every SMTP failure to one, without the password
            problems.append(f"mail: {exc}")
    if problems:
        raise dg.Failure(f"the failed-run alert did not reach everyone: {'; '.join(problems)}")


def failure_mail(
    sender: str, recipients: list[str], subject: str, failed_steps: list[str], error: str, run_url: str
) -> EmailMessage:
    """The alert as mail: the same facts as the Slack post (the error's first line, clipped; the full trace
    stays on the run's page)."""
    reason = (error or "no error message").strip().splitlines()[0][:500]
    steps = ", ".join(failed_steps) or "the run itself"
    text = f"{subject}\n\nFailed in: {steps}\nWhy: {reason}\n\nOpen the run: {run_url}\n"
    html = (
        f"<p><b>{escape(subject)}</b></p><p>Failed in: {escape(steps)}<br>Why: {escape(reason)}</p>"
        f'<p><a href="{escape(run_url)}">Open the run</a></p>'
    )
    return smtp_mail.build_message(sender, recipients, subject, html, text=text)


def _root_cause(error) -> str:
    """Dagster wraps a step's exception ("Error occurred while executing op"); the vendor's words are at the bottom."""
    while error.cause is not None:
        error = error.cause
    return error.message
