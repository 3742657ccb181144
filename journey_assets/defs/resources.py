"""Resources for each environment, chosen in one place (`resources_for`).

Local: DuckDB, dbt target `local`, every vendor at the sandbox on loopback.
Prod: BigQuery, dbt target `prod`, live vendor URLs, credentials via `EnvVar`
(read when a run starts, never stored in config or logs).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from dagster_duckdb_pandas import DuckDBPandasIOManager
from dagster_gcp_pandas import BigQueryPandasIOManager

from journey_assets.connectors.dealer_inventory import DealerInventoryClient
from journey_assets.settings import REPO_ROOT, Settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
# The dbt installed beside this interpreter, so it works without an activated venv.
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).parent / "dbt")
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
        return DealerInventoryClient(self.base_url, self.api_key, page_size=self.page_size, timeout=self.timeout_seconds)


def _secret(settings: Settings, name: str, sandbox_value: str) -> Any:
    return sandbox_value if settings.is_local else dg.EnvVar(name)


def resources_for(settings: Settings) -> dict[str, Any]:
    if settings.is_local:
        io_manager: Any = DuckDBPandasIOManager(database=str(settings.duckdb_path))
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
        "dealer_inventory": DealerInventoryResource(
            base_url=settings.base_url("dealer_inventory"),
            api_key=_secret(settings, "JOURNEY_DEALER_INVENTORY_API_KEY", SANDBOX_API_KEY),
        ),
    }
