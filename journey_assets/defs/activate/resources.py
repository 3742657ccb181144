"""Resources of the activation stage: the warehouse the syncs read and record in, and the Customer.io Track client.

Local: DuckDB, Customer.io at the sandbox with the Track credentials the sandbox wrote to
`settings.sandbox_credentials_file` (read when a run builds its client). Prod: BigQuery, the live Track API
(JOURNEY_CUSTOMERIO_BASE_URL=https://track-eu.customer.io for an EU workspace), secrets as `EnvVar`:
JOURNEY_CUSTOMERIO_SITE_ID, JOURNEY_CUSTOMERIO_API_KEY. JOURNEY_DRY_RUN=1 diffs and counts without sending.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from journey_assets.connectors.customerio import CustomerIOTrackClient
from journey_assets.defs.respond.resources import local_credentials
from journey_assets.settings import Settings
from journey_assets.warehouse import BigQueryWarehouse, DuckDBWarehouse, Warehouse


class ActivationWarehouseResource(dg.ConfigurableResource):
    duckdb_path: str = ""
    gcp_project: str = ""
    bq_location: str = ""
    dry_run: bool = False

    def warehouse(self) -> Warehouse:
        if self.duckdb_path:
            return DuckDBWarehouse(self.duckdb_path)
        return BigQueryWarehouse(self.gcp_project, self.bq_location or None)


class CustomerIOTrackResource(dg.ConfigurableResource):
    base_url: str
    site_id: str = ""
    api_key: str = ""
    timeout_seconds: float = 30.0
    credentials_file: str = ""  # local: the sandbox's Track credentials

    def client(self) -> CustomerIOTrackClient:
        local = local_credentials(self.credentials_file, "customerio") if not self.api_key else {}
        site_id, api_key = self.site_id or local.get("site_id", ""), self.api_key or local.get("api_key", "")
        if not (site_id and api_key):
            where = (
                f"the sandbox's {self.credentials_file} has none: restart the sandbox"
                if self.credentials_file
                else ("set JOURNEY_CUSTOMERIO_SITE_ID and JOURNEY_CUSTOMERIO_API_KEY")
            )
            raise ValueError(f"no Customer.io Track API site id / API key: {where}")
        return CustomerIOTrackClient(
            site_id,
            api_key,
            base_url=self.base_url,
            timeout=self.timeout_seconds,
        )


def activate_resources(settings: Settings) -> dict[str, Any]:
    if settings.is_local:
        return {
            "activation_warehouse": ActivationWarehouseResource(
                duckdb_path=str(settings.duckdb_path), dry_run=settings.dry_run
            ),
            "activation_customerio": CustomerIOTrackResource(
                base_url=settings.base_url("customerio"), credentials_file=str(settings.sandbox_credentials_file)
            ),
        }
    return {
        "activation_warehouse": ActivationWarehouseResource(
            gcp_project=dg.EnvVar("JOURNEY_GCP_PROJECT"),
            bq_location=dg.EnvVar("JOURNEY_BQ_LOCATION"),
            dry_run=settings.dry_run,
        ),
        "activation_customerio": CustomerIOTrackResource(
            base_url=settings.base_url("customerio"),
            site_id=dg.EnvVar("JOURNEY_CUSTOMERIO_SITE_ID"),
            api_key=dg.EnvVar("JOURNEY_CUSTOMERIO_API_KEY"),
        ),
    }
