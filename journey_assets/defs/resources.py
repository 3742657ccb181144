"""The warehouse's and the ingest stage's resources for an environment.

Local: DuckDB, every vendor at the sandbox on loopback.
Prod: BigQuery, live vendor URLs, credentials via `EnvVar` (read when a run
starts, never stored in config or logs). The other stages keep their own
(defs/transform/resources.py, defs/respond/resources.py); definitions.py
merges them all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_gcp_pandas import BigQueryPandasIOManager

from journey_assets.connectors.crm import CRMClient
from journey_assets.connectors.dealer_inventory import DealerInventoryClient
from journey_assets.connectors.dms import DmsLoader, GcsLanding, LocalLanding
from journey_assets.connectors.ga4 import ANALYTICS_READONLY, GA4Client
from journey_assets.connectors.gbp import BUSINESS_MANAGE_SCOPE, GBPClient
from journey_assets.connectors.google_ads import ADWORDS_SCOPE, DEFAULT_API_VERSION, GoogleAdsClient
from journey_assets.connectors.google_api import google_auth
from journey_assets.connectors.meta import MetaGraphClient, ThrottlePolicy
from journey_assets.connectors.metricool import MetricoolClient
from journey_assets.connectors.pagespeed import PageSpeedClient
from journey_assets.defs.io_managers import WarehouseDuckDBIOManager
from journey_assets.settings import Settings

SANDBOX_API_KEY = "sandbox"  # the fakes check that a key is sent, not which


class RooftopsResource(dg.ConfigurableResource):
    """The dealer group's rooftops and their vendor account ids (a JSON list)."""

    path: str

    def all(self) -> list[dict[str, Any]]:
        file = Path(self.path)
        if not file.exists():
            raise FileNotFoundError(
                f"no rooftop configuration at {file}; set JOURNEY_ROOFTOPS_FILE, or run `journey sandbox world` locally"
            )
        rooftops = json.loads(file.read_text())
        if not rooftops or not all("dealer_id" in r for r in rooftops):
            raise ValueError(f"{file} must be a non-empty JSON list of objects with a dealer_id")
        return rooftops


class DealerInventoryResource(dg.ConfigurableResource):
    base_url: str
    api_key: str
    page_size: int = 100
    timeout_seconds: float = 30.0

    def client(self) -> DealerInventoryClient:
        if not self.base_url:
            raise ValueError("JOURNEY_DEALER_INVENTORY_BASE_URL is not set: your website provider's feed URL")
        return DealerInventoryClient(
            self.base_url, self.api_key, page_size=self.page_size, timeout=self.timeout_seconds
        )


class GA4Resource(dg.ConfigurableResource):
    """GA4 Data API. Auth: `access_token` as is (sandbox), else Application Default Credentials
    (the Dagster host's service account, or GOOGLE_APPLICATION_CREDENTIALS; add it as a property Viewer)."""

    base_url: str
    access_token: str = ""
    page_size: int = 10_000
    timeout_seconds: float = 60.0

    def client(self) -> GA4Client:
        auth = google_auth("ga4", [ANALYTICS_READONLY], access_token=self.access_token)
        return GA4Client(self.base_url, auth=auth, page_size=self.page_size, timeout=self.timeout_seconds)


class GoogleAdsResource(dg.ConfigurableResource):
    """Google Ads API over REST. Auth: `access_token` (sandbox), a user's OAuth refresh token, or ADC.
    The developer token was sunset on 2026-09-09 and is optional; `login_customer_id` is the manager
    account, overridable per rooftop (`google_ads_login_customer_id` in the rooftop config)."""

    base_url: str
    api_version: str = DEFAULT_API_VERSION
    access_token: str = ""
    oauth_client_id: str = ""
    oauth_client_secret: str = ""
    oauth_refresh_token: str = ""
    login_customer_id: str = ""
    developer_token: str = ""
    timeout_seconds: float = 120.0

    def client(self, login_customer_id: str | None = None) -> GoogleAdsClient:
        auth = google_auth(
            "google_ads",
            [ADWORDS_SCOPE],
            access_token=self.access_token,
            refresh_token=self.oauth_refresh_token,
            client_id=self.oauth_client_id,
            client_secret=self.oauth_client_secret,
        )
        return GoogleAdsClient(
            self.base_url,
            auth=auth,
            api_version=self.api_version,
            developer_token=self.developer_token,
            login_customer_id=login_customer_id or self.login_customer_id,
            timeout=self.timeout_seconds,
        )


class GBPResource(dg.ConfigurableResource):
    """Google Business Profile reviews (My Business API v4). Auth as for Google Ads (business.manage scope)."""

    base_url: str
    account_id: str
    access_token: str = ""
    oauth_client_id: str = ""
    oauth_client_secret: str = ""
    oauth_refresh_token: str = ""
    timeout_seconds: float = 60.0

    def client(self) -> GBPClient:
        auth = google_auth(
            "gbp",
            [BUSINESS_MANAGE_SCOPE],
            access_token=self.access_token,
            refresh_token=self.oauth_refresh_token,
            client_id=self.oauth_client_id,
            client_secret=self.oauth_client_secret,
        )
        return GBPClient(self.base_url, auth=auth, timeout=self.timeout_seconds)


class PageSpeedResource(dg.ConfigurableResource):
    """PageSpeed Insights v5. The key is optional on the live API (a small keyless quota)."""

    base_url: str
    api_key: str = ""
    timeout_seconds: float = 120.0
    strategies: list[str] = ["mobile", "desktop"]
    max_concurrency: int = 4  # Lighthouse runs in flight at once; well under the PSI project quota
    # Where a rooftop's search results page lives when its config has no `pagespeed_urls`
    # (Dealer.com: /new-inventory/index.htm; DealerOn: /searchnew.aspx).
    search_results_path: str = "/new-inventory/index.htm"

    def client(self) -> PageSpeedClient:
        return PageSpeedClient(self.base_url, self.api_key, timeout=self.timeout_seconds)


class MetaResource(dg.ConfigurableResource):
    """Meta Graph API (Marketing API insights, Lead Ads) with a system user's access token."""

    base_url: str
    access_token: str
    api_version: str = "v25.0"
    page_size: int = 500
    sync_max_days: int = 7  # longer insights ranges run as async report runs
    poll_interval_seconds: float = 5.0
    throttle_threshold_pct: float = 75.0  # X-FB-Ads-Insights-Throttle level where the client starts pausing
    throttle_max_pause_seconds: float = 60.0
    timeout_seconds: float = 60.0

    def client(self) -> MetaGraphClient:
        throttle = ThrottlePolicy(threshold_pct=self.throttle_threshold_pct, max_pause=self.throttle_max_pause_seconds)
        return MetaGraphClient(
            self.base_url,
            self.access_token,
            api_version=self.api_version,
            page_size=self.page_size,
            sync_max_days=self.sync_max_days,
            poll_interval=self.poll_interval_seconds,
            throttle=throttle,
            timeout=self.timeout_seconds,
        )


class MetricoolResource(dg.ConfigurableResource):
    """Metricool REST API: the account's API token (X-Mc-Auth) and user id; a rooftop is a brand (blogId)."""

    base_url: str
    user_token: str
    user_id: str
    lookback_days: int = 28  # a snapshot re-reads the posts of the last N days: engagement keeps growing
    timeout_seconds: float = 60.0

    def client(self) -> MetricoolClient:
        if not self.user_id:
            raise ValueError("JOURNEY_METRICOOL_USER_ID is not set: the number after userId in Metricool's URL")
        return MetricoolClient(self.base_url, self.user_token, self.user_id, timeout=self.timeout_seconds)


class CRMResource(dg.ConfigurableResource):
    """The dealer group's CRM (generic REST shape, see connectors/crm.py): base URL and bearer token."""

    base_url: str
    token: str
    per_page: int = 100
    timeout_seconds: float = 30.0

    def client(self) -> CRMClient:
        if not self.base_url:
            raise ValueError("JOURNEY_CRM_BASE_URL is not set: your CRM's API root")
        return CRMClient(self.base_url, self.token, timeout=self.timeout_seconds)


class DmsLandingResource(dg.ConfigurableResource):
    """Where DMS exports land: a local folder, or a GCS bucket prefix in prod."""

    root: str = ""  # local folder (JOURNEY_DMS_LANDING_DIR)
    bucket: str = ""  # GCS bucket (JOURNEY_DMS_BUCKET); set in prod instead of root
    prefix: str = "dms"
    max_bad_row_fraction: float = 0.5  # above it a file is refused whole, not row by row

    def loader(self) -> DmsLoader:
        landing = GcsLanding(self.bucket, self.prefix) if self.bucket else LocalLanding(self.root)
        return DmsLoader(landing, max_bad_fraction=self.max_bad_row_fraction)


def _secret(settings: Settings, name: str, sandbox_value: str) -> Any:
    return sandbox_value if settings.is_local else dg.EnvVar(name)


def warehouse_resources(settings: Settings) -> dict[str, Any]:
    """Where assets' outputs are stored: the local DuckDB file, or BigQuery."""
    if settings.is_local:
        return {"io_manager": WarehouseDuckDBIOManager(database=str(settings.duckdb_path))}
    return {
        "io_manager": BigQueryPandasIOManager(
            project=dg.EnvVar("JOURNEY_GCP_PROJECT"), location=dg.EnvVar("JOURNEY_BQ_LOCATION")
        )
    }


def ingest_resources(settings: Settings) -> dict[str, Any]:
    """The rooftops and one resource per vendor the ingest stage reads (Meta and the CRM are shared with respond)."""
    accounts = settings.accounts
    return {
        "rooftops": RooftopsResource(path=str(settings.rooftops_file)),
        "meta": MetaResource(
            base_url=settings.base_url("meta"),
            access_token=_secret(settings, "JOURNEY_META_ACCESS_TOKEN", SANDBOX_API_KEY),
            poll_interval_seconds=0.2 if settings.is_local else 5.0,
        ),
        "metricool": MetricoolResource(
            base_url=settings.base_url("metricool"),
            user_token=_secret(settings, "JOURNEY_METRICOOL_USER_TOKEN", SANDBOX_API_KEY),
            user_id=accounts.metricool_user_id,
        ),
        "crm": CRMResource(
            base_url=settings.base_url("crm"),
            token=_secret(settings, "JOURNEY_CRM_TOKEN", accounts.sandbox_crm_token),
        ),
        "dms_landing": DmsLandingResource(
            root=str(settings.dms_landing_dir),
            bucket=accounts.dms_bucket,
            prefix=accounts.dms_prefix,
        ),
        "dealer_inventory": DealerInventoryResource(
            base_url=settings.base_url("dealer_inventory"),
            api_key=_secret(settings, "JOURNEY_DEALER_INVENTORY_API_KEY", SANDBOX_API_KEY),
        ),
        "ga4": GA4Resource(
            base_url=settings.base_url("ga4"), access_token=SANDBOX_API_KEY if settings.is_local else ""
        ),
        "google_ads": GoogleAdsResource(
            base_url=settings.base_url("google_ads"),
            access_token=SANDBOX_API_KEY if settings.is_local else "",
            oauth_client_id=_secret(settings, "JOURNEY_GOOGLE_OAUTH_CLIENT_ID", ""),
            oauth_client_secret=_secret(settings, "JOURNEY_GOOGLE_OAUTH_CLIENT_SECRET", ""),
            oauth_refresh_token=_secret(settings, "JOURNEY_GOOGLE_ADS_REFRESH_TOKEN", ""),
            login_customer_id=accounts.google_ads_login_customer_id,
        ),
        "gbp": GBPResource(
            base_url=settings.base_url("gbp"),
            account_id=accounts.gbp_account_id,
            access_token=SANDBOX_API_KEY if settings.is_local else "",
            oauth_client_id=_secret(settings, "JOURNEY_GOOGLE_OAUTH_CLIENT_ID", ""),
            oauth_client_secret=_secret(settings, "JOURNEY_GOOGLE_OAUTH_CLIENT_SECRET", ""),
            oauth_refresh_token=_secret(settings, "JOURNEY_GBP_REFRESH_TOKEN", ""),
        ),
        "pagespeed": PageSpeedResource(
            base_url=settings.base_url("pagespeed"),
            api_key=_secret(settings, "JOURNEY_PAGESPEED_API_KEY", SANDBOX_API_KEY),
        ),
    }
