"""Every dbt model, seed, snapshot and test as Dagster assets and asset checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from journey_assets.defs.resources import DBT_EXECUTABLE, DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _manifest_is_stale() -> bool:
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [
        DBT_PROJECT_DIR / "dbt_project.yml",
        *DBT_PROJECT_DIR.glob("**/*.sql"),
        *DBT_PROJECT_DIR.glob("**/*.yml"),
    ]
    return any(p.stat().st_mtime > built for p in sources if "target" not in p.parts)


# `dagster dev` re-parses on every load; other entry points (demo, tests, CI,
# a deployed code location) parse only when the project changed since.
if _manifest_is_stale() or os.getenv("DAGSTER_IS_DEV_CLI"):
    DbtCliResource(
        project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=DBT_EXECUTABLE
    ).cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()


class JourneyDbtTranslator(DagsterDbtTranslator):
    """Asset keys are [layer, name] so they line up with the warehouse schemas.

    A source's key is [its schema, its table], e.g. raw/dealer_inventory, the
    key of the ingest asset that loads it; each vendor declares its own dbt
    source name (source('ga4', ...)) over the one raw schema.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        layer = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([layer, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("config", {}).get("schema") or "transform"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=JourneyDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()
