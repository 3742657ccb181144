"""The ingest resources: one per vendor, each building its connector's client from configuration.

`resources_for` (defs/resources.py) picks their values per environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg

from journey_assets.connectors.crm import CRMClient
from journey_assets.connectors.dealer_inventory import DealerInventoryClient
from journey_assets.connectors.dms import DmsLoader, GcsLanding, LocalLanding
from journey_assets.connectors.ga4 import ANALYTICS_READONLY, GA4Client
from journey_assets.connectors.gbp import BUSINESS_MANAGE_SCOPE, GBPClient
from journey_assets.connectors.google_ads import ADWORDS_SCOPE, DEFAULT_API_VERSION, GoogleAdsClient
from journey_assets.connectors.google_api import google_auth
from journey_assets.connectors.meta import DEFAULT_LEAD_ACTION_TYPE, MetaGraphClient, ThrottlePolicy
from journey_assets.connectors.metricool import MetricoolClient
from journey_assets.connectors.pagespeed import PageSpeedClient


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
    # The one actions[] type counted as leads, unless a rooftop sets `meta_lead_action_type`
    # (Meta reports one lead under several overlapping types; see connectors/meta.py).
    lead_action_type: str = DEFAULT_LEAD_ACTION_TYPE
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
