"""The one place that says which environment runs and where its local files live.

`JOURNEY_ENV=local` (default): DuckDB under `data/`, dbt target `local`, every
vendor's base URL pointing at the sandbox on loopback.
`JOURNEY_ENV=prod`: BigQuery, dbt target `prod`, live vendor URLs and
credentials from env vars (read by Dagster `EnvVar` at run time, never here).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("local", "prod")

# The live base URL of each vendor; in local every vendor is served by the
# sandbox at <JOURNEY_SANDBOX_URL>/<vendor>. Override any of them with
# JOURNEY_<VENDOR>_BASE_URL (e.g. JOURNEY_DEALER_INVENTORY_BASE_URL).
LIVE_BASE_URLS: dict[str, str] = {
    # DealerOn and Dealer.com have no public inventory API: a dealer group gets a
    # feed URL from its website provider, so there is no default to ship.
    "dealer_inventory": "",
    "ga4": "https://analyticsdata.googleapis.com",
    "google_ads": "https://googleads.googleapis.com",
    "meta": "https://graph.facebook.com",
    "metricool": "https://app.metricool.com/api",
    "gbp": "https://mybusiness.googleapis.com",
    "pagespeed": "https://www.googleapis.com/pagespeedonline",
    "crm": "",
    "twilio": "https://api.twilio.com",
    "customerio": "https://track.customer.io",
    "customerio_app": "https://api.customer.io",
    "wrike": "https://www.wrike.com/api/v4",
    "slack": "https://hooks.slack.com",
}
# Sandbox route prefix for vendors whose two APIs the sandbox serves from one fake.
SANDBOX_VENDOR_ALIASES = {"customerio_app": "customerio"}


@dataclass(frozen=True)
class SourceAccounts:
    """The batch sources' plain (non-secret) account settings; their secrets stay Dagster `EnvVar`s."""

    metricool_user_id: str  # JOURNEY_METRICOOL_USER_ID: the number after userId in Metricool's URL
    gbp_account_id: str  # JOURNEY_GBP_ACCOUNT_ID
    google_ads_login_customer_id: str  # JOURNEY_GOOGLE_ADS_LOGIN_CUSTOMER_ID: the manager account
    dms_bucket: str  # JOURNEY_DMS_BUCKET: prod reads DMS exports from this GCS bucket
    dms_prefix: str  # JOURNEY_DMS_PREFIX
    sandbox_crm_token: str  # JOURNEY_SANDBOX_CRM_TOKEN: the token the sandbox's CRM fake expects (local)


@dataclass(frozen=True)
class Settings:
    env: str
    data_dir: Path
    duckdb_path: Path
    sandbox_url: str
    partitions_start: str
    dry_run: bool
    # The code location's own settings (definitions.py, defs/): keep them in this block.
    dagster_ui_url: str = "http://127.0.0.1:3000"  # JOURNEY_DAGSTER_UI_URL, linked from alerts
    accounts: SourceAccounts = SourceAccounts("", "", "", "", "dms", "")

    @property
    def is_local(self) -> bool:
        return self.env == "local"

    @property
    def dbt_target(self) -> str:
        return self.env

    @property
    def rooftops_file(self) -> Path:
        explicit = os.getenv("JOURNEY_ROOFTOPS_FILE")
        if explicit:
            return Path(explicit)
        # In local the sandbox writes the dealer group's configuration it plays.
        return self.data_dir / "sandbox" / "rooftops.json"

    @property
    def salespeople_file(self) -> Path:
        """The sales roster (JSON list) beside the rooftops file unless JOURNEY_SALESPEOPLE_FILE says otherwise."""
        explicit = os.getenv("JOURNEY_SALESPEOPLE_FILE")
        return Path(explicit) if explicit else self.rooftops_file.parent / "salespeople.json"

    @property
    def response_ledger(self) -> str:
        """The response ledger (JOURNEY_RESPONSE_LEDGER): a SQLite path kept apart from the DuckDB file, or
        `postgresql://user@host/db` (prod; the password from PGPASSWORD or a passfile, never the URL)."""
        return os.getenv("JOURNEY_RESPONSE_LEDGER") or str(self.data_dir / "response" / "ledger.sqlite3")

    @property
    def dms_landing_dir(self) -> Path:
        """Where DMS exports land locally (prod reads a bucket instead)."""
        return Path(os.getenv("JOURNEY_DMS_LANDING_DIR", self.data_dir / "landing" / "dms"))

    # --- the response plane (defs/respond/resources.py reads its environment here) -------------------
    @property
    def sandbox_credentials_file(self) -> Path:
        """Where the sandbox writes the credentials its fakes accept (local only; JOURNEY_SANDBOX_CREDENTIALS_FILE)."""
        explicit = os.getenv("JOURNEY_SANDBOX_CREDENTIALS_FILE")
        return Path(explicit) if explicit else self.data_dir / "sandbox" / "credentials.json"

    @property
    def intake_store(self) -> str:
        """The intake's event store (JOURNEY_INTAKE_STORE): a SQLite path or `postgresql://user@host/db` (prod)."""
        return os.getenv("JOURNEY_INTAKE_STORE") or str(self.data_dir / "intake" / "events.sqlite3")

    @property
    def intake_public_url(self) -> str:
        """Where Twilio posts status callbacks (JOURNEY_INTAKE_PUBLIC_URL); the local intake by default."""
        return os.getenv("JOURNEY_INTAKE_PUBLIC_URL", "http://127.0.0.1:8080" if self.is_local else "").rstrip("/")

    @property
    def respond_options(self) -> dict[str, str]:
        """Plain (not secret) response settings: Wrike folder, Customer.io fallback message, Twilio sender."""
        return {
            "wrike_folder_id": os.getenv("JOURNEY_WRIKE_FOLDER_ID", ""),
            "fallback_email_message_id": os.getenv("JOURNEY_CUSTOMERIO_FALLBACK_MESSAGE_ID", "lead_response_fallback"),
            "twilio_from_number": os.getenv("JOURNEY_TWILIO_FROM_NUMBER", ""),
            "twilio_messaging_service_sid": os.getenv("JOURNEY_TWILIO_MESSAGING_SERVICE_SID", ""),
        }

    # --------------------------------------------------------------------------------------------------
    def base_url(self, vendor: str) -> str:
        override = os.getenv(f"JOURNEY_{vendor.upper()}_BASE_URL")
        if override:
            return override.rstrip("/")
        if self.is_local:
            return f"{self.sandbox_url}/{SANDBOX_VENDOR_ALIASES.get(vendor, vendor)}"
        return LIVE_BASE_URLS[vendor]


def load_settings() -> Settings:
    env = os.getenv("JOURNEY_ENV", "local")
    if env not in ENVIRONMENTS:
        raise ValueError(f"JOURNEY_ENV must be one of {ENVIRONMENTS}, not {env!r}")
    data_dir = Path(os.getenv("JOURNEY_DATA_DIR", REPO_ROOT / "data")).resolve()
    return Settings(
        env=env,
        data_dir=data_dir,
        duckdb_path=Path(os.getenv("JOURNEY_DUCKDB_PATH", data_dir / "journey.duckdb")).resolve(),
        sandbox_url=os.getenv("JOURNEY_SANDBOX_URL", "http://127.0.0.1:8765").rstrip("/"),
        partitions_start=os.getenv("JOURNEY_PARTITIONS_START", "2026-08-01"),
        dry_run=os.getenv("JOURNEY_DRY_RUN", "0").lower() in ("1", "true", "yes"),
        dagster_ui_url=os.getenv("JOURNEY_DAGSTER_UI_URL", "http://127.0.0.1:3000").rstrip("/"),
        accounts=_source_accounts(local=env == "local"),
    )


def _source_accounts(local: bool) -> SourceAccounts:
    """Locally the sandbox answers any account id; in prod an unset one is reported by the resource that needs it."""
    sandbox = "sandbox" if local else ""
    return SourceAccounts(
        metricool_user_id=os.getenv("JOURNEY_METRICOOL_USER_ID", sandbox),
        gbp_account_id=os.getenv("JOURNEY_GBP_ACCOUNT_ID", sandbox),
        google_ads_login_customer_id=os.getenv("JOURNEY_GOOGLE_ADS_LOGIN_CUSTOMER_ID", ""),
        dms_bucket=os.getenv("JOURNEY_DMS_BUCKET", ""),
        dms_prefix=os.getenv("JOURNEY_DMS_PREFIX", "dms"),
        sandbox_crm_token=os.getenv("JOURNEY_SANDBOX_CRM_TOKEN", "sandbox-crm-token"),
    )
