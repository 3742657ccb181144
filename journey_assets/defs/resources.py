"""The warehouse's and the ingest stage's resources for an environment.

Local: DuckDB, every vendor at the sandbox on loopback.
Prod: BigQuery, live vendor URLs, credentials via `EnvVar` (read when a run
starts, never stored in config or logs). The other stages keep their own
(defs/transform/resources.py, defs/respond/resources.py); definitions.py
merges them all.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
from dagster_gcp_pandas import BigQueryPandasIOManager

from journey_assets.defs.ingest.ga4_export import GA4ExportLandingResource
from journey_assets.defs.ingest.resources import (
    CRMResource,
    DealerInventoryResource,
    DmsLandingResource,
    GA4Resource,
    GBPResource,
    GoogleAdsResource,
    MetaResource,
    MetricoolResource,
    PageSpeedResource,
    RooftopsResource,
)
from journey_assets.defs.io_managers import WarehouseDuckDBIOManager
from journey_assets.settings import Settings

SANDBOX_API_KEY = "sandbox"  # the fakes check that a key is sent, not which


def _secret(settings: Settings, name: str, sandbox_value: str) -> Any:
    return sandbox_value if settings.is_local else dg.EnvVar(name)


def warehouse_resources(settings: Settings) -> dict[str, Any]:
    """Where assets' outputs are stored: the local DuckDB file, or BigQuery."""
    if settings.is_local:
        return {
            "io_manager": WarehouseDuckDBIOManager(
                database=str(settings.duckdb_path), connection_config={"memory_limit": settings.duckdb_memory_limit}
            )
        }
    return {
        "io_manager": BigQueryPandasIOManager(
            project=dg.EnvVar("JOURNEY_GCP_PROJECT"), location=dg.EnvVar("JOURNEY_BQ_LOCATION")
        )
    }


def ingest_resources(settings: Settings) -> dict[str, Any]:
    """The rooftops and one resource per vendor the ingest stage reads (Meta and the CRM are shared with respond)."""
    accounts = settings.accounts
    local_only = (
        {
            "ga4_export_landing": GA4ExportLandingResource(
                root=str(settings.ga4_export_landing_dir),
                database=str(settings.duckdb_path),
                memory_limit=settings.duckdb_memory_limit,
            )
        }
        if settings.is_local
        else {}
    )
    return {
        **local_only,
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
