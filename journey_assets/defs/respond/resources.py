"""Resources of the response plane (the sensor and the `respond` job).

Keys (added to every environment by `respond_resources`, merged in
`defs/resources.py`): `respond_events` (the intake's event store),
`respond_ledger`, `respond_settings` (rooftop and salespeople files, Wrike
folder, Customer.io message id, dry run), `respond_twilio`, `respond_wrike`,
`respond_slack`, `respond_customerio`. The CRM (`crm`), the inventory feed
(`dealer_inventory`), Meta (`meta`: lead-ad leads read by id, same system-user
token, JOURNEY_META_ACCESS_TOKEN in prod) and `rooftops` are the batch plane's
resources, shared. Lead-ads webhooks are routed to a rooftop by the rooftops
file's `meta_page_id` (or `meta_form_ids`), see `journey/lead_ads.py`.

Local: every vendor at the sandbox (`settings.base_url`), the sandbox fakes'
default credentials. Prod: live URLs, secrets as `EnvVar` (read when a run
starts, never stored): JOURNEY_TWILIO_ACCOUNT_SID, JOURNEY_TWILIO_AUTH_TOKEN
(the intake verifies callbacks with the same token), JOURNEY_WRIKE_TOKEN,
JOURNEY_SLACK_WEBHOOK_URL, JOURNEY_CUSTOMERIO_APP_API_KEY; plain settings
JOURNEY_TWILIO_FROM_NUMBER or JOURNEY_TWILIO_MESSAGING_SERVICE_SID,
JOURNEY_INTAKE_PUBLIC_URL (where Twilio posts status callbacks),
JOURNEY_WRIKE_FOLDER_ID, JOURNEY_CUSTOMERIO_FALLBACK_MESSAGE_ID.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from journey_assets.connectors.customerio import CustomerIOAppClient
from journey_assets.connectors.slack import SlackWebhookClient
from journey_assets.connectors.twilio import TwilioClient
from journey_assets.connectors.wrike import WrikeClient
from journey_assets.intake.store import EventStore, open_store
from journey_assets.journey.lead_ads import LeadAdRouting
from journey_assets.response.config import Roster, load_json_list, load_roster
from journey_assets.response.ledger import ResponseLedger, open_ledger
from journey_assets.settings import Settings

SANDBOX_SLACK_PATH = "/services/T0SANDBOX/B0SANDBOX/sandboxwebhook"
SANDBOX_WRIKE_FOLDER = "IEAAAAAAI4RESPND"


class EventStoreResource(dg.ConfigurableResource):
    """The intake's durable event store: a SQLite path or `bigquery://<project>/<dataset>`."""

    spec: str

    def open(self) -> EventStore:
        return open_store(self.spec)


class ResponseLedgerResource(dg.ConfigurableResource):
    """The response ledger: a SQLite path (a Postgres ledger is not implemented yet)."""

    path: str

    def open(self) -> ResponseLedger:
        return open_ledger(self.path)


class RespondSettingsResource(dg.ConfigurableResource):
    rooftops_file: str
    salespeople_file: str
    wrike_folder_id: str = ""
    fallback_email_message_id: str = "lead_response_fallback"
    vendor_name: str = "Dealer Journey"
    dry_run: bool = False
    batch_size: int = 100

    def roster(self) -> Roster:
        return load_roster(self.rooftops_file, self.salespeople_file)

    def lead_ad_routing(self) -> LeadAdRouting:
        """Lead-ads page/form id -> rooftop, from the same rooftops file."""
        return LeadAdRouting.from_rooftops(load_json_list(self.rooftops_file, "rooftops"))


class TwilioResource(dg.ConfigurableResource):
    base_url: str
    account_sid: str
    auth_token: str
    from_number: str = ""
    messaging_service_sid: str = ""
    status_callback_url: str = ""
    timeout_seconds: float = 15.0

    def client(self) -> TwilioClient:
        return TwilioClient(
            self.account_sid,
            self.auth_token,
            base_url=self.base_url,
            from_number=self.from_number or None,
            messaging_service_sid=self.messaging_service_sid or None,
            status_callback=self.status_callback_url or None,
            timeout=self.timeout_seconds,
        )


class WrikeResource(dg.ConfigurableResource):
    base_url: str
    token: str
    timeout_seconds: float = 30.0

    def client(self) -> WrikeClient:
        return WrikeClient(self.token, base_url=self.base_url, timeout=self.timeout_seconds)


class SlackResource(dg.ConfigurableResource):
    """An incoming webhook: its full URL (the URL is the credential)."""

    webhook_url: str
    timeout_seconds: float = 10.0

    def client(self) -> SlackWebhookClient:
        return SlackWebhookClient(self.webhook_url, timeout=self.timeout_seconds)


class CustomerIOAppResource(dg.ConfigurableResource):
    base_url: str
    app_api_key: str
    timeout_seconds: float = 30.0

    def client(self) -> CustomerIOAppClient:
        return CustomerIOAppClient(self.app_api_key, base_url=self.base_url, timeout=self.timeout_seconds)


def _sandbox_credentials() -> dict[str, str]:
    """The sandbox fakes' default credentials (local only; the fakes read the same env overrides)."""
    from journey_assets.sandbox.fakes import twilio as twilio_fake

    return {
        "twilio_sid": os.getenv("JOURNEY_SANDBOX_TWILIO_ACCOUNT_SID") or twilio_fake.DEFAULT_ACCOUNT_SID,
        "twilio_token": os.getenv("JOURNEY_SANDBOX_TWILIO_AUTH_TOKEN") or twilio_fake.DEFAULT_AUTH_TOKEN,
        "twilio_from": os.getenv("JOURNEY_SANDBOX_TWILIO_FROM_NUMBER") or twilio_fake.DEFAULT_FROM_NUMBER,
        "wrike_token": os.getenv("JOURNEY_SANDBOX_WRIKE_TOKEN") or "sandbox-wrike-token",
        "customerio_app": os.getenv("JOURNEY_SANDBOX_CUSTOMERIO_APP_API_KEY") or "sandbox-app-api-key",
    }


def respond_resources(settings: Settings) -> dict[str, Any]:
    """The response plane's resources for `settings`' environment."""
    intake_url = os.getenv("JOURNEY_INTAKE_PUBLIC_URL", "http://127.0.0.1:8080" if settings.is_local else "").rstrip(
        "/"
    )
    common = {
        "respond_events": EventStoreResource(
            spec=os.getenv("JOURNEY_INTAKE_STORE") or str(settings.data_dir / "intake" / "events.sqlite3")
        ),
        "respond_ledger": ResponseLedgerResource(path=str(settings.response_ledger)),
        "respond_settings": RespondSettingsResource(
            rooftops_file=str(settings.rooftops_file),
            salespeople_file=str(settings.salespeople_file),
            wrike_folder_id=os.getenv("JOURNEY_WRIKE_FOLDER_ID", SANDBOX_WRIKE_FOLDER if settings.is_local else ""),
            fallback_email_message_id=os.getenv("JOURNEY_CUSTOMERIO_FALLBACK_MESSAGE_ID", "lead_response_fallback"),
            dry_run=settings.dry_run,
        ),
    }
    callback = f"{intake_url}/twilio/status" if intake_url else ""
    if settings.is_local:
        creds = _sandbox_credentials()
        vendors = {
            "respond_twilio": TwilioResource(
                base_url=settings.base_url("twilio"),
                account_sid=creds["twilio_sid"],
                auth_token=creds["twilio_token"],
                from_number=creds["twilio_from"],
                status_callback_url=callback,
            ),
            "respond_wrike": WrikeResource(base_url=settings.base_url("wrike"), token=creds["wrike_token"]),
            "respond_slack": SlackResource(webhook_url=settings.base_url("slack") + SANDBOX_SLACK_PATH),
            "respond_customerio": CustomerIOAppResource(
                base_url=settings.base_url("customerio_app"), app_api_key=creds["customerio_app"]
            ),
        }
    else:
        vendors = {
            "respond_twilio": TwilioResource(
                base_url=settings.base_url("twilio"),
                account_sid=dg.EnvVar("JOURNEY_TWILIO_ACCOUNT_SID"),
                auth_token=dg.EnvVar("JOURNEY_TWILIO_AUTH_TOKEN"),
                from_number=os.getenv("JOURNEY_TWILIO_FROM_NUMBER", ""),
                messaging_service_sid=os.getenv("JOURNEY_TWILIO_MESSAGING_SERVICE_SID", ""),
                status_callback_url=callback,
            ),
            "respond_wrike": WrikeResource(base_url=settings.base_url("wrike"), token=dg.EnvVar("JOURNEY_WRIKE_TOKEN")),
            "respond_slack": SlackResource(webhook_url=dg.EnvVar("JOURNEY_SLACK_WEBHOOK_URL")),
            "respond_customerio": CustomerIOAppResource(
                base_url=settings.base_url("customerio_app"), app_api_key=dg.EnvVar("JOURNEY_CUSTOMERIO_APP_API_KEY")
            ),
        }
    return {**common, **vendors}


__all__ = [
    "CustomerIOAppResource",
    "EventStoreResource",
    "RespondSettingsResource",
    "ResponseLedgerResource",
    "SlackResource",
    "TwilioResource",
    "WrikeResource",
    "respond_resources",
]
