"""The code location: every definition under defs/, with the resources of the environment.

`JOURNEY_ENV` picks the environment (journey_assets/settings.py); the assets,
jobs and schedules are the same in both, only resources and executor differ.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from datetime import timedelta
from types import ModuleType

import dagster as dg
from dagster._core.definitions.partitions.partitioned_schedule import UnresolvedPartitionedAssetScheduleDefinition
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from journey_assets import defs as defs_package
from journey_assets.defs.resources import resources_for
from journey_assets.settings import Settings, load_settings

_KINDS = {
    "assets": (dg.AssetsDefinition, dg.SourceAsset, dg.AssetSpec),
    "asset_checks": (dg.AssetChecksDefinition,),
    "jobs": (dg.JobDefinition, UnresolvedAssetJobDefinition),
    "schedules": (dg.ScheduleDefinition, UnresolvedPartitionedAssetScheduleDefinition),
    "sensors": (dg.SensorDefinition,),
}


NIGHTLY_FRESHNESS = dg.FreshnessPolicy.time_window(warn_window=timedelta(hours=26), fail_window=timedelta(hours=50))


def collect(package: ModuleType) -> dict[str, list]:
    """Every definition found at module level anywhere under `package`, by kind."""
    found: dict[str, list] = {kind: [] for kind in _KINDS}
    seen: set[int] = set()
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            for kind, types in _KINDS.items():
                # AssetChecksDefinition subclasses AssetsDefinition: checks first.
                if kind == "assets" and isinstance(value, dg.AssetChecksDefinition):
                    continue
                if isinstance(value, types) and id(value) not in seen:
                    seen.add(id(value))
                    found[kind].append(value)
    return found


def build_definitions(settings: Settings) -> dg.Definitions:
    # dbt runs as a subprocess and reads the DuckDB path from the environment
    # (DbtCliResource.cli takes no env), so this process's environment says it.
    os.environ["JOURNEY_DUCKDB_PATH"] = str(settings.duckdb_path)
    # Locally one process writes DuckDB at a time, so steps run in the run's own process.
    executor = dg.in_process_executor if settings.is_local else dg.multiprocess_executor
    defs = dg.Definitions(**collect(defs_package), resources=resources_for(settings), executor=executor)
    # The nightly run lands by about 04:00 UTC: a raw table or mart not updated
    # for a day and a bit is late (warn), for two nights it is stale (fail).
    return defs.map_resolved_asset_specs(
        func=lambda spec: dg.apply_freshness_policy(spec, NIGHTLY_FRESHNESS),
        selection=dg.AssetSelection.key_prefixes("raw", "marts"),
    )


defs = build_definitions(load_settings())
