"""The transform stage's one resource: the dbt CLI, on the environment's target."""

from __future__ import annotations

import os
from typing import Any

from dagster_dbt import DbtCliResource

from journey_assets.defs.transform.project import DBT_EXECUTABLE, dbt_project
from journey_assets.settings import Settings


def transform_resources(settings: Settings) -> dict[str, Any]:
    # dbt runs as a subprocess and reads the DuckDB path from the environment
    # (DbtCliResource.cli takes no env), so this process's environment says it.
    os.environ["JOURNEY_DUCKDB_PATH"] = str(settings.duckdb_path)
    return {"dbt": DbtCliResource(project_dir=dbt_project, target=settings.dbt_target, dbt_executable=DBT_EXECUTABLE)}
