"""Resources of the response plane (the sensor and the `respond` job).

Keys (added to every environment by `respond_resources`, merged in
`defs/resources.py`): `respond_events` (the intake's event store),
`respond_ledger`, `respond_settings` (rooftop and salespeople files, Wrike
folder, Customer.io message id, dry run), `respond_twilio`, `respond_wrike`,
`respond_slack`, `respond_customerio`, `respond_features` (the latest features per
person, copied nightly by `features.py`) and `respond_warehouse` (what that copy reads). The CRM (`crm`), the inventory feed
(`dealer_inventory`), Meta (`meta`: lead-ad leads read by id, same system-user
token, JOURNEY_META_ACCESS_TOKEN in prod) and `rooftops` are the batch plane's
resources, shared. Lead-ads webhooks are routed to a rooftop by the rooftops
file's `meta_page_id` (or `meta_form_ids`), see `journey/lead_ads.py`.

Local: every vendor at the sandbox (`settings.base_url`), with the credentials
(and the Wrike folder) the sandbox wrote to `settings.sandbox_credentials_file`
when it started, read when a run builds its clients, so a code location loaded
before the sandbox started still gets them; production code never imports the
sandbox. Prod: live URLs, secrets as `EnvVar` (read when a run starts, never
stored): JOURNEY_TWILIO_ACCOUNT_SID, JOURNEY_TWILIO_AUTH_TOKEN
(the intake verifies callbacks with the same token), JOURNEY_WRIKE_TOKEN,
JOURNEY_SLACK_WEBHOOK_URL, JOURNEY_CUSTOMERIO_APP_API_KEY; plain settings
JOURNEY_TWILIO_FROM_NUMBER or JOURNEY_TWILIO_MESSAGING_SERVICE_SID,
JOURNEY_INTAKE_PUBLIC_URL (where Twilio posts status callbacks),
JOURNEY_WRIKE_FOLDER_ID, JOURNEY_CUSTOMERIO_FALLBACK_MESSAGE_ID.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import dagster as dg

from journey_assets.connectors.customerio import CustomerIOAppClient
from journey_assets.connectors.slack import SlackWebhookClient
from journey_assets.connectors.twilio import TwilioClient
from journey_assets.connectors.wrike import WrikeClient
from journey_assets.defs.respond.features import FeatureStoreResource, WarehouseReaderResource
from journey_assets.intake.store import EventStore
from journey_assets.intake.store_factory import open_store
from journey_assets.journey.lead_ads import LeadAdRouting
from journey_assets.journey.routing import TierRouting
from journey_assets.journey.scoring import LeadScorer, RuleBasedScorer
from journey_assets.propensity.scorer import ModelScorer
from journey_assets.propensity.store import ModelStore
from journey_assets.propensity.tiers import TierThresholds
from journey_assets.response.config import Roster, load_json_list, load_roster
from journey_assets.response.ledger import ResponseLedger
from journey_assets.response.ledger_factory import open_ledger
from journey_assets.settings import Settings


@functools.cache
def _model_scorer(model_uri: str, tiers: str) -> ModelScorer:
    """One scorer per store and tiers for the process: the champion is loaded once, not per respond run."""
    return ModelScorer(ModelStore(model_uri), TierThresholds.parse(tiers))


def local_credentials(path: str, vendor: str) -> dict[str, Any]:
    """One vendor's entry of the sandbox's credentials file; a clear error when the sandbox has not written it."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ValueError(f"no sandbox credentials at {path}: start the sandbox first (make sandbox)") from None
    except ValueError as exc:
        raise ValueError(f"the sandbox credentials file {path} is not JSON: {exc}") from None
    return dict(data.get(vendor) or {})


class EventStoreResource(dg.ConfigurableResource):
    """The intake's durable event store: a SQLite path or `postgresql://user@host/db` (no password in it)."""

    spec: str

    def open(self) -> EventStore:
        return open_store(self.spec)


class ResponseLedgerResource(dg.ConfigurableResource):
    """The response ledger: a SQLite path or `postgresql://user@host/db` (no password in it)."""

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
    credentials_file: str = ""  # local: the sandbox's Wrike folder when `wrike_folder_id` is not set
    scorer: str = "rules"  # `model`: the propensity champion (rules as its fallback); `rules`: rules-v1 only
    model_uri: str = ""  # where the champion is stored (settings.model_uri)
    propensity_tiers: str = ""  # the tiers' probability cut-offs, `hot=0.30,warm=0.10` (empty: defaults)
    tier_routing: str = ""  # per-tier SLA, alerts, importance and assignment (JSON; empty: defaults)

    def lead_scorer(self) -> LeadScorer:
        if self.scorer == "model" and self.model_uri:
            return _model_scorer(self.model_uri, self.propensity_tiers)
        return RuleBasedScorer()

    def routing(self) -> TierRouting:
        return TierRouting.from_json(self.tier_routing)

    def wrike_folder(self) -> str | None:
        if self.wrike_folder_id:
            return self.wrike_folder_id
        try:
            return local_credentials(self.credentials_file, "wrike").get("folder_id") or None
        except ValueError:
            return None  # no sandbox yet: the Wrike action says it is not configured

    def roster(self) -> Roster:
        return load_roster(self.rooftops_file, self.salespeople_file)

    def lead_ad_routing(self) -> LeadAdRouting:
        """Lead-ads page/form id -> rooftop, from the same rooftops file."""
        return LeadAdRouting.from_rooftops(load_json_list(self.rooftops_file, "rooftops"))


class TwilioResource(dg.ConfigurableResource):
    base_url: str
    account_sid: str = ""
    auth_token: str = ""
    from_number: str = ""
    messaging_service_sid: str = ""
    status_callback_url: str = ""
    timeout_seconds: float = 15.0
    credentials_file: str = ""  # local: the sandbox's credentials fill what is not set

    def client(self) -> TwilioClient:
        local = local_credentials(self.credentials_file, "twilio")
        return TwilioClient(
            self.account_sid or local.get("account_sid", ""),
            self.auth_token or local.get("auth_token", ""),
            base_url=self.base_url,
            from_number=self.from_number or local.get("from_number") or None,
            messaging_service_sid=self.messaging_service_sid or None,
            status_callback=self.status_callback_url or None,
            timeout=self.timeout_seconds,
        )


class WrikeResource(dg.ConfigurableResource):
    base_url: str
    token: str = ""
    timeout_seconds: float = 30.0
    credentials_file: str = ""  # local: the sandbox's credentials

    def client(self) -> WrikeClient:
        token = self.token or local_credentials(self.credentials_file, "wrike").get("token", "")
        return WrikeClient(token, base_url=self.base_url, timeout=self.timeout_seconds)


class SlackResource(dg.ConfigurableResource):
    """An incoming webhook: its full URL (the URL is the credential)."""

    webhook_url: str
    timeout_seconds: float = 10.0
    credentials_file: str = ""  # local: `webhook_url` is the sandbox's base URL, the path comes from here

    def client(self) -> SlackWebhookClient:
        path = local_credentials(self.credentials_file, "slack").get("webhook_path", "")
        return SlackWebhookClient(self.webhook_url.rstrip("/") + path, timeout=self.timeout_seconds)


class CustomerIOAppResource(dg.ConfigurableResource):
    base_url: str
    app_api_key: str = ""
    timeout_seconds: float = 30.0
    credentials_file: str = ""  # local: the sandbox's credentials

    def client(self) -> CustomerIOAppClient:
        key = self.app_api_key or local_credentials(self.credentials_file, "customerio_app").get("app_api_key", "")
        return CustomerIOAppClient(key, base_url=self.base_url, timeout=self.timeout_seconds)


def respond_resources(settings: Settings) -> dict[str, Any]:
    """The response plane's resources for `settings`' environment."""
    options = settings.respond_options
    intake_url = settings.intake_public_url
    callback = f"{intake_url}/twilio/status" if intake_url else ""
    common = {
        "respond_events": EventStoreResource(spec=settings.intake_store),
        "respond_ledger": ResponseLedgerResource(path=str(settings.response_ledger)),
        "respond_settings": RespondSettingsResource(
            rooftops_file=str(settings.rooftops_file),
            salespeople_file=str(settings.salespeople_file),
            wrike_folder_id=options["wrike_folder_id"],
            fallback_email_message_id=options["fallback_email_message_id"],
            dry_run=settings.dry_run,
            credentials_file=str(settings.sandbox_credentials_file) if settings.is_local else "",
            scorer=settings.response_scorer,
            model_uri=settings.model_uri,
            propensity_tiers=str(settings.propensity_tiers),
            tier_routing=settings.tier_routing,
        ),
        "respond_features": FeatureStoreResource(spec=settings.response_features),
        "respond_warehouse": WarehouseReaderResource(duckdb_path=str(settings.duckdb_path))
        if settings.is_local
        else WarehouseReaderResource(
            gcp_project=dg.EnvVar("JOURNEY_GCP_PROJECT"), bq_location=dg.EnvVar("JOURNEY_BQ_LOCATION")
        ),
    }
    if settings.is_local:
        creds = str(settings.sandbox_credentials_file)
        vendors = {
            "respond_twilio": TwilioResource(
                base_url=settings.base_url("twilio"), status_callback_url=callback, credentials_file=creds
            ),
            "respond_wrike": WrikeResource(base_url=settings.base_url("wrike"), credentials_file=creds),
            "respond_slack": SlackResource(webhook_url=settings.base_url("slack"), credentials_file=creds),
            "respond_customerio": CustomerIOAppResource(
                base_url=settings.base_url("customerio_app"), credentials_file=creds
            ),
        }
    else:
        vendors = {
            "respond_twilio": TwilioResource(
                base_url=settings.base_url("twilio"),
                account_sid=dg.EnvVar("JOURNEY_TWILIO_ACCOUNT_SID"),
                auth_token=dg.EnvVar("JOURNEY_TWILIO_AUTH_TOKEN"),
                from_number=options["twilio_from_number"],
                messaging_service_sid=options["twilio_messaging_service_sid"],
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
