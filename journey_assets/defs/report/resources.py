"""Resources of the weekly report and the analyst.

Keys (`report_resources`): `report_warehouse` (read the marts, append the
analyst's answers and rejections), `report_settings` (output folder, group
name, UI link), `report_mail` (SMTP), `report_slack` (the marketing
channel's webhook), `report_wrike` (tasks for the marketing manager),
`analyst` (the chat-completions endpoint).

Local: DuckDB, the sandbox's mail sink (its host and port from the sandbox's
credentials file, read when a run builds its clients), Slack, Wrike and chat
fakes. Prod: BigQuery; secrets as `EnvVar`: JOURNEY_SMTP_PASSWORD,
JOURNEY_REPORT_SLACK_WEBHOOK_URL, JOURNEY_WRIKE_TOKEN, JOURNEY_ANALYST_API_KEY;
plain settings in `Settings.report_mail` and `Settings.analyst_options`.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from journey_assets.connectors.chat_completions import ChatCompletionsClient
from journey_assets.connectors.smtp_mail import SmtpSettings
from journey_assets.defs.respond.resources import SlackResource, WrikeResource, local_credentials
from journey_assets.settings import Settings
from journey_assets.warehouse import BigQueryWarehouse, DuckDBWarehouse, Warehouse


class ReportWarehouseResource(dg.ConfigurableResource):
    """DuckDB file locally; a BigQuery project in prod."""

    duckdb_path: str = ""
    bigquery_project: str = ""
    bigquery_location: str = ""

    def warehouse(self) -> Warehouse:
        if self.duckdb_path:
            return DuckDBWarehouse(self.duckdb_path)
        return BigQueryWarehouse(self.bigquery_project, self.bigquery_location or None)


class ReportSettingsResource(dg.ConfigurableResource):
    output_dir: str
    group_name: str = "the dealer group"
    dagster_ui_url: str = "http://127.0.0.1:3000"

    def asset_url(self, *path: str) -> str:
        return f"{self.dagster_ui_url}/assets/{'/'.join(path)}"


class ReportMailResource(dg.ConfigurableResource):
    host: str = ""
    port: int = 0
    starttls: bool = False
    username: str = ""
    password: str = ""
    sender: str
    recipients: str  # comma-separated
    credentials_file: str = ""  # local: the sandbox's mail sink fills host and port when they are not set

    def smtp(self) -> SmtpSettings:
        sink = local_credentials(self.credentials_file, "smtp") if self.credentials_file else {}
        return SmtpSettings(
            host=self.host or str(sink.get("host", "")),
            port=self.port or int(sink.get("port", 0) or 25),
            sender=self.sender,
            starttls=self.starttls,
            username=self.username,
            password=self.password,
        )

    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.split(",") if r.strip()]


class AnalystResource(dg.ConfigurableResource):
    base_url: str
    model: str
    api_key: str = ""
    timeout_seconds: float = 120.0
    wrike_folder_id: str = ""
    manager_wrike_id: str = ""
    credentials_file: str = ""  # local: the sandbox's Wrike folder when `wrike_folder_id` is not set

    def client(self) -> ChatCompletionsClient:
        return ChatCompletionsClient(self.api_key, base_url=self.base_url, timeout=self.timeout_seconds)

    def task_folder(self) -> str:
        if self.wrike_folder_id:
            return self.wrike_folder_id
        return (
            str(local_credentials(self.credentials_file, "wrike").get("folder_id", "")) if self.credentials_file else ""
        )


def report_resources(settings: Settings) -> dict[str, Any]:
    mail, analyst = settings.report_mail, settings.analyst_options
    creds = str(settings.sandbox_credentials_file) if settings.is_local else ""
    common = {
        "report_settings": ReportSettingsResource(
            output_dir=str(settings.report_dir), dagster_ui_url=settings.dagster_ui_url
        ),
    }
    plain_mail = {
        "host": mail["host"],
        "port": int(mail["port"] or 0),
        "starttls": mail["starttls"].lower() in ("1", "true", "yes"),
        "username": mail["username"],
        "sender": mail["sender"],
        "recipients": mail["recipients"],
    }
    plain_analyst = {
        "base_url": analyst["base_url"],
        "model": analyst["model"],
        "wrike_folder_id": analyst["wrike_folder_id"],
        "manager_wrike_id": analyst["manager_wrike_id"],
    }
    # Failed-run alerts (defs/ops/alerts.py) go out over the same SMTP relay, to the data team.
    alert_mail = {**plain_mail, "recipients": settings.alert_mail_to}
    if settings.is_local:
        return {
            **common,
            "report_warehouse": ReportWarehouseResource(duckdb_path=str(settings.duckdb_path)),
            "report_mail": ReportMailResource(**plain_mail, credentials_file=creds),
            "alert_mail": ReportMailResource(**alert_mail, credentials_file=creds),
            "report_slack": SlackResource(webhook_url=settings.base_url("slack"), credentials_file=creds),
            "report_wrike": WrikeResource(base_url=settings.base_url("wrike"), credentials_file=creds),
            "analyst": AnalystResource(**plain_analyst, api_key="sandbox", credentials_file=creds),
        }
    return {
        **common,
        "report_warehouse": ReportWarehouseResource(
            bigquery_project=dg.EnvVar("JOURNEY_GCP_PROJECT"), bigquery_location=dg.EnvVar("JOURNEY_BQ_LOCATION")
        ),
        "report_mail": ReportMailResource(**plain_mail, password=dg.EnvVar("JOURNEY_SMTP_PASSWORD")),
        "alert_mail": ReportMailResource(**alert_mail, password=dg.EnvVar("JOURNEY_SMTP_PASSWORD")),
        "report_slack": SlackResource(webhook_url=dg.EnvVar("JOURNEY_REPORT_SLACK_WEBHOOK_URL")),
        "report_wrike": WrikeResource(base_url=settings.base_url("wrike"), token=dg.EnvVar("JOURNEY_WRIKE_TOKEN")),
        "analyst": AnalystResource(**plain_analyst, api_key=dg.EnvVar("JOURNEY_ANALYST_API_KEY")),
    }
