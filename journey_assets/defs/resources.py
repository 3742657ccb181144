"""Resources for each environment, chosen in one place (`resources_for`).

Local: DuckDB, dbt target `local`, every vendor at the sandbox on loopback.
Prod: BigQuery, dbt target `prod`, live vendor URLs, credentials via `EnvVar`
(read when a run starts, never stored in config or logs).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_gcp_pandas import BigQueryPandasIOManager

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
from journey_assets.defs.respond.resources import respond_resources
from journey_assets.settings import REPO_ROOT, Settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# The dbt installed beside this interpreter, so it works without an activated venv.
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")
SANDBOX_API_KEY = "sandbox"  # the fakes check that a key is sent, not which


def _secret(settings: Settings, name: str, sandbox_value: str) -> Any:
    return sandbox_value if settings.is_local else dg.EnvVar(name)


def resources_for(settings: Settings) -> dict[str, Any]:
    if settings.is_local:
        io_manager: Any = WarehouseDuckDBIOManager(database=str(settings.duckdb_path))
    else:
        io_manager = BigQueryPandasIOManager(
            project=dg.EnvVar("JOURNEY_GCP_PROJECT"),
            location=dg.EnvVar("JOURNEY_BQ_LOCATION"),
        )
    return {
        "io_manager": io_manager,
        "dbt": DbtCliResource(
            project_dir=str(DBT_PROJECT_DIR),
            profiles_dir=str(DBT_PROJECT_DIR),
            target=settings.dbt_target,
            dbt_executable=DBT_EXECUTABLE,
        ),
        "rooftops": RooftopsResource(path=str(settings.rooftops_file)),
        **respond_resources(settings),
        "meta": MetaResource(
            base_url=settings.base_url("meta"),
            access_token=_secret(settings, "JOURNEY_META_ACCESS_TOKEN", SANDBOX_API_KEY),
            poll_interval_seconds=0.2 if settings.is_local else 5.0,
        ),
        "metricool": MetricoolResource(
            base_url=settings.base_url("metricool"),
            user_token=_secret(settings, "JOURNEY_METRICOOL_USER_TOKEN", SANDBOX_API_KEY),
            user_id=os.getenv("JOURNEY_METRICOOL_USER_ID", "sandbox" if settings.is_local else ""),
        ),
        "crm": CRMResource(
            base_url=settings.base_url("crm"),
            token=_secret(settings, "JOURNEY_CRM_TOKEN", os.getenv("JOURNEY_SANDBOX_CRM_TOKEN", "sandbox-crm-token")),
        ),
        "dms_landing": DmsLandingResource(
            root=str(settings.dms_landing_dir),
            bucket=os.getenv("JOURNEY_DMS_BUCKET", ""),
            prefix=os.getenv("JOURNEY_DMS_PREFIX", "dms"),
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
            login_customer_id=os.getenv("JOURNEY_GOOGLE_ADS_LOGIN_CUSTOMER_ID", ""),
        ),
        "gbp": GBPResource(
            base_url=settings.base_url("gbp"),
            account_id=os.getenv("JOURNEY_GBP_ACCOUNT_ID", "sandbox" if settings.is_local else ""),
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
